"""Invoke a lambda through an invocation gateway over HTTP (the platform's, or ``lpf-contract serve``).

The wire format is the platform's invocation API (platform-facts.md, "The invocation API"); the error
codes below are the one table both this client and ``lpf-contract serve`` use to map faults to codes.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ..core import platform
from ..core.errors import UsageError
from ..core.outcome import PLATFORM_ERROR_CODES, FaultKind, LogEntry, Outcome

# Faults the platform has no documented code for, which lpf-contract's emulation still tells apart.
# These are lpf-contract extensions: a real gateway never sends them.
EXTENSION_ERROR_CODES: dict[FaultKind, str] = {
    FaultKind.CRASH: "lpf-contract.handler.crash",
    FaultKind.MULTIPLE_RESULTS: "lpf-contract.handler.multiple-results",
    FaultKind.NOT_SERIALIZABLE: "lpf-contract.handler.not-serializable",
}

# V1 bodies {errorCode, errorMsg}: the platform's codes (core.outcome.PLATFORM_ERROR_CODES) plus the extensions.
V1_ERROR_CODES: dict[FaultKind, str] = {**PLATFORM_ERROR_CODES, **EXTENSION_ERROR_CODES}

# V2 bodies {code, message}: the platform's V2 codes (core/platform.json, with sources) plus the extensions.
V2_ERROR_CODES: dict[FaultKind, str] = {
    **{FaultKind(kind): code for kind, code in platform.error_codes("v2").items()},
    **EXTENSION_ERROR_CODES,
}

FAULT_BY_CODE: dict[str, FaultKind] = {code: kind for table in (V1_ERROR_CODES, V2_ERROR_CODES) for kind, code in table.items()}

# The platform's "error during lambda execution" status (core/platform.json).
HANDLER_ERROR_STATUS = platform.HANDLER_ERROR_STATUS

# The gateway enforces its own time limit and answers 901 executiontime-exceeded; the socket waits a
# little longer (the limit again, at most 5 s) so that answer, not a socket timeout, is what we see.
_MAX_GRACE_MS = 5000


def _socket_timeout_s(limit_ms: int) -> float:
    return (limit_ms + min(limit_ms, _MAX_GRACE_MS)) / 1000.0


def error_code(fault: FaultKind, *, error_format: str = "v1") -> str:
    """The code a gateway sends for ``fault`` in a V1 or V2 error body."""
    table = V2_ERROR_CODES if error_format == "v2" else V1_ERROR_CODES
    try:
        return table[fault]
    except KeyError:
        raise ValueError(f"fault={fault} has no gateway error code (it is a client-side fault)") from None


def fault_for_code(code: Any) -> FaultKind | None:
    """The fault a V1/V2 error code stands for, None for codes that are not handler faults."""
    return FAULT_BY_CODE.get(code) if isinstance(code, str) else None


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> (name, value); raises UsageError on anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(c in name for c in " \t\r\n") or any(c in value for c in "\r\n"):
        raise UsageError(f"bad --header={text!r}: expected 'Name: value', e.g. --header 'Authorization: Bearer TOKEN'")
    return name, value.strip()


class HttpHandler:
    """A Handler that POSTs each invocation to ``{base_url}/api/account/{accountId}/events/{eventId}/invoke``.

    ``headers`` are ``'Name: value'`` strings sent with every request (e.g. authorization). Thread-safe:
    each thread keeps its own keep-alive connection.
    """

    kind = "http"
    runtime: str | None = None
    source_path: Path | None = None

    def __init__(self, base_url: str, *, timeout_ms: int = platform.DEFAULT_TIME_LIMIT_MS, headers: Sequence[str] = ()):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"bad gateway url={base_url!r}: expected http://HOST[:PORT][/PREFIX] or https://...")
        if timeout_ms <= 0:
            raise UsageError(f"bad timeout_ms={timeout_ms}: must be a positive number of milliseconds")
        self.target = base_url
        self.timeout_ms = timeout_ms
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        for h in headers:
            name, value = parse_header(h)
            self._headers[name] = value
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[http.client.HTTPConnection] = []
        self._closed = False

    # -- connections -----------------------------------------------------------------------------
    def _connection(self, timeout_s: float) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=timeout_s)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        conn.timeout = timeout_s
        if conn.sock is not None:
            conn.sock.settimeout(timeout_s)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._lock:
                if conn in self._connections:
                    self._connections.remove(conn)

    def close(self) -> None:
        with self._lock:
            conns, self._connections = self._connections, []
            self._closed = True
        for conn in conns:
            conn.close()

    def __enter__(self) -> HttpHandler:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- invoke ------------------------------------------------------------------------------------
    def url_path(self, event_id: str, account_id: str) -> str:
        return f"{self._prefix}/api/account/{quote(account_id, safe='')}/events/{quote(event_id, safe='')}/invoke?v=1"

    def invoke(
        self, event_id: str, input: Mapping[str, Any], *, timeout_ms: int | None = None, faults: str | None = None
    ) -> Outcome:
        # ``faults`` is for Node lambdas, whose calls lpf-contract sees; an endpoint's calls it does
        # not see (the verify command refuses --http-faults for http targets).
        import orjson

        limit_ms = timeout_ms if timeout_ms is not None else self.timeout_ms
        payload = input.get("payload")
        account = payload.get("accountId") if isinstance(payload, Mapping) else None
        # Without an accountId the gateway still gets a well-formed URL and answers for the payload itself.
        account_id = str(account) if isinstance(account, (str, int)) and not isinstance(account, bool) else "0"
        body_obj = {
            "timestamp": input.get("timestamp", int(time.time() * 1000)),
            "headers": list(input.get("headers") or []),
            "payload": payload,
        }
        try:
            body = orjson.dumps(body_obj)
        except TypeError as exc:
            raise UsageError(f"invocation input is not JSON-serializable: {exc}") from None
        path = self.url_path(event_id, account_id)
        details: dict[str, Any] = {"url": f"{self._scheme}://{self._host}{':' + str(self._port) if self._port else ''}{path}"}
        started = time.perf_counter()

        def elapsed() -> float:
            return (time.perf_counter() - started) * 1000.0

        if self._closed:
            return Outcome(fault=FaultKind.CONNECTION_ERROR, error_message="handler is closed", duration_ms=0.0, details=details)
        status: int | None = None
        data, warning = b"", None
        for attempt in (1, 2):
            conn = self._connection(_socket_timeout_s(limit_ms))
            try:
                conn.request("POST", path, body=body, headers=self._headers)
                resp = conn.getresponse()
                status, data = resp.status, resp.read()
                warning = resp.getheader("Warning")
                if resp.will_close:
                    self._drop_connection()
                break
            except TimeoutError:
                self._drop_connection()
                details["timeout_ms"] = limit_ms
                return Outcome(
                    fault=FaultKind.TIMEOUT,
                    error_code=None,
                    error_message=f"no answer from the gateway within {_socket_timeout_s(limit_ms):g} s (timeout_ms={limit_ms} plus grace)",
                    duration_ms=elapsed(),
                    details=details,
                )
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # A kept-alive connection the server closed meanwhile: one fresh retry, then it is a fault.
                self._drop_connection()
                if attempt == 2:
                    return _connection_error(exc, details, elapsed())
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                return _connection_error(exc, details, elapsed())
        assert status is not None  # each attempt either answered or returned a connection error
        details["status"] = status
        outcome = _outcome_from_response(status, data, details, elapsed(), warning=warning)
        if outcome.fault == FaultKind.TIMEOUT:
            details["timeout_ms"] = limit_ms  # the limit this call asked for; the gateway enforces its own
        return outcome


def _connection_error(exc: BaseException, details: dict[str, Any], duration_ms: float) -> Outcome:
    return Outcome(
        fault=FaultKind.CONNECTION_ERROR,
        error_message=f"could not reach the gateway at {details['url']}: {type(exc).__name__}: {exc}; is it running?",
        duration_ms=duration_ms,
        details=details,
    )


def _bad(message: str, details: dict[str, Any], duration_ms: float, *, code: str | None = None) -> Outcome:
    return Outcome(fault=FaultKind.BAD_RESPONSE, error_code=code, error_message=message, duration_ms=duration_ms, details=details)


def _logs(raw: Any) -> tuple[LogEntry, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            out.append(LogEntry(str(item.get("level", "log")), str(item.get("message", ""))))
        else:
            out.append(LogEntry("log", str(item)))
    return tuple(out)


# `lpf-contract serve` answers a lambda that called back more than once with a success holding the
# first result and a Warning header (openapi.MULTIPLE_RESULTS_WARNING, decided here): read back, it is
# the multiple-results outcome the handler gave in process.
_MULTIPLE_RESULTS_WARNING = re.compile(r'\b199 lpf-contract "multiple-results: ([^"]*)"')


def _outcome_from_response(
    status: int, data: bytes, details: dict[str, Any], duration_ms: float, *, warning: str | None = None
) -> Outcome:
    import orjson

    try:
        doc = orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        snippet = data[:200].decode("utf-8", "replace")
        return _bad(f"status={status} with a body that is not JSON: {snippet!r}", details, duration_ms)
    if status == 200:
        if not isinstance(doc, list) or len(doc) != 1 or not isinstance(doc[0], Mapping):
            return _bad(
                f"status=200 but the body is not a one-element array [{{uuid, timestamp, result}}]: {_short(doc)}",
                details,
                duration_ms,
            )
        item = doc[0]
        details["uuid"] = item.get("uuid")
        extra: dict[str, Any] = {"result": item["result"], "has_result": True} if "result" in item else {}
        twice = _MULTIPLE_RESULTS_WARNING.search(warning or "")
        if twice:
            return Outcome(
                fault=FaultKind.MULTIPLE_RESULTS,
                error_code=PLATFORM_ERROR_CODES.get(FaultKind.MULTIPLE_RESULTS),
                error_message=f"the gateway answered with a warning: multiple-results: {twice.group(1)}",
                duration_ms=duration_ms,
                details={**details, "warning": warning},
                **extra,
            )
        return Outcome(duration_ms=duration_ms, details=details, **extra)
    code = message = None
    if isinstance(doc, Mapping):
        code = doc.get("errorCode", doc.get("code"))
        message = doc.get("errorMsg", doc.get("message"))
    fault = fault_for_code(code)
    if status == HANDLER_ERROR_STATUS and fault is not None:
        extra = {}
        if isinstance(doc, Mapping) and "result" in doc:
            extra = {"result": doc["result"], "has_result": True}
        return Outcome(
            fault=fault,
            error_code=code,
            error_message=str(message) if message is not None else None,
            logs=_logs(doc.get("errorLogs") if isinstance(doc, Mapping) else None),
            duration_ms=duration_ms,
            details=details,
            **extra,
        )
    what = f"errorCode={code} errorMsg={message!r}" if code is not None else f"body={_short(doc)}"
    return _bad(
        f"unexpected gateway answer status={status} {what}", details, duration_ms, code=code if isinstance(code, str) else None
    )


def _short(doc: Any) -> str:
    text = repr(doc)
    return text if len(text) <= 200 else text[:200] + "..."
