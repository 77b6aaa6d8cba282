"""HTTP fixtures, faults and --record for Node lambdas (issue 17; handlers/node/http_fixtures.js).

Every test runs a real lambda (tests/fixtures/lambdas/http/) on the platform's Node (V1 14.19 with
nock 13, V2 22 with nock 15) through NodeHandler's ``fixtures=`` / ``record=`` and ``invoke(faults=)``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from lpf_contract.core.outcome import CallAnswer, FaultKind
from lpf_contract.handlers import load_handler
from tests.conftest import QuietHandler, http_server

LAMBDAS = Path(__file__).parent / "fixtures" / "lambdas" / "http"
EVENT = "surveybot_messaging_survey_started"
MAIL = "https://api.mail.example/v3/send"
ALLOW = ["api.mail.example"]

# (lambda file, how it reaches the API: the call record's `via`)
CLIENTS = [
    ("v1_https.js", "https"),
    ("v1_httpclient.js", "HTTPClient"),
    ("v2_fetch.js", "fetch"),
    ("v2_https.js", "https"),
]


def inp(**payload):
    return {"headers": [], "payload": payload}


def doc(*entries):
    """A normalized fixtures document (what Python sends in the load message)."""
    return {"version": 1, "http": list(entries)}


MAIL_OK = {
    "name": "mail ok",
    "request": {"method": "POST", "url": MAIL, "body": {"to": "a@b.c"}},
    "response": {"status": 200, "headers": {"x-fixture": "yes"}, "body": {"id": 1}},
}


def run(target, payload, *, fixtures=None, allow=ALLOW, faults=None, record=False, env=None, times=1):
    with load_handler(str(LAMBDAS / target), allow_domains=allow, fixtures=fixtures, record=record, env=env or {}) as h:
        outs = [h.invoke(EVENT, inp(**payload), faults=faults) for _ in range(times)]
    for out in outs:
        assert out.ok, out.error_message
    return outs if times > 1 else outs[0]


def network_error(out, via):
    """(code, message) of the network error under what the lambda caught, checking each client's shape:
    fetch's TypeError 'fetch failed' with a cause, request-promise's RequestError (message
    String(cause), cause = error, no code of its own), Node's own Error for http/https."""
    error = out.result["error"]
    if via == "fetch":
        assert (error["name"], error["message"]) == ("TypeError", "fetch failed")
        return error["cause"]["code"], error["cause"]["message"]
    if via == "HTTPClient":
        assert (error["name"], error["code"], error["errorIsCause"]) == ("RequestError", None, True)
        assert error["message"] == f"Error: {error['causeMessage']}"
        return error["causeCode"], error["causeMessage"]
    assert error["name"] == "Error"
    return error["code"], error["message"]


def body_of(out, target):
    """The answer's body as the lambda saw it (HTTPClient parses JSON itself)."""
    body = out.result["body"]
    return body if "httpclient" in target else (json.loads(body) if body else body)


# --- answered by a fixture -----------------------------------------------------------------------


@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_a_fixture_answers_with_its_status_body_and_headers(target, via):
    out = run(target, {"url": MAIL, "method": "POST", "body": {"to": "a@b.c", "subject": "hi"}}, fixtures=doc(MAIL_OK))
    assert out.result["status"] == 200
    assert body_of(out, target) == {"id": 1}
    if "httpclient" not in target:
        assert out.result["xFixture"] == "yes"
        assert out.result["contentType"] == "application/json"  # added for an object body
    (call,) = out.calls
    assert (call.kind, call.via, call.method, call.target) == ("http", via, "POST", MAIL)
    assert (call.answer, call.status, call.fixture) == (CallAnswer.FIXTURE, 200, "mail ok")


