"""The worker pool and the adapter base class: up to N workers per handler, one invocation each at a time."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from ...core.errors import HandlerLoadError
from ...core.outcome import PLATFORM_ERROR_CODES, ExternalCall, FaultKind, LogEntry, Outcome
from .process import Worker, WorkerSpec, start_worker
from .protocol import ProtocolError, WorkerDied, WorkerOutOfMemory, WorkerTimedOut, crash_message, outcome_from_reply

_ids = itertools.count(1)  # invocation ids, unique per process


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
            if (worker.load_reply or {}).get("op") != "loaded":
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

    def invoke(
        self, event_id: str, input: Mapping[str, Any], *, timeout_ms: int | None = None, faults: str | None = None
    ) -> Outcome:
        """Run one invocation in a free worker; see ``Handler.invoke``."""
        limit_ms = self.timeout_ms if timeout_ms is None else timeout_ms
        msg: dict[str, Any] = {"op": "invoke", "id": next(_ids), "event": event_id, "input": input}
        if faults is not None:
            msg["faults"] = faults
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
        # Calls streamed as they happen: what a killed invocation reports (a result brings its own).
        calls: list[ExternalCall] = []
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
                elif op == "call" and reply.get("id") == msg["id"]:
                    calls.append(reply["call"])
                elif op == "result" and reply.get("id") == msg["id"]:
                    break
            if worker.polled:
                # A hoard allocated between two polls is still resident when the result comes.
                worker.check_memory()
        except (ProtocolError, WorkerOutOfMemory, WorkerTimedOut, WorkerDied) as exc:
            # The worker is killed: what the invocation logged and called so far is all it reports.
            code, sig = worker.exit_status() if isinstance(exc, WorkerDied) else (None, None)
            stderr = worker.stderr_text() if isinstance(exc, WorkerDied) else ""
            self._pool.discard(worker)
            fault, error_message, details = _killed(exc, limit_ms=limit_ms, code=code, sig=sig, stderr=stderr)
            return Outcome(
                fault=fault,
                error_code=PLATFORM_ERROR_CODES[fault] if fault is FaultKind.TIMEOUT else None,
                error_message=error_message,
                logs=tuple(logs),
                calls=tuple(calls),
                duration_ms=(time.monotonic() - started) * 1000,
                details=details,
            )
        # Nothing the case started may run on into the next one (timers are the runner's business).
        worker.kill_children()
        self._pool.release(worker)
        return outcome_from_reply(reply, logs, (time.monotonic() - started) * 1000, limit_ms=limit_ms, line_of=self._error_line)

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


def _killed(
    exc: Exception, *, limit_ms: int, code: int | None, sig: str | None, stderr: str
) -> tuple[FaultKind, str, dict[str, Any]]:
    """The fault, message and details of an invocation whose worker had to be killed."""
    if isinstance(exc, ProtocolError):
        return (
            FaultKind.CRASH,
            f"the lambda wrote to the runner's private socket (protocol violation): {exc}; "
            "the worker was killed and will be replaced",
            {"exit_code": None, "signal": None, "protocol_error": str(exc)},
        )
    if isinstance(exc, WorkerOutOfMemory):
        return (
            FaultKind.CRASH,
            f"out of memory: rss_mb={exc.rss_mb} > limit_mb={exc.limit_mb} "
            "(resident memory, Buffers and other memory outside the JavaScript heap included); "
            "the worker was killed and will be replaced",
            {"exit_code": None, "signal": None, "rss_mb": exc.rss_mb, "limit_mb": exc.limit_mb},
        )
    if isinstance(exc, WorkerTimedOut):
        return (
            FaultKind.TIMEOUT,
            f"Lambda Execution is taking too long: no result within timeout_ms={limit_ms}; "
            "the worker was killed and will be replaced",
            {"timeout_ms": limit_ms},
        )
    return FaultKind.CRASH, crash_message(code, sig, stderr), {"exit_code": code, "signal": sig, "stderr_tail": stderr[-2000:]}
