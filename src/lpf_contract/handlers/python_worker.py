"""Worker process for Python callables; speaks the Node runner's protocol (see worker/protocol.py).

Run as a script by PythonHandler: ``python python_worker.py --ipc-fd N``. It imports nothing from
lpf_contract so that the handler's own imports stay its own.
"""

import sys

# The handler's folder is the user's: importing it (and what it imports from there) must not leave a
# __pycache__ beside their files (issue 18).
sys.dont_write_bytecode = True

# Running as a script puts this folder first on sys.path, where our http.py would shadow the
# standard library's `http` for the handler: take it off before importing anything else.
if sys.path and sys.path[0] and __file__.startswith(sys.path[0]):
    del sys.path[0]

import builtins  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import orjson  # noqa: E402

# Python's counterparts of the JS errors the platform reports as runtime exceptions
# (TypeError, ReferenceError, SyntaxError, RangeError, and a failed require): programming errors, not
# deliberate failures.
RUNTIME_ERRORS = (
    TypeError,
    NameError,
    AttributeError,
    KeyError,
    IndexError,
    SyntaxError,
    RecursionError,
    ZeroDivisionError,
    ImportError,
)
MAX_KEPT_LOG_ENTRIES = 200
MAX_KEPT_LOG_CHARS = 100_000
LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "error"}

_ipc_at = sys.argv.index("--ipc-fd")
sock = socket.socket(fileno=int(sys.argv[_ipc_at + 1]))
# Out of the handler's sight (as in runner.js); the suite still refuses anything malformed on it.
del sys.argv[_ipc_at : _ipc_at + 2]
send_lock = threading.Lock()
func = None
callback_style = False
current = None
# The classified error the module's top-level code raised while loading, if the function was
# defined before it: like a Node lambda whose top level throws, every invocation fails with it.
load_failure = None


def send(msg):
    data = orjson.dumps(msg) + b"\n"
    with send_lock:
        sock.sendall(data)


def describe(err):
    if isinstance(err, BaseException):
        return {
            "name": type(err).__name__,
            "message": str(err),
            "stack": "".join(traceback.format_exception(type(err), err, err.__traceback__)),
        }
    return {"name": None, "message": err if isinstance(err, str) else repr(err), "stack": ""}


def json_problem(value, where, seen):
    if value is None or isinstance(value, (str, bool)):
        return None
    if isinstance(value, int):
        return None if -(2**63) <= value < 2**64 else f"{where} is an integer JSON libraries cannot carry"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is {value}"
    if isinstance(value, (list, tuple, dict)):
        if id(value) in seen:
            return f"{where} is circular"
        seen.add(id(value))
        try:
            if isinstance(value, dict):
                for k, v in value.items():
                    if not isinstance(k, str):
                        return f"{where} has a key that is not a string: {k!r}"
                    p = json_problem(v, f"{where}.{k}", seen)
                    if p:
                        return p
            else:
                for i, v in enumerate(value):
                    p = json_problem(v, f"{where}[{i}]", seen)
                    if p:
                        return p
        finally:
            seen.discard(id(value))
        return None
    return f"{where} is a {type(value).__name__}"


class Invocation:
    def __init__(self, ident):
        self.id = ident
        self.started = time.perf_counter()
        self.results = 0
        self.failure = None
        self.result = None
        self.has_result = False
        self.log_calls = 0
        self.log_chars = 0
        self.kept = 0
        self.kept_chars = 0
        self.first = threading.Event()
        self.lock = threading.Lock()

    def log(self, level, text):
        with self.lock:
            self.log_calls += 1
            self.log_chars += len(text)
            if self.kept >= MAX_KEPT_LOG_ENTRIES or self.kept_chars >= MAX_KEPT_LOG_CHARS:
                return
            room = MAX_KEPT_LOG_CHARS - self.kept_chars
            kept = text if len(text) <= room else text[:room] + "…[truncated]"
            self.kept += 1
            self.kept_chars += len(kept)
        send({"op": "log", "id": self.id, "level": level, "text": kept})

    def settle(self, failure, result, has_result):
        with self.lock:
            self.results += 1
            if self.results > 1:
                return
            self.failure = failure
            self.result = result
            self.has_result = has_result
        self.first.set()


def classify(err):
    kind = "runtime-exception" if isinstance(err, RUNTIME_ERRORS) else "custom-failure"
    return {"kind": kind, "error": describe(err)}


_real_print = builtins.print


def _print(*args, sep=" ", end="\n", file=None, flush=False):
    inv = current
    if inv is not None and (file is None or file is sys.stdout):
        inv.log("log", (sep if sep is not None else " ").join(str(a) for a in args))
        return
    _real_print(*args, sep=sep, end=end, file=file, flush=flush)


