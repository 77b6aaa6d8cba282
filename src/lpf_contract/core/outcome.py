"""What one invocation produced, whatever ran it: the one result type every layer above shares."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping


class FaultKind(enum.StrEnum):
    """Why an invocation did not end with exactly one JSON result."""

    CUSTOM_FAILURE = "custom-failure"  # callback(new Error), rejected promise, thrown non-runtime error
    RUNTIME_EXCEPTION = "runtime-exception"  # TypeError / ReferenceError / SyntaxError
    TIMEOUT = "timeout"
    CRASH = "crash"  # the worker process died (exit, signal, out of memory)
    MULTIPLE_RESULTS = "multiple-results"  # a second callback; the first result still counts
    NOT_SERIALIZABLE = "not-serializable"
    LOG_LIMIT = "log-limit"
    CONNECTION_ERROR = "connection-error"  # HTTP targets: could not reach the gateway
    BAD_RESPONSE = "bad-response"  # HTTP targets: an answer that is not the invocation API's


# The platform's error codes (../shared/platform-facts.md, "Errors").
PLATFORM_ERROR_CODES: dict[FaultKind, str] = {
    FaultKind.CUSTOM_FAILURE: "com.liveperson.faas.handler.custom-failure",
    FaultKind.RUNTIME_EXCEPTION: "com.liveperson.faas.handler.runtime-exception",
    FaultKind.TIMEOUT: "com.liveperson.faas.handler.executiontime-exceeded",
    FaultKind.LOG_LIMIT: "com.liveperson.faas.handler.log-limit-reached",
}


@dataclass(frozen=True, slots=True)
class LogEntry:
    level: str  # the console method: log, info, warn, error, debug
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one invocation produced.

    ``has_result`` tells a JSON ``null`` result apart from no result at all.
    ``fault`` is None when the handler produced exactly one serializable result within the limits.
    """

    result: Any = None
    has_result: bool = False
    fault: FaultKind | None = None
    error_code: str | None = None
    error_message: str | None = None
    logs: tuple[LogEntry, ...] = ()
    duration_ms: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict)  # exit_code, signal, http status, ...

    @property
    def ok(self) -> bool:
        return self.fault is None