def test_the_first_matching_entry_answers_and_unnamed_entries_get_their_index():
    other = {"request": {"url": "https://api.mail.example/other"}, "response": {"status": 201}}
    second = {"request": {"method": "GET", "url": MAIL}, "response": {"status": 202, "body": "text"}}
    third = {"request": {"url": MAIL}, "response": {"status": 203}}
    out = run("v2_fetch.js", {"url": MAIL}, fixtures=doc(other, second, third))
    assert (out.result["status"], out.result["body"]) == (202, "text")
    assert out.calls[0].fixture == "http[1]"


@pytest.mark.parametrize(
    ("sent", "matched"),
    [
        ({"to": "a@b.c", "extra": [1, 2]}, True),  # a superset of the fixture's body matches
        ({"to": "x@y.z"}, False),
        ({"subject": "no to"}, False),
        ("not json", False),
    ],
)
def test_a_body_matcher_is_a_subset_of_the_json_body(sent, matched):
    out = run("v1_https.js", {"url": MAIL, "method": "POST", "body": sent}, fixtures=doc(MAIL_OK))
    assert out.calls[0].answer is (CallAnswer.FIXTURE if matched else CallAnswer.NO_FIXTURE)


def test_nested_objects_match_as_subsets_and_arrays_must_be_equal():
    entry = {"request": {"url": MAIL, "body": {"a": {"b": 1}, "list": [1, 2]}}, "response": {"status": 200}}
    hit = run(
        "v2_fetch.js", {"url": MAIL, "method": "POST", "body": {"a": {"b": 1, "c": 2}, "list": [1, 2]}}, fixtures=doc(entry)
    )
    miss = run("v2_fetch.js", {"url": MAIL, "method": "POST", "body": {"a": {"b": 1}, "list": [1, 2, 3]}}, fixtures=doc(entry))
    assert (hit.calls[0].answer, miss.calls[0].answer) == (CallAnswer.FIXTURE, CallAnswer.NO_FIXTURE)


def test_a_string_body_matches_the_raw_text_exactly():
    entry = {"request": {"url": MAIL, "body": "a=1&b=2"}, "response": {"status": 204}}
    hit = run("v1_https.js", {"url": MAIL, "method": "POST", "body": "a=1&b=2"}, fixtures=doc(entry))
    miss = run("v1_https.js", {"url": MAIL, "method": "POST", "body": "a=1&b=2&c=3"}, fixtures=doc(entry))
    assert hit.result["status"] == 204 and miss.calls[0].answer is CallAnswer.NO_FIXTURE


@pytest.mark.parametrize("target", ["v1_https.js", "v2_fetch.js"])
def test_url_pattern_query_order_and_headers(target):
    pattern = {
        "request": {"url_pattern": r"^https://api\.mail\.example/v3/users/\d+$"},
        "response": {"status": 200, "body": "user"},
    }
    query = {"request": {"url": "https://api.mail.example/q?b=2&a=1"}, "response": {"status": 200, "body": "query"}}
    header = {"request": {"url": MAIL, "headers": {"X-Api-Version": "3"}}, "response": {"status": 200, "body": "v3"}}
    fixtures = doc(pattern, query, header)
    assert run(target, {"url": "https://api.mail.example/v3/users/42"}, fixtures=fixtures).result["body"] == "user"
    assert run(target, {"url": "https://api.mail.example/q?a=1&b=2"}, fixtures=fixtures).result["body"] == "query"
    assert run(target, {"url": MAIL, "headers": {"x-api-version": "3"}}, fixtures=fixtures).result["body"] == "v3"
    for url in ("https://api.mail.example/v3/users/x", "https://api.mail.example/q?a=1&b=3", MAIL):
        assert run(target, {"url": url}, fixtures=fixtures).calls[0].answer is CallAnswer.NO_FIXTURE, url


@pytest.mark.parametrize(
    ("target", "payload"), [("v1_captured.js", {}), ("v1_captured.js", {"useGet": True}), ("v2_captured.js", {})]
)
def test_functions_kept_before_the_first_request_are_intercepted_too(target, payload):
    # nock loads at the first request; what the lambda's top-level code kept is the runner's wrapper.
    out = run(
        target, {"url": MAIL, **payload}, fixtures=doc({"request": {"url": MAIL}, "response": {"status": 200, "body": "kept"}})
    )
    assert (out.result["status"], out.result["body"]) == (200, "kept")
    assert out.calls[0].answer is CallAnswer.FIXTURE


