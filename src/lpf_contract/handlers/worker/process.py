"""One persistent out-of-process worker (shared by the Node and Python adapters): starting it, talking to it,
its time limit and memory cap.

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
import os
import signal
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ...core.errors import HandlerLoadError
from .process_tree import descendants, kill_tree_below, open_proc, read_proc
from .protocol import ProtocolError, WorkerDied, WorkerOutOfMemory, WorkerTimedOut, parse_message

_STDERR_TAIL_BYTES = 16 * 1024
# How often a waiting caller checks that the worker is alive and within its memory cap. Only a
# silent worker is polled: a case that answers within one slice costs nothing extra.
_POLL_SLICE_S = 0.1
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_live: weakref.WeakSet[Worker] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    # A handler nobody closed must not outlive us: a busy-looping worker never notices EOF.
    for worker in list(_live):
        worker.kill()


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
        self._children_fd = open_proc(f"/proc/{pid}/task/{pid}/children")
        self._statm_fd = open_proc(f"/proc/{pid}/statm") if spec.memory_limit_mb else None
        self._stat_fd = open_proc(f"/proc/{pid}/stat")
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
        stat = read_proc(self._stat_fd)
        return not stat or stat.rsplit(b") ", 1)[-1][:1] in (b"Z", b"X")

    def rss_mb(self) -> int | None:
        """Resident memory of the worker process (VmRSS, from /proc/<pid>/statm), or None."""
        fields = read_proc(self._statm_fd).split()
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
        if not read_proc(self._children_fd):
            return []
        return kill_tree_below(self.proc.pid)

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
        victims = descendants(pid) if self.proc.poll() is None else []
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
            f"the lambda's top-level code wrote to the runner's private socket (protocol violation): target={spec.label}: {exc}"
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
