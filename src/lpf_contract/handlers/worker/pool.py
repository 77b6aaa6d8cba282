"""Persistent out-of-process workers shared by the Node and Python adapters.

Each worker is a child process in its own session, talking newline-delimited JSON over a socket
passed as an extra file descriptor (``--ipc-fd N``): the handler's stdout/stderr are never parsed,
only drained into a small tail kept for crash reports. Time limits are enforced here, by killing the
worker's whole process tree, because a busy loop never yields to anything inside the worker; so is
the resident-memory cap, which the worker's silence lets us check, and the rule that no child
process outlives the case that started it. Anything on the socket that is not a well-formed protocol
message is the lambda's doing (the socket is reachable from its code) and ends the worker.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import orjson

from ...core.errors import HandlerLoadError
from ...core.outcome import PLATFORM_ERROR_CODES, FaultKind, LogEntry, Outcome

# Platform limits (../shared/platform-facts.md, "Limits").
MAX_LOG_CALLS = 10
MAX_LOG_CHARS = 6000

_STDERR_TAIL_BYTES = 16 * 1024
# How often a waiting caller checks that the worker is alive and within its memory cap. Only a
# silent worker is polled: a case that answers within one slice costs nothing extra.
_POLL_SLICE_S = 0.1
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_SNIPPET_CHARS = 120
_ids = itertools.count(1)
_live: "weakref.WeakSet[Worker]" = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    # A handler nobody closed must not outlive us: a busy-looping worker never notices EOF.
    for worker in list(_live):
        worker.kill()


class WorkerDied(Exception):
    pass


class WorkerTimedOut(Exception):
    pass


class ProtocolError(Exception):
    """A line on the worker's socket that is not a well-formed protocol message."""


class WorkerOutOfMemory(Exception):
    def __init__(self, rss_mb: int, limit_mb: int) -> None:
        super().__init__(f"rss_mb={rss_mb} > limit_mb={limit_mb}")
        self.rss_mb = rss_mb
        self.limit_mb = limit_mb


_NUMBER = (int, float)
_OPTIONAL_STR = (str, type(None))
_OPTIONAL_DICT = (dict, type(None))
# Field types of the messages the suite acts on; absent fields are allowed (they have defaults),
# unknown ops are ignored as before.
_FIELD_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "log": {"level": (str,), "text": (str,)},
    "result": {
        "id": (int,),
        "results": (int,),
        "logCalls": (int,),
        "logChars": (int,),
        "logsDropped": (int,),
        "durationMs": _NUMBER,
        "hasResult": (bool,),
        "fault": _OPTIONAL_STR,
        "error": _OPTIONAL_DICT,
        "phase": _OPTIONAL_STR,
        "neverCalled": (bool,),
    },
    "loaded": {"runtime": _OPTIONAL_STR, "loadFault": _OPTIONAL_DICT},
    "load-error": {"reason": _OPTIONAL_STR, "error": _OPTIONAL_DICT, "topLevelError": _OPTIONAL_DICT},
}
_REQUIRED = {"log": ("level", "text"), "result": ("id",)}
_FAULT_NAMES = frozenset(k.value for k in FaultKind)


def _snippet(line: bytes) -> str:
    text = line[:_SNIPPET_CHARS].decode("utf-8", "replace")
    return repr(text) + ("…" if len(line) > _SNIPPET_CHARS else "")