# --- no fixture, allow-list -------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_an_unmatched_request_fails_with_the_fixture_to_add(target, via):
    url = "https://api.mail.example/v3/other?x=1"
    out = run(target, {"url": url, "method": "POST", "body": {"to": "a@b.c"}}, fixtures=doc(MAIL_OK))
    error = out.result["error"]
    (call,) = out.calls
    suggestion = {"request": {"method": "POST", "url": url}, "response": {"status": 200, "body": None}}
    assert call.answer is CallAnswer.NO_FIXTURE and call.via == via
    assert call.suggestion == suggestion
    assert call.error == f"no fixture for POST {url}; add to the fixtures file: {json.dumps(suggestion, separators=(',', ':'))}"
    assert out.missing_fixtures == (call,)
    # It fails like a refused connection, in each client's own shape.
    assert error and network_error(out, via) == ("ECONNREFUSED", call.error)


def test_an_empty_fixtures_file_makes_the_run_hermetic():
    out = run("v2_https.js", {"url": MAIL}, fixtures={"version": 1})
    assert out.calls[0].answer is CallAnswer.NO_FIXTURE


@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_a_host_off_the_allow_list_is_refused_even_with_a_fixture(target, via):
    out = run(target, {"url": MAIL, "method": "POST", "body": {"to": "a@b.c"}}, fixtures=doc(MAIL_OK), allow=["other.example"])
    (call,) = out.calls
    assert (call.answer, call.via, call.target) == (CallAnswer.ALLOW_LIST, via, MAIL)
    if via == "HTTPClient":  # the platform's proxy answers 403 (toolbelt/common.js)
        assert out.result["error"]["statusCode"] == 403 and out.result["error"]["name"] == "StatusCodeError"
        assert call.status == 403
    else:
        assert network_error(out, via) == ("ECONNREFUSED", call.error) and "allow-list" in call.error


# --- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "via"), CLIENTS)
@pytest.mark.parametrize("mode", ["5xx", "refused", "timeout"])
def test_an_injected_fault_looks_like_a_real_failure(target, via, mode):
    out = run(target, {"url": MAIL, "method": "POST", "body": {"to": "a@b.c"}}, fixtures=doc(MAIL_OK), faults=mode)
    (call,) = out.calls
    assert (call.answer, call.fault, call.fixture) == (CallAnswer.INJECTED, mode, "mail ok")
    result = out.result
    if mode == "5xx":
        assert call.status == 503
        if via == "HTTPClient":  # request-promise rejects a non-2xx answer
            assert (result["error"]["name"], result["error"]["statusCode"]) == ("StatusCodeError", 503)
        else:
            assert result["status"] == 503 and "Service Unavailable" in result["body"]
        return
    code = {"refused": "ECONNREFUSED", "timeout": "ETIMEDOUT"}[mode]
    assert call.error == f"connect {code} api.mail.example:443"
    assert network_error(out, via) == (code, call.error)


def test_faults_also_replace_network_answers_but_not_no_fixture_or_allow_list(local_server):
    url, hits = local_server
    network = run("v1_https.js", {"url": f"{url}/a"}, fixtures=None, allow=["127.0.0.1"], faults="refused")
    assert network.calls[0].answer is CallAnswer.INJECTED and network.calls[0].fixture is None
    assert hits == []  # the fault is injected instead of the call
    missing = run("v1_https.js", {"url": MAIL}, fixtures=doc(), faults="5xx")
    refused = run("v1_https.js", {"url": MAIL}, fixtures=doc(MAIL_OK), allow=[], faults="5xx")
    assert (missing.calls[0].answer, refused.calls[0].answer) == (CallAnswer.NO_FIXTURE, CallAnswer.ALLOW_LIST)


