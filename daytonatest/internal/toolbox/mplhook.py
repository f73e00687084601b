# Chart hook of the daytona-go emulator's code run (PROTOCOLS.md 4.3).
#
# Runs the user's code (base64 below) as __main__. When matplotlib is
# importable, pyplot.show() is replaced: every open figure not seen before
# (by the md5 of a 50-dpi PNG rendering) is described as a chart and printed
# as one line "dtn_artifact_k39fd2:{"type":"chart","value":{...}}", then all
# figures are closed. The toolbox removes those lines from the output and
# turns them into artifacts.charts.
import base64
import datetime
import hashlib
import io
import json
import os
import sys
import traceback

USER_CODE = base64.b64decode("__USER_CODE__").decode("utf-8")
MARKER = "dtn_artifact_k39fd2:"


def number(v):
    """A JSON value for a data coordinate: numbers stay numbers, dates become ISO strings."""
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    kind = type(v).__name__
    if kind == "datetime64":
        return str(v.astype("datetime64[s]"))
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def is_date_axis(axis):
    conv = axis.get_converter() if hasattr(axis, "get_converter") else getattr(axis, "converter", None)
    return conv is not None and type(conv).__module__.startswith("matplotlib.dates")


def axis_data(ax, which, mdates):
    axis = ax.xaxis if which == "x" else ax.yaxis
    ticks = list(ax.get_xticks() if which == "x" else ax.get_yticks())
    labels = [t.get_text() for t in (ax.get_xticklabels() if which == "x" else ax.get_yticklabels())]
    scale = ax.get_xscale() if which == "x" else ax.get_yscale()
    if is_date_axis(axis):
        return [mdates.num2date(t).isoformat() for t in ticks], labels, "datetime"
    ticks = [float(t) for t in ticks]
    if scale == "linear" and labels and len(labels) == len(ticks):
        if all(t == i and labels[i] != str(i) for i, t in enumerate(ticks)):
            scale = "categorical"
    return ticks, labels, scale


def is_flat_line(line):
    xs, ys = list(line.get_xdata()), list(line.get_ydata())
    return len(xs) == 2 and len(ys) == 2 and (xs[0] == xs[1] or ys[0] == ys[1])


def chart_type(ax, mpl):
    artists = list(ax.lines) + list(ax.collections) + list(ax.patches)
    if not artists:
        return "unknown"
    if all(isinstance(a, mpl.lines.Line2D) for a in artists):
        return "line"
    if all(isinstance(a, (mpl.patches.PathPatch, mpl.lines.Line2D)) for a in artists):
        return "box_and_whisker"
    rest = [a for a in artists if not (isinstance(a, mpl.lines.Line2D) and is_flat_line(a))]
    if rest and all(isinstance(a, mpl.collections.PathCollection) for a in rest):
        return "scatter"
    if rest and all(isinstance(a, mpl.patches.Rectangle) for a in rest):
        return "bar"
    if rest and all(isinstance(a, mpl.patches.Wedge) for a in rest):
        return "pie"
    return "unknown"


def line_elements(ax):
    out = []
    for line in ax.lines:
        if is_flat_line(line):
            continue
        pts = [[number(x), number(y)] for x, y in zip(line.get_xdata(), line.get_ydata())]
        out.append({"label": line.get_label(), "points": pts})
    return out


def scatter_elements(ax):
    return [
        {"label": c.get_label(), "points": [[number(x), number(y)] for x, y in c.get_offsets()]}
        for c in ax.collections
    ]


def bar_elements(ax):
    """Bars per container; horizontal bars (equal heights) read their labels from the y axis."""
    out, horizontal = [], False
    for cont in ax.containers:
        rects = list(cont)
        if not rects:
            continue
        heights = [r.get_height() for r in rects]
        if len(rects) > 1 and all(h == heights[0] for h in heights):
            horizontal = True
            labels = [t.get_text() for t in ax.get_yticklabels()]
            values = [r.get_width() for r in rects]
        else:
            labels = [t.get_text() for t in ax.get_xticklabels()]
            values = heights
        for label, value in zip(labels, values):
            out.append({"label": label, "group": cont.get_label(), "value": number(value)})
    return out, horizontal


def pie_elements(ax, mpl):
    wedges = [p for p in ax.patches if isinstance(p, mpl.patches.Wedge)]
    texts = [t.get_text() for t in ax.texts]
    labels = texts[0::2] if len(texts) == 2 * len(wedges) else texts[: len(wedges)]
    labels += [""] * (len(wedges) - len(labels))
    return [
        {"label": lab, "angle": abs(w.theta2 - w.theta1), "radius": w.r}
        for lab, w in zip(labels, wedges)
    ]