def parse_message(line: bytes) -> dict[str, Any]:
    """One protocol line as a dict; raises ProtocolError unless it is a well-typed message."""
    try:
        msg = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise ProtocolError(f"a line that is not JSON: line={_snippet(line)}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(f"a line that is not a JSON object: line={_snippet(line)}")
    op = msg.get("op")
    if op is None:
        return msg
    if not isinstance(op, str):
        raise ProtocolError(f"op is not a string: line={_snippet(line)}")
    types = _FIELD_TYPES.get(op)
    if types is None:
        return msg
    for name in _REQUIRED.get(op, ()):
        if name not in msg:
            raise ProtocolError(f"op={op} without {name}: line={_snippet(line)}")
    for name, value in msg.items():
        allowed = types.get(name)
        if allowed is not None and not isinstance(value, allowed):
            raise ProtocolError(f"op={op} with a malformed {name}: line={_snippet(line)}")
    if op == "result" and msg.get("fault") is not None and msg["fault"] not in _FAULT_NAMES:
        raise ProtocolError(f"op=result with an unknown fault: line={_snippet(line)}")
    return msg


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSpec:
    """How to start one worker and what to send it before its first invocation."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str | None
    load_message: Mapping[str, Any]
    load_timeout_s: float
    label: str  # names the target in messages
    memory_limit_mb: int | None = None  # resident memory (VmRSS) past which the worker is killed


def _read_proc(fd: int | None) -> bytes:
    # A kept-open /proc file re-generates on every pread from offset 0: about 1 µs, no open/close.
    if fd is None:
        return b""
    try:
        return os.pread(fd, 4096, 0)
    except OSError:  # the process is gone
        return b""


def _open_proc(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no such process, or a kernel without CONFIG_PROC_CHILDREN
        return None


def _children(pid: int) -> list[int]:
    """Direct children of every thread of ``pid``, from /proc/<pid>/task/<tid>/children."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        fd = _open_proc(f"/proc/{pid}/task/{tid}/children")
        out.extend(int(c) for c in _read_proc(fd).split())
        if fd is not None:
            os.close(fd)
    return out


def _kill_tree_below(pid: int) -> list[int]:
    """SIGKILL everything below ``pid``; stopped first, level by level, so nothing forks away meanwhile."""
    stopped: list[int] = []
    seen: set[int] = set()
    frontier = [pid]
    while frontier:
        below = [c for p in frontier for c in _children(p) if c not in seen]
        for c in below:
            seen.add(c)
            try:
                os.kill(c, signal.SIGSTOP)
                stopped.append(c)
            except (ProcessLookupError, PermissionError):
                pass
        frontier = below
    for c in stopped:
        try:
            os.kill(c, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return stopped


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), so children that left the group die too."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) comes after the parenthesised command, which may itself hold spaces.
        rest = stat[stat.rfind(b")") + 2 :].split()
        children[int(rest[1])].append(int(name))
    out: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.append(child)
            stack.append(child)
    return out


class Worker:
    """One child process; used by one caller at a time (the pool guarantees it)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        parent, child = socket.socketpair()
        try:
            self.proc = subprocess.Popen(
                [*spec.argv, "--ipc-fd", str(child.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(spec.env),
                cwd=spec.cwd,
                pass_fds=(child.fileno(),),
                start_new_session=True,
            )
        except OSError as exc:
            parent.close()
            raise HandlerLoadError(f"cannot start worker: argv0={spec.argv[0]} target={spec.label}: {exc}") from exc
        finally:
            child.close()
        self.sock = parent
        self._buf = bytearray()
        self.stderr_tail: collections.deque[bytes] = collections.deque()
        self._stderr_len = 0
        self._tail_lock = threading.Lock()
        self._drains = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, False), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, True), daemon=True),
        ]
        for t in self._drains:
            t.start()
        self.dead = False
        self.load_reply: dict[str, Any] | None = None
        self.polled = False  # set when a read waited at least one poll slice
        pid = self.proc.pid
        # Node and Python fork from their main thread, whose tid is the pid: watching that one file
        # catches every child process a case leaves behind for about 1 µs a case.
        self._children_fd = _open_proc(f"/proc/{pid}/task/{pid}/children")
        self._statm_fd = _open_proc(f"/proc/{pid}/statm") if spec.memory_limit_mb else None
        self._stat_fd = _open_proc(f"/proc/{pid}/stat")
        _live.add(self)

    def _drain(self, stream, keep: bool) -> None:
        # Handlers may write megabytes; reading without parsing keeps their pipe from filling up.
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            if keep:
                with self._tail_lock:
                    self.stderr_tail.append(chunk)
                    self._stderr_len += len(chunk)
                    while self._stderr_len - len(self.stderr_tail[0]) >= _STDERR_TAIL_BYTES:
                        self._stderr_len -= len(self.stderr_tail.popleft())
        stream.close()

    def stderr_text(self) -> str:
        with self._tail_lock:
            data = b"".join(self.stderr_tail)[-_STDERR_TAIL_BYTES:]
        return data.decode("utf-8", "replace")

    def send(self, msg: Mapping[str, Any] | bytes, deadline: float) -> None:
        data = (msg if isinstance(msg, bytes) else orjson.dumps(msg)) + b"\n"
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            self.sock.sendall(data)
        except TimeoutError as exc:
            raise WorkerTimedOut from exc
        except OSError as exc:
            raise WorkerDied from exc

    def read(self, deadline: float) -> dict[str, Any]:
        """The next message from the worker; raises WorkerTimedOut / WorkerDied."""
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return parse_message(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimedOut
            self.sock.settimeout(min(remaining, _POLL_SLICE_S))
            try:
                chunk = self.sock.recv(1 << 16)
            except TimeoutError:
                self.polled = True
                # A grandchild may hold the socket open after the worker died: check the process.
                if self.proc.poll() is not None:
                    raise WorkerDied from None
                self.check_memory()
                continue
            except OSError as exc:
                raise WorkerDied from exc
            if not chunk:
                raise WorkerDied
            self._buf += chunk

    def exiting(self) -> bool:
        """True once the main thread is gone (zombie), even while other threads still exit and
        waitpid() cannot reap the process yet: such a worker must not be handed the next case."""
        stat = _read_proc(self._stat_fd)
        return not stat or stat.rsplit(b") ", 1)[-1][:1] in (b"Z", b"X")

    def rss_mb(self) -> int | None:
        """Resident memory of the worker process (VmRSS, from /proc/<pid>/statm), or None."""
        fields = _read_proc(self._statm_fd).split()
        return int(fields[1]) * _PAGE_BYTES // (1 << 20) if len(fields) > 1 else None

    def check_memory(self) -> None:
        """Raise WorkerOutOfMemory when the worker's resident memory is past its cap."""
        limit = self.spec.memory_limit_mb
        if limit is None:
            return
        rss = self.rss_mb()
        if rss is not None and rss > limit:
            raise WorkerOutOfMemory(rss, limit)

    def kill_children(self) -> list[int]:
        """Kill every process below the worker, if it has any; returns the pids killed."""
        if not _read_proc(self._children_fd):
            return []
        return _kill_tree_below(self.proc.pid)

    def exit_status(self) -> tuple[int | None, str | None]:
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = self.proc.returncode
        if rc is None:
            return None, None
        if rc < 0:
            try:
                return None, signal.Signals(-rc).name
            except ValueError:
                return None, str(-rc)
        return rc, None

    def kill(self) -> None:
        """Kill the worker, its process group and any descendant; idempotent."""
        if self.dead:
            return
        self.dead = True
        pid = self.proc.pid
        victims = _descendants(pid) if self.proc.poll() is None else []
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for v in victims:
            try:
                os.kill(v, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not get ignored
            pass
        self.sock.close()
        for fd in (self._children_fd, self._statm_fd, self._stat_fd):
            if fd is not None:
                os.close(fd)
        self._children_fd = self._statm_fd = self._stat_fd = None
        for t in self._drains:
            t.join(timeout=1)


def start_worker(spec: WorkerSpec) -> Worker:
    """Start a worker and load the handler in it; raises HandlerLoadError when that fails."""
    worker = Worker(spec)
    deadline = time.monotonic() + spec.load_timeout_s
    try:
        worker.send(spec.load_message, deadline)
        reply = worker.read(deadline)
        worker.check_memory()
    except ProtocolError as exc:
        worker.kill()
        raise HandlerLoadError(
            f"the lambda's top-level code wrote to the runner's private socket (protocol violation): "
            f"target={spec.label}: {exc}"
        ) from None
    except WorkerOutOfMemory as exc:
        worker.kill()
        raise HandlerLoadError(f"out of memory while loading: target={spec.label}: {exc}") from None
    except WorkerTimedOut:
        worker.kill()
        raise HandlerLoadError(
            f"loading took longer than {spec.load_timeout_s:.0f} s: target={spec.label}; "
            "does the file's top-level code loop or wait?"
        ) from None
    except WorkerDied:
        code, sig = worker.exit_status()
        worker.kill()
        tail = worker.stderr_text().strip().splitlines()[-3:]
        raise HandlerLoadError(
            f"the worker exited while loading: target={spec.label} exit_code={code} signal={sig}"
            + (f": {' | '.join(tail)}" if tail else "")
        ) from None
    if reply.get("op") != "loaded":
        worker.kill()
    worker.load_reply = reply
    return worker


class WorkerPool:
    """Up to ``size`` workers; ``acquire`` blocks while all are busy. Thread-safe."""

    def __init__(self, spec: WorkerSpec, size: int, first: Worker) -> None:
        self.spec = spec
        self.size = size
        self._cond = threading.Condition()
        self._idle: list[Worker] = [first]
        self._all: set[Worker] = {first}
        self._count = 1
        self._closed = False

    def acquire(self) -> Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise WorkerDied("pool closed")
                while self._idle:
                    worker = self._idle.pop()
                    # Something the previous case left behind (a timer calling process.exit) may
                    # have ended it between cases: that must not cost the next case.
                    if worker.proc.poll() is None and not worker.exiting():
                        return worker
                    self._forget(worker)
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            worker = start_worker(self.spec)
            if worker.load_reply.get("op") != "loaded":
                raise HandlerLoadError(f"the handler no longer loads: target={self.spec.label}: {worker.load_reply}")
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._all.add(worker)
            if self._closed:
                worker.kill()
                raise WorkerDied("pool closed")
        return worker

    def release(self, worker: Worker) -> None:
        with self._cond:
            if worker.dead or self._closed:
                self._forget(worker)
            else:
                self._idle.append(worker)
            self._cond.notify()

    def discard(self, worker: Worker) -> None:
        worker.kill()
        with self._cond:
            self._forget(worker)
            self._cond.notify()

    def _forget(self, worker: Worker) -> None:
        worker.kill()
        if worker in self._all:
            self._all.discard(worker)
            self._count -= 1

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._count = 0
            self._cond.notify_all()
        for w in workers:
            w.kill()


def _fault_from_reply(reply: Mapping[str, Any]) -> FaultKind | None:
    name = reply.get("fault")
    return FaultKind(name) if name else None


class ProcessHandler:
    """Shared ``invoke``/``close`` for adapters that run the handler in pooled worker processes."""

    kind: str
    runtime: str | None
    target: str
    source_path: Path | None

    def __init__(self, spec: WorkerSpec, *, workers: int, timeout_ms: int) -> None:
        if spec.memory_limit_mb is not None and spec.memory_limit_mb < 1:
            raise HandlerLoadError(f"memory limit must be positive: memory_limit_mb={spec.memory_limit_mb}")
        if workers < 1:
            raise HandlerLoadError(f"workers must be at least 1: workers={workers}")
        if timeout_ms <= 0:
            raise HandlerLoadError(f"timeout must be positive: timeout_ms={timeout_ms}")
        self.timeout_ms = timeout_ms
        first = start_worker(spec)
        reply = first.load_reply or {}
        if reply.get("op") != "loaded":
            raise self._load_error(reply)
        self.load_info: Mapping[str, Any] = reply
        self._pool = WorkerPool(spec, workers, first)
        self._closed = False

    def _load_error_message(self, reply: Mapping[str, Any]) -> str:  # pragma: no cover - overridden
        return f"cannot load target={self.target}: {reply}"

    def _load_error(self, reply: Mapping[str, Any]) -> HandlerLoadError:
        """The exception for a worker's ``load-error`` reply (adapters may raise a subclass)."""
        return HandlerLoadError(self._load_error_message(reply))

    def _error_line(self, stack: str) -> int | None:  # pragma: no cover - overridden
        """The handler's own line nearest the error in ``stack``, or None."""
        return None

    @property
    def load_fault(self) -> Mapping[str, Any] | None:
        """``{name, message, line}`` of the error the handler's top-level code threw while loading.

        None when it loaded cleanly. Such a handler still loads (the platform deploys it), and every
        invocation fails with that error, its Outcome marked ``details["phase"] == "load"``.
        """
        error = self.load_info.get("loadFault")
        if not error:
            return None
        return {
            "name": error.get("name"),
            "message": error.get("message"),
            "line": self._error_line(str(error.get("stack") or "")),
        }

    def invoke(self, event_id: str, input: Mapping[str, Any], *, timeout_ms: int | None = None) -> Outcome:
        """Run one invocation in a free worker; see ``Handler.invoke``."""
        limit_ms = self.timeout_ms if timeout_ms is None else timeout_ms
        msg = {"op": "invoke", "id": next(_ids), "event": event_id, "input": input}
        payload = orjson.dumps(msg)  # fail fast on inputs JSON cannot carry, before taking a worker
        try:
            worker = self._pool.acquire()
        except (HandlerLoadError, WorkerDied) as exc:
            return Outcome(
                fault=FaultKind.CRASH,
                error_message=f"no worker could be started: target={self.target}: {exc}",
                details={"exit_code": None, "signal": None},
            )
        logs: list[LogEntry] = []
        started = time.monotonic()
        deadline = started + limit_ms / 1000
        worker.polled = False
        try:
            worker.send(payload, deadline)
            while True:
                reply = worker.read(deadline)
                op = reply.get("op")
                if op == "log":
                    logs.append(LogEntry(reply["level"], reply["text"]))
                elif op == "result" and reply.get("id") == msg["id"]:
                    break
            if worker.polled:
                # A hoard allocated between two polls is still resident when the result comes.
                worker.check_memory()
        except ProtocolError as exc:
            self._pool.discard(worker)
            return Outcome(
                fault=FaultKind.CRASH,
                error_message=(
                    f"the lambda wrote to the runner's private socket (protocol violation): {exc}; "
                    "the worker was killed and will be replaced"
                ),
                logs=tuple(logs),
                duration_ms=(time.monotonic() - started) * 1000,
                details={"exit_code": None, "signal": None, "protocol_error": str(exc)},
            )
        except WorkerOutOfMemory as exc:
            self._pool.discard(worker)
            return Outcome(
                fault=FaultKind.CRASH,
                error_message=(
                    f"out of memory: rss_mb={exc.rss_mb} > limit_mb={exc.limit_mb} "
                    "(resident memory, Buffers and other memory outside the JavaScript heap included); "
                    "the worker was killed and will be replaced"
                ),
                logs=tuple(logs),
                duration_ms=(time.monotonic() - started) * 1000,
                details={"exit_code": None, "signal": None, "rss_mb": exc.rss_mb, "limit_mb": exc.limit_mb},
            )
        except WorkerTimedOut:
            self._pool.discard(worker)
            return Outcome(
                fault=FaultKind.TIMEOUT,
                error_code=PLATFORM_ERROR_CODES[FaultKind.TIMEOUT],
                error_message=(
                    f"Lambda Execution is taking too long: no result within timeout_ms={limit_ms}; "
                    "the worker was killed and will be replaced"
                ),
                logs=tuple(logs),
                duration_ms=(time.monotonic() - started) * 1000,
                details={"timeout_ms": limit_ms},
            )
        except WorkerDied:
            code, sig = worker.exit_status()
            stderr = worker.stderr_text()
            self._pool.discard(worker)
            return Outcome(
                fault=FaultKind.CRASH,
                error_message=_crash_message(code, sig, stderr),
                logs=tuple(logs),
                duration_ms=(time.monotonic() - started) * 1000,
                details={"exit_code": code, "signal": sig, "stderr_tail": stderr[-2000:]},
            )
        # Nothing the case started may run on into the next one (timers are the runner's business).
        worker.kill_children()
        self._pool.release(worker)
        return _outcome(reply, logs, (time.monotonic() - started) * 1000, limit_ms=limit_ms, line_of=self._error_line)

    def close(self) -> None:
        """Kill every worker (and anything they started); idempotent."""
        if not self._closed:
            self._closed = True
            self._pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten close() must not leave processes behind
        pool = getattr(self, "_pool", None)
        if pool is not None and not getattr(self, "_closed", True):
            pool.close()


def _crash_message(code: int | None, sig: str | None, stderr: str) -> str:
    how = f"exit_code={code}" if sig is None else f"signal={sig}"
    msg = f"the worker process died during the invocation ({how})"
    if "heap out of memory" in stderr or "Reached heap limit" in stderr:
        msg += ": out of memory (heap limit 256 MB, as on the platform)"
    return msg


def _outcome(
    reply: Mapping[str, Any],
    logs: list[LogEntry],
    wall_ms: float,
    *,
    limit_ms: int | None = None,
    line_of: Callable[[str], int | None] | None = None,
) -> Outcome:
    results = int(reply.get("results", 0))
    log_calls = int(reply.get("logCalls", len(logs)))
    log_chars = int(reply.get("logChars", sum(len(e.text) for e in logs)))
    fault = _fault_from_reply(reply)
    error = reply.get("error") or {}
    error_message = None
    if error:
        name = error.get("name")
        error_message = f"{name}: {error.get('message')}" if name else str(error.get("message"))
    details: dict[str, Any] = {"log_calls": log_calls, "log_chars": log_chars}
    if error.get("stack"):
        details["stack"] = error["stack"]
    if fault is not None:
        details["first_fault"] = fault.value
    if reply.get("phase") == "load":
        # The top-level code threw while loading; every invocation fails with that error.
        details["phase"] = "load"
        details["line"] = line_of(str(error.get("stack") or "")) if line_of else None
        error_message = f"{error_message} (thrown by the top-level code while loading, so every invocation fails)"
    if reply.get("neverCalled") and fault is FaultKind.TIMEOUT:
        # Nothing was left that could ever answer: the platform would wait out its limit, then fail.
        details["timeout_ms"] = limit_ms
        details["never_called"] = True
        error_message = (
            f"Lambda Execution is taking too long: {error_message} "
            f"(the platform fails it after timeout_ms={limit_ms}; reported at once here)"
        )
    # Precedence: the platform fails the whole invocation on the log limit, whatever else happened.
    if log_calls > MAX_LOG_CALLS or log_chars > MAX_LOG_CHARS:
        fault = FaultKind.LOG_LIMIT
        error_message = (
            f"log limit reached: log_calls={log_calls} (max {MAX_LOG_CALLS}) "
            f"log_chars={log_chars} (max {MAX_LOG_CHARS})"
        )
    elif results > 1:
        first = f" (the first one was an error: {error_message})" if error_message else ""
        fault = FaultKind.MULTIPLE_RESULTS
        error_message = f"the handler produced results={results}; only the first counts{first}"
    return Outcome(
        result=reply.get("result"),
        has_result=bool(reply.get("hasResult", False)),
        fault=fault,
        error_code=PLATFORM_ERROR_CODES.get(fault) if fault else None,
        error_message=error_message,
        logs=tuple(logs),
        duration_ms=float(reply.get("durationMs", wall_ms)),
        details=details,
    )