@pytest.mark.parametrize(("fault", "code"), [("refused", "ECONNREFUSED"), ("timeout", "ETIMEDOUT"), ("reset", "ECONNRESET")])
@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_a_fixture_can_name_a_fault(target, via, fault, code):
    entry = {"name": "down", "request": {"url": MAIL}, "fault": fault}
    out = run(target, {"url": MAIL}, fixtures=doc(entry))
    (call,) = out.calls
    assert (call.answer, call.fixture, call.status) == (CallAnswer.FIXTURE, "down", None)
    assert network_error(out, via) == (code, call.error)


# --- waiting on a fixture is pending work -----------------------------------------------------------


@pytest.mark.parametrize("target", ["v1_https.js", "v1_httpclient.js", "v2_fetch.js", "v2_https.js"])
def test_a_lambda_awaiting_a_delayed_fixture_is_pending_not_never_called(target):
    # Nothing but the fixture's delay is pending: if the idle watcher (first check after 5 ms) did not
    # see it, the invocation would end as "never called" instead of with the answer.
    entry = {"request": {"url": MAIL}, "response": {"status": 200, "body": "late", "delay_ms": 300}}
    with load_handler(str(LAMBDAS / target), allow_domains=ALLOW, fixtures=doc(entry), timeout_ms=10_000) as h:
        out = h.invoke(EVENT, inp(url=MAIL))
    assert out.ok, out.error_message
    assert out.result["status"] == 200 and "never_called" not in out.details


@pytest.mark.parametrize("target", ["v1_forgets.js", "v2_forgets.js"])
@pytest.mark.parametrize("faults", [None, "refused"])
def test_once_the_answer_is_in_a_lambda_that_never_answers_is_reported_at_once(target, faults):
    # The sockets nock answered leave nothing pending (nock 15 keeps a ref'd, never-connected handle
    # on a destroyed socket): the silence is "never called", not a wait for the time limit.
    entry = {"request": {"url": MAIL}, "response": {"status": 200, "body": "ok"}}
    with load_handler(str(LAMBDAS / target), allow_domains=ALLOW, fixtures=doc(entry), timeout_ms=30_000) as h:
        out = h.invoke(EVENT, inp(url=MAIL), faults=faults)
    assert out.fault is FaultKind.TIMEOUT and out.details.get("never_called") is True, out.error_message
    assert [c.answer for c in out.calls] == [CallAnswer.INJECTED if faults else CallAnswer.FIXTURE]


@pytest.mark.parametrize("target", ["v1_https.js", "v1_httpclient.js", "v2_fetch.js"])
def test_the_lambdas_own_request_timeout_fires_while_a_slow_answer_is_pending(target):
    # As a slow server would: the lambda gives up after 200 ms, long before the fixture's 5 s delay.
    # (V2 http/https: not emulated, see docs/measured.md.)
    entry = {"request": {"url": MAIL}, "response": {"status": 200, "body": "late", "delay_ms": 5000}}
    with load_handler(str(LAMBDAS / target), allow_domains=ALLOW, fixtures=doc(entry), timeout_ms=20_000) as h:
        out = h.invoke(EVENT, inp(url=MAIL, timeoutMs=200))
    assert out.ok, out.error_message
    error = out.result["error"]
    assert {
        "v1_https.js": "gave up after 200 ms",
        "v1_httpclient.js": "Error: ETIMEDOUT",
        "v2_fetch.js": "The operation was aborted due to timeout",
    }[target] == error["message"]


# --- the network: as today without fixtures, once per request with --record ----------------------------


class _Api(QuietHandler):
    hits: list  # set per server

    def _body(self) -> str:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":  # Node's http sends a body so
            chunks = []
            while size := int(self.rfile.readline().strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks).decode()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _answer(self):
        sent = self._body()
        self.hits.append((self.command, self.path, sent))
        body = json.dumps({"path": self.path, "sent": sent, "n": len(self.hits)}).encode()
        self.reply(201, body, {"content-type": "application/json", "x-api": "real"})

    do_GET = do_POST = _answer


