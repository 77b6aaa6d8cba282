"""What one invocation produced, whatever ran it: the one result type every layer above shares."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import platform


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


# The platform's V1 error codes, keyed by the fault they stand for (core/platform.json, with sources).
PLATFORM_ERROR_CODES: dict[FaultKind, str] = {FaultKind(kind): code for kind, code in platform.error_codes("v1").items()}


class CallAnswer(enum.StrEnum):
    """Who answered an external call a lambda made (issue 17)."""

    FIXTURE = "fixture"  # a fixture of the --fixtures file answered (a response, or the fault it names)
    NETWORK = "network"  # really sent to an allow-listed host (no fixtures file given, or --record)
    ALLOW_LIST = "allow-list"  # refused by the emulated platform proxy: the host is not allow-listed
    NO_FIXTURE = "no-fixture"  # nothing could answer it here: the case cannot be judged (exit 2), add a fixture
    INJECTED = "injected"  # failed on purpose by --http-faults (5xx, refused or timeout)
    EMULATED = "emulated"  # answered by lpf-contract's in-memory emulation (secrets, Context Service, pure helpers)


# What --http-faults makes every external call of a case do (issue 17 design): answer 503, be refused, time out.
FAULT_MODES = ("5xx", "refused", "timeout")


def call_name(*, kind: str, via: str, method: str, target: str) -> str:
    """How messages and reports name a call: ``POST https://api.x/send`` (HTTP),
    ``Toolbelt.ConversationUtil().getConversationById`` (a toolbelt client), ``SecretClient.readSecret
    my-key`` (the secret store)."""
    if kind == "http":
        return f"{method} {target}".strip()
    if kind == "secret":
        return f"{via or 'SecretClient'}.{method} {target}".strip()
    return target or f"{via}.{method}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalCall:
    """One call a lambda made to the outside world: HTTP (fetch, http/https, Toolbelt.HTTPClient), a
    LivePerson toolbelt client, or the secret store. Listed in the order they were made."""

    kind: str  # "http", "toolbelt" or "secret"
    via: str  # how the lambda made it: "fetch", "http", "https", "HTTPClient", "Toolbelt.ConversationUtil()", "SecretClient"
    method: str  # the HTTP method, or the client's method name (readSecret, getConversationById, ...)
    target: str  # the URL (secret-looking query values redacted), "Toolbelt.X().method", or the secret's key
    answer: CallAnswer
    status: int | None = None  # the HTTP status the lambda got; None when it got no HTTP answer
    error: str | None = None  # the error the call ended with, if any ("ECONNREFUSED ...", "SecretError: ...")
    fixture: str | None = None  # the fixture that answered: its name, else "http[3]" / "toolbelt[0]"
    suggestion: Mapping[str, Any] | None = None  # answer=no-fixture: the fixture entry to add (a template)
    fault: str | None = None  # answer=injected: the fault injected ("5xx", "refused", "timeout")


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
    calls: tuple[ExternalCall, ...] = ()  # the external calls the lambda made, in order (issue 17)

    @property
    def missing_fixtures(self) -> tuple[ExternalCall, ...]:
        """Calls nothing could answer here: the case says nothing about the lambda (could not check)."""
        return tuple(c for c in self.calls if c.answer is CallAnswer.NO_FIXTURE)

    @property
    def ok(self) -> bool:
        return self.fault is None
