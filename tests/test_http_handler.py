from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lpf_contract.contracts import load_registry
from lpf_contract.core.errors import UsageError
from lpf_contract.handlers import Handler, load_handler
from lpf_contract.core.outcome import PLATFORM_ERROR_CODES, FaultKind
from lpf_contract.handlers.http import EXTENSION_ERROR_CODES, V1_ERROR_CODES, V2_ERROR_CODES, HttpHandler, error_code, fault_for_code, parse_header

EVENT = "surveybot_messaging_survey_ended"


@pytest.fixture(scope="module")
def payload():
    return load_registry().examples(EVENT)[0].payload


@pytest.fixture(scope="module")
def gateway():
    """A canned gateway: answers the response fixture named by the X-Fixture header, records requests."""
    folder = Path(__file__).parent / "fixtures" / "http" / "responses"
    seen: list[dict] = []

    class Canned(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            name = self.headers.get("X-Fixture", "ok-commands")
            if name == "sleep":
                time.sleep(2)
                return
            spec = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            data = spec["raw"].encode() if "raw" in spec else json.dumps(spec["body"]).encode()
            self.send_response(spec["status"])
            self.send_header("Content-Type", "application/json")
            for header, value in spec.get("headers", {}).items():
                self.send_header(header, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _invoke(gateway, payload, fixture, **kwargs):
    url, _ = gateway
    with HttpHandler(url, headers=[f"X-Fixture: {fixture}"], **kwargs) as h:
        return h.invoke(EVENT, {"headers": [], "payload": payload})


def test_is_a_handler_of_kind_http(gateway):
    with HttpHandler(gateway[0]) as h:
        assert isinstance(h, Handler)
        assert (h.kind, h.runtime, h.source_path, h.target) == ("http", None, None, gateway[0])


def test_load_handler_dispatches_urls_here(gateway):
    h = load_handler(gateway[0], headers=["Authorization: Bearer t"])
    try:
        assert isinstance(h, HttpHandler)
    finally:
        h.close()


def test_posts_the_invocation_api_with_headers_and_account(gateway, payload):
    url, seen = gateway
    with HttpHandler(url, headers=["Authorization: Bearer abc", "X-Fixture: ok-commands"]) as h:
        out = h.invoke(EVENT, {"headers": [{"key": "k", "value": "v"}], "payload": payload, "timestamp": 42})
    req = seen[-1]
    assert req["path"] == f"/api/account/{payload['accountId']}/events/{EVENT}/invoke?v=1"
    assert req["headers"]["Authorization"] == "Bearer abc"
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["body"] == {"timestamp": 42, "headers": [{"key": "k", "value": "v"}], "payload": payload}
    assert out.ok and out.has_result
    assert out.result == [{"type": "systemMessage", "text": "Thanks"}]
    assert out.details["status"] == 200 and out.details["uuid"] == "7de95c31-0829-5905-a6f1-a00c2fca524e"


def test_adds_a_timestamp_when_the_input_has_none(gateway, payload):
    _invoke(gateway, payload, "ok-commands")
    ts = gateway[1][-1]["body"]["timestamp"]
    assert isinstance(ts, int) and abs(ts - time.time() * 1000) < 60_000


def test_base_url_path_prefix_is_kept(gateway, payload):
    url, seen = gateway
    with HttpHandler(url + "/gw/", headers=["X-Fixture: ok-commands"]) as h:
        h.invoke(EVENT, {"headers": [], "payload": payload})
    assert seen[-1]["path"].startswith(f"/gw/api/account/{payload['accountId']}/")


def test_null_result_and_no_result_differ(gateway, payload):
    null = _invoke(gateway, payload, "ok-null-result")
    assert null.ok and null.has_result and null.result is None
    none = _invoke(gateway, payload, "no-result")
    assert none.ok and not none.has_result


@pytest.mark.parametrize(
    ("fixture", "fault"),
    [
        ("v1-custom-failure", FaultKind.CUSTOM_FAILURE),
        ("v1-runtime-exception", FaultKind.RUNTIME_EXCEPTION),
        ("v1-timeout", FaultKind.TIMEOUT),
        ("v1-log-limit", FaultKind.LOG_LIMIT),
        ("v2-threw-error", FaultKind.CUSTOM_FAILURE),
        ("v2-js-runtime-error", FaultKind.RUNTIME_EXCEPTION),
        ("v2-execution-exceeded", FaultKind.TIMEOUT),
        ("ext-crash", FaultKind.CRASH),
    ],
)
def test_901_bodies_map_to_fault_kinds(gateway, payload, fixture, fault):
    out = _invoke(gateway, payload, fixture)
    assert out.fault == fault
    assert not out.has_result
    assert out.error_code and out.error_message
    assert out.details["status"] == 901


def test_error_logs_come_back_as_log_entries(gateway, payload):
    out = _invoke(gateway, payload, "v1-custom-failure")
    assert [(e.level, e.text) for e in out.logs] == [("log", "about to fail")]


def test_multiple_results_keeps_the_first_result(gateway, payload):
    out = _invoke(gateway, payload, "ext-multiple-results")
    assert out.fault == FaultKind.MULTIPLE_RESULTS and out.has_result and out.result == "ok"


def test_serves_multiple_results_warning_is_read_back(gateway, payload):
    # `lpf-contract serve` answers 200 with the first result and a Warning header (openapi.py).
    out = _invoke(gateway, payload, "ok-multiple-results-warning")
    assert out.fault == FaultKind.MULTIPLE_RESULTS and (out.has_result, out.result) == (True, "first")
    assert "the first result counts" in out.error_message
    other = _invoke(gateway, payload, "ok-other-warning")  # someone else's warning is no finding
    assert other.fault is None and other.result == "ok"


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("901-unknown-code", "com.liveperson.faas.handler.something-new"),
        ("badinput", "com.liveperson.faas.es.badinput"),
        ("unauthorized", "com.liveperson.faas.es.general"),
        ("empty-array", None),
        ("object-not-array", None),
        ("not-json", None),
    ],
)
def test_unexpected_answers_are_bad_responses(gateway, payload, fixture, code):
    out = _invoke(gateway, payload, fixture)
    assert out.fault == FaultKind.BAD_RESPONSE
    assert out.error_code == code
    assert "status=" in out.error_message


