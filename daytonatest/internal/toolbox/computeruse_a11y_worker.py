"""One accessibility request of the emulated toolbox (computeruse_a11y.go).

Reads one JSON request on standard input, answers it over the AT-SPI D-Bus
protocol and writes one JSON object on standard output: {"result": ...} or
{"error": {"kind": ..., "message": ...}}. The session bus comes from
DBUS_SESSION_BUS_ADDRESS; the accessibility bus is the one org.a11y.Bus on
the session bus names. Only GLib's D-Bus client (python3-gi) is needed.
"""
import json
import sys
import time

from gi.repository import Gio, GLib

REGISTRY = "org.a11y.atspi.Registry"
ROOT_PATH = "/org/a11y/atspi/accessible/root"
ACCESSIBLE = "org.a11y.atspi.Accessible"
COMPONENT = "org.a11y.atspi.Component"
ACTION = "org.a11y.atspi.Action"
EDITABLE_TEXT = "org.a11y.atspi.EditableText"
VALUE = "org.a11y.atspi.Value"
PROPERTIES = "org.freedesktop.DBus.Properties"
CALL_TIMEOUT_MS = 5000
SCREEN_COORDS = 0

# AT-SPI's StateType, in bit order (the bits of Accessible.GetState).
STATE_NAMES = (
    "invalid active armed busy checked collapsed defunct editable enabled "
    "expandable expanded focusable focused has_tooltip horizontal iconified "
    "modal multi_line multiselectable opaque pressed resizable selectable "
    "selected sensitive showing single_line stale transient vertical visible "
    "manages_descendants indeterminate required truncated animated "
    "invalid_entry supports_autocompletion selectable_text is_default visited "
    "checkable has_popup read_only"
).split()
STATE_ACTIVE = 1

# D-Bus errors meaning the object is gone, or does not do what was asked.
GONE = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.UnknownObject",
}
UNSUPPORTED = {
    "org.freedesktop.DBus.Error.UnknownMethod",
    "org.freedesktop.DBus.Error.UnknownInterface",
    "org.freedesktop.DBus.Error.UnknownProperty",
    "org.freedesktop.DBus.Error.NotSupported",
}


class Failure(Exception):
    """An answer other than success; kind is one the Go side maps."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def from_glib(err):
    name = Gio.DBusError.get_remote_error(err) or ""
    message = err.message.removeprefix("GDBus.Error:" + name + ": ").strip()
    if name in GONE:
        return Failure("not_found", message)
    if name in UNSUPPORTED:
        return Failure("unsupported", message)
    return Failure("internal", message)


def connect():
    try:
        session = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = session.call_sync(
            "org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress", None,
            GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
        address = reply.unpack()[0]
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                 | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        return Bus(Gio.DBusConnection.new_for_address_sync(address, flags, None, None))
    except GLib.Error as err:
        raise Failure("unavailable", err.message)


class Bus:
    def __init__(self, conn):
        self.conn = conn

    def call(self, ref, iface, method, args=None, reply="()"):
        try:
            out = self.conn.call_sync(
                ref[0], ref[1], iface, method, args, GLib.VariantType(reply),
                Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
        except GLib.Error as err:
            raise from_glib(err)
        return out.unpack()

    def prop(self, ref, iface, name):
        return self.call(ref, PROPERTIES, "Get", GLib.Variant("(ss)", (iface, name)), "(v)")[0]

    def children(self, ref):
        return [tuple(r) for r in self.call(ref, ACCESSIBLE, "GetChildren", None, "(a(so))")[0]]

    def states(self, ref):
        bits = self.call(ref, ACCESSIBLE, "GetState", None, "(au)")[0]
        return [n for i, n in enumerate(STATE_NAMES) if i // 32 < len(bits) and bits[i // 32] >> (i % 32) & 1]

    def actions(self, ref):
        count = self.prop(ref, ACTION, "NActions")
        return [self.call(ref, ACTION, "GetName", GLib.Variant("(i)", (i,)), "(s)")[0] for i in range(count)]


def optional(f, default):
    try:
        return f()
    except Failure:
        return default


def node(bus, ref):
    """The node's own fields (no children); a failing role read fails it."""
    role = bus.call(ref, ACCESSIBLE, "GetRoleName", None, "(s)")[0]
    ifaces = optional(lambda: bus.call(ref, ACCESSIBLE, "GetInterfaces", None, "(as)")[0], [])
    out = {
        "id": ref[0] + ":" + ref[1],
        "role": role,
        "name": optional(lambda: bus.prop(ref, ACCESSIBLE, "Name"), ""),
        "description": optional(lambda: bus.prop(ref, ACCESSIBLE, "Description"), ""),
        "states": optional(lambda: bus.states(ref), []),
        "bounds": {"x": 0, "y": 0, "width": 0, "height": 0},
        "actions": [],
    }
    if COMPONENT in ifaces:
        ext = optional(lambda: bus.call(ref, COMPONENT, "GetExtents", GLib.Variant("(u)", (SCREEN_COORDS,)), "((iiii))")[0], None)
        if ext is not None:
            out["bounds"] = {"x": ext[0], "y": ext[1], "width": ext[2], "height": ext[3]}
    if ACTION in ifaces:
        out["actions"] = optional(lambda: bus.actions(ref), [])
    return out