class _LogHandler(logging.Handler):
    def emit(self, record):
        inv = current
        if inv is None:
            return
        try:
            text = record.getMessage()
        except Exception as exc:  # a bad %-format in the handler's own logging call
            text = f"<unformattable: {exc}>"
        inv.log(LEVELS.get(record.levelname, "log"), text)


def load(msg):
    global func, callback_style, load_failure
    spec = msg["target"]
    left, _, name = spec.rpartition(":")
    module = None
    thrown = None
    try:
        if left.endswith(".py"):
            path = os.path.abspath(left)
            sys.path.insert(0, os.path.dirname(path))
            mod_spec = importlib.util.spec_from_file_location("lpf_contract_handler", path)
            module_name = "lpf_contract_handler"
        else:
            sys.path.insert(0, os.getcwd())
            mod_spec = importlib.util.find_spec(left)
            if mod_spec is None:
                raise ModuleNotFoundError(f"No module named {left!r}", name=left)
            module_name = left
        # Made by hand rather than imported, so that the module object survives a raise in its
        # top-level code and the functions defined before it stay reachable.
        module = importlib.util.module_from_spec(mod_spec)  # type: ignore[arg-type]
        sys.modules[module_name] = module
        mod_spec.loader.exec_module(module)  # type: ignore[union-attr]
    except SyntaxError as exc:
        return {"op": "load-error", "reason": "syntax", "error": describe(exc)}
    except BaseException as exc:
        thrown = exc
    if thrown is not None and (module is None or not callable(getattr(module, name, None))):
        return {"op": "load-error", "reason": "top-level", "error": describe(thrown)}
    fn = getattr(module, name, None)
    if not callable(fn):
        return {
            "op": "load-error",
            "reason": "no-function",
            "error": {"name": None, "message": f"no function {name}", "stack": ""},
        }
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
    except (TypeError, ValueError):
        params = []
    func = fn
    callback_style = len(params) >= 2
    reply = {"op": "loaded", "runtime": None, "callback": callback_style, "isAsync": inspect.iscoroutinefunction(fn)}
    if thrown is not None:
        load_failure = classify(thrown)
        reply["loadFault"] = load_failure["error"]
    return reply


def invoke(msg):
    global current
    inv = Invocation(msg["id"])
    if load_failure is not None:
        send(
            {
                "op": "result",
                "id": inv.id,
                "durationMs": 0.0,
                "results": 1,
                "logCalls": 0,
                "logChars": 0,
                "fault": load_failure["kind"],
                "error": load_failure["error"],
                "phase": "load",
            }
        )
        return
    current = inv
    try:
        if callback_style:

            def callback(err=None, *rest):
                if err:
                    inv.settle({"kind": "custom-failure", "error": describe(err)}, None, False)
                else:
                    inv.settle(None, rest[0] if rest else None, bool(rest))

            returned = func(msg["input"], callback)  # type: ignore[misc]
            if inspect.isawaitable(returned):
                _run(returned)
            # Callbacks may come from threads the handler started; the parent's time limit applies.
            inv.first.wait()
        else:
            returned = func(msg["input"])  # type: ignore[misc]
            if inspect.isawaitable(returned):
                returned = _run(returned)
            inv.settle(None, returned, returned is not None)
    except BaseException as exc:  # SystemExit too: report it rather than leave silently
        if isinstance(exc, SystemExit):
            raise
        inv.settle(classify(exc), None, False)
    current = None
    reply = {
        "op": "result",
        "id": inv.id,
        "durationMs": (time.perf_counter() - inv.started) * 1000,
        "results": inv.results,
        "logCalls": inv.log_calls,
        "logChars": inv.log_chars,
    }
    if inv.failure:
        reply["fault"] = inv.failure["kind"]
        reply["error"] = inv.failure["error"]
    elif inv.has_result:
        problem = json_problem(inv.result, "result", set())
        if problem:
            reply["fault"] = "not-serializable"
            reply["error"] = {"name": None, "message": f"the result is not JSON: {problem}", "stack": ""}
        else:
            reply["hasResult"] = True
            reply["result"] = inv.result
    send(reply)


_loop = None


def _run(awaitable):
    # One loop for the worker's life, made on first use: asyncio costs ~80 ms to import, and a new
    # loop per call would log asyncio's own debug lines into the handler's logs.
    global _loop
    if _loop is None:
        import asyncio

        global current
        saved, current = current, None
        _loop = asyncio.new_event_loop()
        current = saved

    async def wrapped():
        return await awaitable

    return _loop.run_until_complete(wrapped())


def main():
    builtins.print = _print
    root = logging.getLogger()
    root.addHandler(_LogHandler())
    root.setLevel(logging.DEBUG)
    buf = b""
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            msg = orjson.loads(line)
            if msg["op"] == "load":
                send(load(msg))
            elif msg["op"] == "invoke":
                invoke(msg)


if __name__ == "__main__":
    main()