@pytest.fixture
def local_server():
    hits: list = []
    with http_server(type("Api", (_Api,), {"hits": hits})) as (url, _):
        yield url, hits


@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_without_fixtures_allow_listed_requests_reach_the_network(target, via, local_server):
    url, hits = local_server
    out = run(target, {"url": f"{url}/x?a=1", "method": "POST", "body": {"k": 1}}, allow=["127.0.0.1"])
    assert out.result["status"] == 201
    assert body_of(out, target)["path"] == "/x?a=1" and json.loads(body_of(out, target)["sent"]) == {"k": 1}
    assert len(hits) == 1
    (call,) = out.calls
    # The lambdas pick Node's module by the URL's scheme: this plain-http URL goes through `http`.
    assert (call.answer, call.via, call.status, call.target) == (
        CallAnswer.NETWORK,
        "http" if via == "https" else via,
        201,
        f"{url}/x?a=1",
    )


@pytest.mark.parametrize("target", ["v1_https.js", "v1_httpclient.js", "v2_fetch.js", "v2_https.js"])
def test_record_calls_each_distinct_request_once_per_worker_and_sends_the_exchange(target, local_server):
    url, hits = local_server
    fixtures = doc({"name": "known", "request": {"url": f"{url}/known"}, "response": {"status": 200, "body": "fixed"}})
    with load_handler(str(LAMBDAS / target), allow_domains=["127.0.0.1"], fixtures=fixtures, record=True, workers=1) as h:
        first = h.invoke(EVENT, inp(url=f"{url}/r?b=2&a=1", method="POST", body={"q": 1}))
        again = h.invoke(EVENT, inp(url=f"{url}/r?b=2&a=1", method="POST", body={"q": 1}))
        other = h.invoke(EVENT, inp(url=f"{url}/r?b=2&a=1", method="POST", body={"q": 2}))
        known = h.invoke(EVENT, inp(url=f"{url}/known"))
    assert [h[2] for h in hits] == ['{"q":1}', '{"q":2}']  # the identical request went out once
    assert body_of(first, target) == body_of(again, target) and body_of(first, target)["n"] == 1
    assert [o.calls[0].answer for o in (first, again, other, known)] == [CallAnswer.NETWORK] * 3 + [CallAnswer.FIXTURE]
    (exchange,) = first.details["recorded"]
    assert exchange["request"]["method"] == "POST" and exchange["request"]["url"] == f"{url}/r?b=2&a=1"
    assert exchange["request"]["body"] == {"q": 1}
    assert exchange["response"]["status"] == 201 and exchange["response"]["headers"]["x-api"] == "real"
    # Python's json.dumps puts spaces JSON.stringify would not: kept as the text it was, so that a
    # replay sends the very same bytes (a compact JSON answer is kept as its value).
    assert exchange["response"]["body"] == json.dumps({"path": "/r?b=2&a=1", "sent": '{"q":1}', "n": 1})
    assert "recorded" not in again.details and "recorded" not in known.details
    assert other.details["recorded"][0]["request"]["body"] == {"q": 2}


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize(("target", "via"), CLIENTS)
def test_with_fixtures_no_real_connection_is_made(target, via):
    # The host is allow-listed and its server is down: only the fixture can answer.
    url = f"http://127.0.0.1:{_closed_port()}/send"
    entry = {"request": {"url": url}, "response": {"status": 200, "body": {"sent": True}}}
    out = run(target, {"url": url, "method": "POST", "body": {"to": "a@b.c"}}, fixtures=doc(entry), allow=["127.0.0.1"])
    assert out.result["status"] == 200 and body_of(out, target) == {"sent": True}
    assert out.calls[0].answer is CallAnswer.FIXTURE