def walk(bus, ref, depth, budget, top):
    """The subtree at ref, pre-order, depth levels deep (negative: all),
    visiting at most budget[0] nodes. Below the top, a node that vanished
    mid-walk is skipped."""
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    try:
        out = node(bus, ref)
    except Failure as f:
        if not top and f.kind == "not_found":
            return None
        raise
    if depth == 0:
        return out
    try:
        kids = bus.children(ref)
    except Failure as f:
        if f.kind == "not_found":
            return out
        raise
    children = []
    for kid in kids:
        if budget[0] <= 0:
            break
        child = walk(bus, kid, depth - 1 if depth > 0 else depth, budget, False)
        if child is not None:
            children.append(child)
    out["children"] = children
    return out


def scope_root(bus, scope, pid):
    root = (REGISTRY, ROOT_PATH)
    if scope == "all":
        return root
    apps = bus.children(root)
    if scope == "pid":
        dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus")
        for app in apps:
            try:
                owner = bus.call(dbus, "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                 GLib.Variant("(s)", (app[0],)), "(u)")[0]
            except Failure as f:
                if f.kind == "not_found":
                    continue
                raise
            if owner == pid:
                return app
        raise Failure("no_root", "no application with process id %d" % pid)
    if not apps:
        raise Failure("no_root", "no application is registered")
    for app in apps:
        for win in optional(lambda: bus.children(app), []):
            if "active" in optional(lambda: bus.states(win), []):
                return app
    return apps[0]


def tree(req):
    bus = connect()
    root = scope_root(bus, req["scope"], req.get("pid", 0))
    budget = [req["budget"]]
    out = walk(bus, root, req["maxDepth"], budget, True)
    return {"root": out, "truncated": budget[0] <= 0}


def focus(req):
    bus = connect()
    if not bus.call((req["bus"], req["path"]), COMPONENT, "GrabFocus", None, "(b)")[0]:
        raise Failure("unsupported", "the node refused the focus")
    return {}


def invoke(req):
    bus = connect()
    ref = (req["bus"], req["path"])
    names = bus.actions(ref)
    want = req.get("action", "")
    index = -1
    if names and not want:
        index = 0
    for i, name in enumerate(names):
        if want and name.lower() == want.lower():
            index = i
            break
    if index < 0:
        raise Failure("unsupported", "the node has no action %r (it has %s)" % (want, names))
    if not bus.call(ref, ACTION, "DoAction", GLib.Variant("(i)", (index,)), "(b)")[0]:
        raise Failure("unsupported", "DoAction(%d) returned false" % index)
    return {}


def set_value(req):
    bus = connect()
    ref = (req["bus"], req["path"])
    try:
        # Implementations often answer false and still change the text.
        bus.call(ref, EDITABLE_TEXT, "SetTextContents", GLib.Variant("(s)", (req["value"],)), "(b)")
        return {}
    except Failure as f:
        if f.kind != "unsupported":
            raise
    if req.get("number") is None:
        raise Failure("unsupported", "the node has no editable text and %r is not a number" % req["value"])
    bus.call(ref, PROPERTIES, "Set",
             GLib.Variant("(ssv)", (VALUE, "CurrentValue", GLib.Variant("d", req["number"]))), "()")
    return {}


def ping(req):
    """Waits until the registry answers on the accessibility bus."""
    deadline = time.monotonic() + req["wait"]
    while True:
        try:
            connect().children((REGISTRY, ROOT_PATH))
            return {}
        except Failure:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


OPS = {"tree": tree, "focus": focus, "invoke": invoke, "value": set_value, "ping": ping}


def main():
    req = json.load(sys.stdin)
    try:
        answer = {"result": OPS[req["op"]](req)}
    except Failure as f:
        answer = {"error": {"kind": f.kind, "message": str(f)}}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