def test_no_answer_in_time_is_a_timeout(gateway, payload):
    started = time.perf_counter()
    out = _invoke(gateway, payload, "sleep", timeout_ms=100)
    assert out.fault == FaultKind.TIMEOUT
    assert "timeout_ms=100" in out.error_message
    assert time.perf_counter() - started < 1.5  # the 2 s sleep was not waited out


def test_per_call_timeout_overrides_the_default(gateway, payload):
    url, _ = gateway
    with HttpHandler(url, headers=["X-Fixture: sleep"], timeout_ms=60000) as h:
        out = h.invoke(EVENT, {"headers": [], "payload": payload}, timeout_ms=100)
    assert out.fault == FaultKind.TIMEOUT


def test_nobody_listening_is_a_connection_error(payload):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with HttpHandler(f"http://127.0.0.1:{port}") as h:
        out = h.invoke(EVENT, {"headers": [], "payload": payload})
    assert out.fault == FaultKind.CONNECTION_ERROR
    assert f"127.0.0.1:{port}" in out.error_message


def test_parallel_invocations_from_many_threads(gateway, payload):
    url, _ = gateway
    with HttpHandler(url, headers=["X-Fixture: ok-commands"]) as h:
        with ThreadPoolExecutor(8) as pool:
            outs = list(pool.map(lambda _: h.invoke(EVENT, {"headers": [], "payload": payload}), range(40)))
    assert all(o.ok and o.has_result for o in outs)


def test_closed_handler_answers_connection_error(gateway, payload):
    h = HttpHandler(gateway[0], headers=["X-Fixture: ok-commands"])
    assert h.invoke(EVENT, {"headers": [], "payload": payload}).ok
    h.close()
    assert h.invoke(EVENT, {"headers": [], "payload": payload}).fault == FaultKind.CONNECTION_ERROR


@pytest.mark.parametrize("bad", ["Authorization Bearer x", ": value", "Bad Name: v", "X: a\nb"])
def test_bad_header_syntax_is_a_usage_error(bad):
    with pytest.raises(UsageError, match="Name: value"):
        HttpHandler("http://127.0.0.1:1", headers=[bad])


def test_header_parsing():
    assert parse_header("Authorization: Bearer a:b") == ("Authorization", "Bearer a:b")
    assert parse_header("X-Empty:") == ("X-Empty", "")


@pytest.mark.parametrize("url", ["ftp://host", "localhost:8080", "http://"])
def test_bad_url_is_a_usage_error(url):
    with pytest.raises(UsageError, match="gateway url"):
        HttpHandler(url)


def test_error_code_tables_round_trip():
    for table in (V1_ERROR_CODES, V2_ERROR_CODES):
        for kind, code in table.items():
            assert fault_for_code(code) == kind
    assert {k: V1_ERROR_CODES[k] for k in PLATFORM_ERROR_CODES} == PLATFORM_ERROR_CODES
    assert all(code.startswith("lpf-contract.") for code in EXTENSION_ERROR_CODES.values())
    assert error_code(FaultKind.TIMEOUT, error_format="v2") == "com.customer.faas.function.execution-exceeded"
    with pytest.raises(ValueError):
        error_code(FaultKind.CONNECTION_ERROR)
    assert fault_for_code("com.liveperson.faas.es.badinput") is None


def test_timeouts_carry_the_limit_like_worker_timeouts(gateway, payload):
    assert _invoke(gateway, payload, "sleep", timeout_ms=100).details["timeout_ms"] == 100
    assert _invoke(gateway, payload, "v1-timeout", timeout_ms=250).details["timeout_ms"] == 250
