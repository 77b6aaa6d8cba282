"""The worker protocol: newline-delimited JSON messages between a handler adapter and its worker
process (the Node runner, the Python worker), and how a worker's reply becomes an Outcome.

Anything on the socket that is not a well-formed protocol message is the lambda's doing (the socket
is reachable from its code) and ends the worker (ProtocolError).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ...core import platform
from ...core.outcome import PLATFORM_ERROR_CODES, CallAnswer, ExternalCall, FaultKind, LogEntry, Outcome

_SNIPPET_CHARS = 120


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
    # One external call, streamed as it is recorded (invocation.js), so a killed invocation keeps it.
    "call": {"id": (int,), "call": (dict,)},
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
        "calls": (list,),
        "recorded": (list,),
    },
    "loaded": {"runtime": _OPTIONAL_STR, "loadFault": _OPTIONAL_DICT},
    "load-error": {"reason": _OPTIONAL_STR, "error": _OPTIONAL_DICT, "topLevelError": _OPTIONAL_DICT},
}
_REQUIRED = {"log": ("level", "text"), "call": ("id", "call"), "result": ("id",)}
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
    if op == "result" and "calls" in msg:
        msg["calls"] = calls_from_reply(msg["calls"])  # checked here, where a violation kills the worker
    if op == "call":
        msg["call"] = calls_from_reply([msg["call"]])[0]
    return msg


def fault_from_reply(reply: Mapping[str, Any]) -> FaultKind | None:
    name = reply.get("fault")
    return FaultKind(name) if name else None


def crash_message(code: int | None, sig: str | None, stderr: str) -> str:
    how = f"exit_code={code}" if sig is None else f"signal={sig}"
    msg = f"the worker process died during the invocation ({how})"
    if "heap out of memory" in stderr or "Reached heap limit" in stderr:
        msg += f": out of memory (heap limit {platform.MEMORY_MB} MB, as on the platform)"
    return msg


def calls_from_reply(raw: Any) -> tuple[ExternalCall, ...]:
    """The ``calls`` of a result message as ExternalCalls; a malformed entry is a protocol violation."""
    calls = []
    for entry in raw:
        try:
            status = entry.get("status")
            calls.append(
                ExternalCall(
                    kind=str(entry["kind"]),
                    via=str(entry["via"]),
                    method=str(entry["method"]),
                    target=str(entry["target"]),
                    answer=CallAnswer(entry["answer"]),
                    status=int(status) if status is not None else None,
                    error=None if entry.get("error") is None else str(entry["error"]),
                    fixture=None if entry.get("fixture") is None else str(entry["fixture"]),
                    suggestion=entry.get("suggestion") if isinstance(entry.get("suggestion"), dict) else None,
                    fault=None if entry.get("fault") is None else str(entry["fault"]),
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise ProtocolError(f"a malformed call: call={str(entry)[:200]!r}") from None
    return tuple(calls)


def outcome_from_reply(
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
    fault = fault_from_reply(reply)
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
    log_limit = platform.log_limit_exceeded(log_calls, log_chars)
    if log_limit is not None:
        fault = FaultKind.LOG_LIMIT
        error_message = log_limit
    elif results > 1:
        first = f" (the first one was an error: {error_message})" if error_message else ""
        fault = FaultKind.MULTIPLE_RESULTS
        error_message = f"the handler produced results={results}; only the first counts{first}"
    if reply.get("recorded"):
        # --record: the real exchanges of this invocation, for the fixtures file (handlers/fixtures).
        details["recorded"] = reply["recorded"]
    return Outcome(
        calls=tuple(reply.get("calls") or ()),
        result=reply.get("result"),
        has_result=bool(reply.get("hasResult", False)),
        fault=fault,
        error_code=PLATFORM_ERROR_CODES.get(fault) if fault else None,
        error_message=error_message,
        logs=tuple(logs),
        duration_ms=float(reply.get("durationMs", wall_ms)),
        details=details,
    )
