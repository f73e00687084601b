# The code interpreter's worker: one per context (PROTOCOLS.md 7), run by
# the emulator's toolbox (interpreter.go) as
#
#     python3 interpreter_worker.py <marker>
#
# File descriptors: 0 is /dev/null, 1 and 2 are the output pipes the toolbox
# turns into stdout and stderr messages, 3 carries events to the toolbox
# (one JSON object per line), 4 carries requests from it (one JSON object
# per line: {"code": "...", "envs": {...}}).
#
# Each request runs in the context's one namespace, so state persists
# between executions. After each execution the worker flushes the output
# streams, writes the marker on fd 1 and fd 2 (so the toolbox knows it has
# all the output) and sends {"type": "done", ...} on fd 3. SIGINT interrupts
# a running execution (the toolbox's timeout); it is ignored otherwise.

import builtins
import io
import json
import os
import signal
import sys
import traceback

MARKER = sys.argv[1].encode()
WORKER = os.path.abspath(__file__)

events = os.fdopen(3, "w", encoding="utf-8", buffering=1)
requests = os.fdopen(4, "r", encoding="utf-8")

sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", line_buffering=True)
sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", line_buffering=True)
sys.argv = [""]
sys.path[0] = ""  # imports resolve against the working directory, as in a REPL

namespace = {"__name__": "__main__", "__builtins__": builtins}
running = False


def on_sigint(signum, frame):
    if running:
        raise KeyboardInterrupt


signal.signal(signal.SIGINT, on_sigint)


def describe(exc):
    """Name, value and cleaned-up traceback of an exception raised by user
    code: the worker's own frames and the source lines are left out."""
    name = type(exc).__name__
    value = str(exc)
    last = name + (": " + value if value else "") + "\n"
    if isinstance(exc, SyntaxError):
        return name, value, last
    lines = ["Traceback (most recent call last):\n"]
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == WORKER:
            continue
        line = '  File "%s", line %s' % (frame.filename, frame.lineno)
        if frame.name != "<module>":
            line += ", in " + frame.name
        lines.append(line + "\n")
    lines.append(last)
    return name, value, "".join(lines)


def execute(code):
    global running
    result = {"type": "done", "error": None, "interrupted": False, "exited": False}
    try:
        try:
            compile(code, "<string>", "exec")  # syntax errors name "<string>"
        except (SyntaxError, ValueError) as exc:
            name, value, tb = describe(exc)
            result["error"] = {"name": name, "value": value, "traceback": tb}
            return result
        compiled = compile(code, "<stdin>", "exec")
        running = True
        try:
            exec(compiled, namespace)
        finally:
            running = False
    except KeyboardInterrupt:
        result["interrupted"] = True
    except SystemExit:
        result["exited"] = True
    except BaseException as exc:  # noqa: BLE001 - every exception is reported
        name, value, tb = describe(exc)
        result["error"] = {"name": name, "value": value, "traceback": tb}
    return result


def flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a broken stream must not kill the worker
            pass


def main():
    for line in requests:
        req = json.loads(line)
        envs = req.get("envs") or {}
        saved = {k: os.environ.get(k) for k in envs}
        try:
            os.environ.update(envs)
            result = execute(req["code"])
        except ValueError as exc:  # an environment variable the OS refuses
            name, value, tb = describe(exc)
            result = {"type": "done", "error": {"name": name, "value": value, "traceback": tb},
                      "interrupted": False, "exited": False}
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        flush()
        os.write(1, MARKER)
        os.write(2, MARKER)
        events.write(json.dumps(result) + "\n")
        if result["exited"]:
            return


main()