@pytest.mark.parametrize("target", ["v1_https.js", "v2_fetch.js"])
def test_nock_off_in_the_environment_cannot_open_a_hermetic_run(target, local_server):
    # nock passes every request through when NOCK_OFF=true; with fixtures the runner's connect guard
    # still refuses, so the server sees nothing.
    url, hits = local_server
    out = run(target, {"url": f"{url}/x"}, fixtures=doc(), allow=["127.0.0.1"], env={"NOCK_OFF": "true"})
    assert hits == []
    error = out.result["error"]
    if target == "v2_fetch.js":  # @mswjs/interceptors reports its refused passthrough as 'closed'
        assert (error["message"], error["cause"]["message"]) == ("fetch failed", "closed")
    else:
        assert "a connection outside HTTP interception while fixtures are given" in error["message"]
    # nock never saw it; the connect guard reports it, so the case is not judged (review finding 4)
    (call,) = out.calls
    assert (call.via, call.method, call.answer, call.suggestion) == ("net", "CONNECT", CallAnswer.NO_FIXTURE, None)
    assert call.target.startswith("tcp://127.0.0.1:")


# --- nock is the runner's, not the lambda's ----------------------------------------------------------


@pytest.mark.parametrize("target", ["v1_requires_nock.js", "v2_requires_nock.js"])
def test_a_lambda_cannot_require_nock(target):
    out = run(target, {}, fixtures=doc(MAIL_OK))
    assert out.result["error"]["code"] == "MODULE_NOT_FOUND"
    assert "module nock is not available on LivePerson Functions" in out.result["error"]["message"]


# --- issue 17 review findings -------------------------------------------------------------------------


def test_a_top_level_call_is_listed_in_every_invocation_of_its_worker():
    # Finding 1: the call belongs to the function instance; with no fixture for it, every case of
    # that worker is unchecked (was: dropped, so each case was judged on the lambda's failure).
    outs = run("v2_top_level_fetch.js", {}, fixtures=doc(), times=2)
    for out in outs:
        (call,) = out.missing_fixtures
        assert (call.via, call.method, call.target) == ("fetch", "GET", "https://api.mail.example/config")
        assert out.result["error"]["message"] == "fetch failed"


def test_a_top_level_call_is_answered_by_its_fixture_and_reported_before_the_invocations_own():
    entry = {
        "name": "config",
        "request": {"url": "https://api.mail.example/config"},
        "response": {"status": 200, "body": {"a": 1}},
    }
    outs = run("v2_top_level_fetch.js", {}, fixtures=doc(entry), times=2)
    for out in outs:
        assert out.result == {"config": {"a": 1}}
        assert [(c.answer, c.fixture) for c in out.calls] == [(CallAnswer.FIXTURE, "config")]


def test_a_recorded_top_level_exchange_goes_with_the_first_result_only(local_server):
    url, hits = local_server
    outs = run("v2_top_level_fetch.js", {}, allow=["127.0.0.1"], record=True, env={"CONFIG_URL": f"{url}/config"}, times=2)
    assert outs[0].result["config"]["path"] == "/config" and len(hits) == 1
    (exchange,) = outs[0].details["recorded"]
    assert (exchange["request"]["url"], exchange["response"]["status"]) == (f"{url}/config", 201)
    assert "recorded" not in outs[1].details
    assert [c.answer for c in outs[1].calls] == [CallAnswer.NETWORK]  # still the instance's call


def test_calls_survive_an_invocation_killed_at_its_time_limit():
    # Finding 2: the worker is killed; the streamed calls stay on the TIMEOUT outcome, so the case is
    # unchecked (a no-fixture call) instead of judged as a timeout.
    with load_handler(str(LAMBDAS / "v2_retries_forever.js"), allow_domains=ALLOW, fixtures=doc(), timeout_ms=1500) as h:
        out = h.invoke(EVENT, inp())
    assert out.fault is FaultKind.TIMEOUT
    assert out.missing_fixtures and out.missing_fixtures[0].target == MAIL