def box_elements(ax, mpl):
    """Boxes drawn with patch_artist=True: quartiles from the box, median and
    whiskers from the lines inside its span, outliers from marker-only lines."""
    boxes = []
    for patch in ax.patches:
        if not isinstance(patch, mpl.patches.PathPatch):
            continue
        v = patch.get_path().vertices
        boxes.append([min(v[:, 0]), max(v[:, 0]), min(v[:, 1]), max(v[:, 1])])
    if not boxes:
        return [], False
    widths = [b[1] - b[0] for b in boxes]
    horizontal = len(boxes) > 1 and not all(abs(w - widths[0]) < 1e-9 for w in widths)
    ticklabels = [t.get_text() for t in (ax.get_yticklabels() if horizontal else ax.get_xticklabels())]
    out = []
    for i, (x0, x1, y0, y1) in enumerate(boxes):
        if horizontal:
            x0, x1, y0, y1 = y0, y1, x0, x1
        el = {"label": ticklabels[i] if i < len(ticklabels) else str(i + 1),
              "min": None, "first_quartile": y0, "median": None,
              "third_quartile": y1, "max": None, "outliers": []}
        for line in ax.lines:
            xs, ys = [float(a) for a in line.get_xdata()], [float(a) for a in line.get_ydata()]
            if horizontal:
                xs, ys = ys, xs
            if not xs or min(xs) < x0 - 1e-9 or max(xs) > x1 + 1e-9:
                continue
            if line.get_linestyle() in ("None", "", " "):
                el["outliers"].extend(ys)
            elif len(ys) == 2 and ys[0] == ys[1] and y0 <= ys[0] <= y1 and xs[0] != xs[1]:
                el["median"] = ys[0]
            elif len(xs) == 2 and xs[0] == xs[1]:
                if max(ys) <= y0 + 1e-9:
                    el["min"] = min(ys)
                elif min(ys) >= y1 - 1e-9:
                    el["max"] = max(ys)
        out.append(el)
    return out, horizontal


def describe_axes(ax, mpl, mdates):
    data = {"title": ax.get_title(), "x_label": ax.get_xlabel(), "y_label": ax.get_ylabel()}
    for which in ("x", "y"):
        ticks, labels, scale = axis_data(ax, which, mdates)
        data[which + "_ticks"], data[which + "_tick_labels"], data[which + "_scale"] = ticks, labels, scale
    kind = chart_type(ax, mpl)
    swap = False
    if kind == "line":
        elements = line_elements(ax)
    elif kind == "scatter":
        elements = scatter_elements(ax)
    elif kind == "bar":
        elements, swap = bar_elements(ax)
    elif kind == "pie":
        elements = pie_elements(ax, mpl)
    elif kind == "box_and_whisker":
        elements, swap = box_elements(ax, mpl)
    else:
        elements = []
    if swap:
        data["x_label"], data["y_label"] = data["y_label"], data["x_label"]
    data["type"] = kind
    data["elements"] = elements
    return data


def png_base64(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=100)
    data = buf.getvalue()
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            out = io.BytesIO()
            img.save(out, format="png", optimize=True)
            data = out.getvalue()
    except Exception:  # PIL missing or failing: keep matplotlib's PNG
        pass
    return base64.b64encode(data).decode("ascii")


def figure_digest(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return hashlib.md5(buf.getvalue()).hexdigest()


def plotted_axes(fig):
    out = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        if ax.get_subplotspec() is not None and not ax.has_data():
            continue
        out.append(ax)
    return out


def describe_figure(fig, mpl, mdates):
    charts = [describe_axes(ax, mpl, mdates) for ax in plotted_axes(fig)]
    if len(charts) > 1:
        title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else None
        value = {"type": "composite_chart", "title": title, "elements": charts}
    elif charts:
        value = charts[0]
    else:
        value = {"type": "unknown"}
    value["png"] = png_base64(fig)
    return value


def json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, set):
        return list(o)
    raise TypeError("not serializable: %s" % type(o).__name__)


def install_hook():
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import matplotlib as mpl
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except Exception:
        return  # the user's own import reports it
    seen = set()

    def show(*args, **kwargs):
        for num in plt.get_fignums():
            fig = plt.figure(num)
            digest = figure_digest(fig)
            if digest in seen:
                continue
            seen.add(digest)
            value = describe_figure(fig, mpl, mdates)
            line = json.dumps({"type": "chart", "value": value}, default=json_default)
            sys.stdout.write(MARKER + line + "\n")
            sys.stdout.flush()
        plt.close("all")

    plt.show = show


def main():
    install_hook()
    module = type(sys)("__main__")
    module.__file__ = "<stdin>"
    sys.modules["__main__"] = module
    try:
        exec(compile(USER_CODE, "<stdin>", "exec"), module.__dict__)
    except Exception as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "<stdin>":
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        sys.exit(1)


main()