PATCH_OK = {"name": "patched", "request": {"method": "PATCH", "url": MAIL}, "response": {"status": 204}}
PROPFIND_OK = {"name": "props", "request": {"method": "PROPFIND", "url": MAIL}, "response": {"status": 207}}


@pytest.mark.parametrize("target", ["v1_https.js", "v2_fetch.js", "v2_https.js"])
@pytest.mark.parametrize(("method", "status", "name"), [("patch", 204, "patched"), ("PROPFIND", 207, "props")])
def test_every_method_however_spelled_is_answered_from_fixtures(target, method, status, name):
    # Finding 3: fetch keeps a lower-case `patch`; nock matched neither it nor PROPFIND (fake 501 / closed).
    out = run(target, {"url": MAIL, "method": method}, fixtures=doc(PATCH_OK, PROPFIND_OK))
    assert out.result["status"] == status
    (call,) = out.calls
    assert (call.method, call.answer, call.fixture) == (method.upper(), CallAnswer.FIXTURE, name)


@pytest.mark.parametrize("target", ["v2_fetch.js", "v1_https.js"])
def test_an_unusual_method_without_a_fixture_is_reported_missing(target):
    out = run(target, {"url": MAIL, "method": "PROPFIND"}, fixtures=doc())
    (call,) = out.missing_fixtures
    assert call.method == "PROPFIND"


def test_a_raw_socket_to_an_allow_listed_host_in_a_hermetic_run_is_reported(local_server):
    # Finding 4: refused by the connect guard, and now reported, so the case is not judged.
    url, hits = local_server
    port = int(url.rsplit(":", 1)[1])
    out = run("v1_raw_socket.js", {"host": "127.0.0.1", "port": port}, fixtures=doc(), allow=["127.0.0.1"])
    assert hits == [] and out.result["error"]["code"] == "ECONNREFUSED"
    (call,) = out.missing_fixtures
    assert (call.via, call.method, call.target, call.suggestion) == ("net", "CONNECT", f"tcp://127.0.0.1:{port}", None)
    assert "raw sockets cannot be answered from fixtures" in call.error


def test_a_raw_socket_refused_by_the_allow_list_is_not_a_missing_fixture():
    out = run("v1_raw_socket.js", {"host": "127.0.0.1", "port": 9}, fixtures=doc(), allow=[])
    assert out.result["error"]["code"] == "ECONNREFUSED" and out.calls == ()


def test_an_aborted_fetch_does_not_name_the_client_of_a_later_request():
    # Finding 5: the aborted fetch left its `via` entry, and https.get was reported as fetch.
    entry = {"request": {"url": MAIL}, "response": {"status": 200}}
    out = run("v2_aborted_then_https.js", {"url": MAIL}, fixtures=doc(entry))
    assert out.result == {"status": 200}
    assert [c.via for c in out.calls] == ["https"]


def test_the_top_level_calls_kept_are_bounded_but_keep_the_unanswered_one():
    warm = {"name": "warm", "request": {"url_pattern": "^https://api\\.mail\\.example/warm/"}, "response": {"status": 204}}
    out = run("v2_top_level_many.js", {}, fixtures=doc(warm))
    assert out.result == "ok"
    assert [c.answer for c in out.calls].count(CallAnswer.FIXTURE) == 100  # invocation.js MAX_LOAD_CALLS
    (missing,) = out.missing_fixtures
    assert missing.target == "https://api.mail.example/unknown"


def test_a_token_in_a_called_url_is_hidden_in_the_call_its_error_and_its_suggestion():
    # Reports land in CI artefacts (handlers/node.py NodeHandler.invoke, core.redact.redact_call): even
    # without a secrets file, a secret-named query value never leaves the worker's outcome.
    out = run("v2_fetch.js", {"url": f"{MAIL}?token=abc123secret&v=3"}, fixtures=doc())
    (call,) = out.missing_fixtures
    assert call.target == f"{MAIL}?token=<redacted>&v=3"
    assert "abc123secret" not in repr(call)
