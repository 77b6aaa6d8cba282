"""LivePerson's toolbelt clients answered from fixtures (issue 17; handlers/node/toolbelt/clients.js).

Every client is exercised through a real lambda (tests/fixtures/lambdas/toolbelt/client-*.js) with the
`toolbelt` fixtures of tests/fixtures/lambdas/toolbelt/client-cases.yaml: a fixture answering, a call
no fixture answers, an error the fixture names, and --http-faults modes, each compared with what
LivePerson's code raises. MTLSClient makes real requests (through Node's http/https), here to a local
server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from lpf_contract.core.outcome import CallAnswer
from lpf_contract.handlers import load_handler
from tests.conftest import FIXTURES, QuietHandler, http_server

LAMBDAS = FIXTURES / "lambdas" / "toolbelt"
EVENT = "surveybot_messaging_survey_started"
CASES = yaml.safe_load((LAMBDAS / "client-cases.yaml").read_text())["cases"]


def fixtures_doc(toolbelt: list[dict[str, Any]]) -> dict[str, Any]:
    """The normalized fixtures document the runner receives (Python validation is not tested here)."""
    return {"version": 1, "http": [], "toolbelt": toolbelt, "context": {}}


def run(file: str, payload: dict[str, Any], *, toolbelt=None, faults=None, allow_domains=()):
    fixtures = None if toolbelt is None else fixtures_doc(toolbelt)
    with load_handler(str(LAMBDAS / file), timeout_ms=20000, fixtures=fixtures, allow_domains=allow_domains) as handler:
        return handler.invoke(EVENT, {"headers": [], "payload": payload}, faults=faults)


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return expected == actual


def call_fields(call) -> dict[str, Any]:
    return {
        "kind": call.kind,
        "via": call.via,
        "method": call.method,
        "target": call.target,
        "answer": call.answer.value,
        "status": call.status,
        "error": call.error,
        "fixture": call.fixture,
        "suggestion": dict(call.suggestion) if call.suggestion is not None else None,
        "fault": call.fault,
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_client_answers(case):
    out = run(case["file"], case.get("payload", {}), toolbelt=case["toolbelt"], faults=case.get("faults"))
    assert out.fault is None, (out.error_message, out.result)
    if case.get("result_subset"):
        assert subset(case["result"], out.result), out.result
    else:
        assert out.result == case["result"]
    if "calls" in case:
        assert len(out.calls) == len(case["calls"]), out.calls
        for want, got in zip(case["calls"], out.calls, strict=True):
            fields = call_fields(got)
            assert {k: fields[k] for k in want} == want
    # Every client call is reported, in order, and only toolbelt calls happen in these lambdas.
    assert out.calls and all(c.kind == "toolbelt" for c in out.calls)


SUGGESTION_CASES = [c for c in CASES if c.get("calls") and any(call.get("answer") == "no-fixture" for call in c["calls"])]


@pytest.mark.parametrize("case", SUGGESTION_CASES, ids=[c["id"] for c in SUGGESTION_CASES])
def test_the_suggested_fixture_answers_the_call(case):
    # The entry a no-fixture answer suggests, added to the fixtures as written, answers the same call.
    first = run(case["file"], case.get("payload", {}), toolbelt=case["toolbelt"])
    missing = [c for c in first.calls if c.answer is CallAnswer.NO_FIXTURE]
    assert missing and missing[0].suggestion is not None
    suggestion = json.loads(json.dumps(dict(missing[0].suggestion)))
    second = run(case["file"], case.get("payload", {}), toolbelt=[*case["toolbelt"], suggestion])
    answered = [c for c in second.calls if c.method == missing[0].method and c.via == missing[0].via]
    assert answered and answered[0].answer is CallAnswer.FIXTURE, second.calls


def test_without_a_fixtures_file_a_client_call_has_no_fixture():
    out = run("client-v2-csds.js", {})
    assert out.result["err"]["code"] == "LPF_CONTRACT_NO_FIXTURE"
    assert [c.answer for c in out.calls] == [CallAnswer.NO_FIXTURE]
    assert out.calls[0].suggestion == {"call": "CsdsClient.get", "args": ["msgHist"], "returns": None}


def test_a_fault_run_does_not_fault_a_call_no_fixture_answers():
    # Only calls a fixture would answer are faulted (design of issue 17); the others stay no-fixture.
    out = run("client-v2-csds.js", {}, toolbelt=[], faults="5xx")
    assert [c.answer for c in out.calls] == [CallAnswer.NO_FIXTURE]


def test_fixture_values_are_copies_per_call(tmp_path):
    # A lambda that mutates what a fixture returned must not change what the next invocation gets.
    lam = tmp_path / "mutate.js"
    lam.write_text(
        'const { Toolbelt } = require("core-functions-toolbelt");\n'
        "async function lambda(input) {\n"
        "  const csds = Toolbelt.CsdsClient();\n"
        "  const all = await csds.getAll();\n"
        "  const before = all.length;\n"
        "  all.push({ extra: 'x' });\n"
        "  return { before, after: (await csds.getAll()).length };\n"
        "}\n"
    )
    toolbelt = [{"call": "CsdsClient.getAll", "returns": [{"msgHist": "va.msghist.liveperson.net"}]}]
    with load_handler(str(lam), timeout_ms=20000, fixtures=fixtures_doc(toolbelt)) as handler:
        first = handler.invoke(EVENT, {"headers": [], "payload": {}})
        second = handler.invoke(EVENT, {"headers": [], "payload": {}})
    assert first.result == second.result == {"before": 1, "after": 1}


# ---------------------------------------------------------------- MTLSClient: real requests


class _Handler(QuietHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.reply(200, json.dumps({"path": self.path, "accept": self.headers.get("accept")}).encode())


@pytest.fixture
def local_server() -> Iterator[str]:
    with http_server(_Handler) as (url, _):
        yield url


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_mtls_client_requests_go_through_node_http(version, local_server):
    out = run(f"client-{version}-mtls.js", {"url": f"{local_server}/json?x=1"}, allow_domains=["127.0.0.1"])
    assert out.result == {"statusCode": 200, "body": {"path": "/json?x=1", "accept": "application/json"}}


def test_mtls_client_v1_network_failure_is_a_request_error():
    port = closed_port()
    out = run("client-v1-mtls.js", {"url": f"http://127.0.0.1:{port}/"}, allow_domains=["127.0.0.1"])
    assert out.result == {"err": {"name": "RequestError", "message": f"Error: connect ECONNREFUSED 127.0.0.1:{port}"}}


def test_mtls_client_v2_network_failure_is_an_mtls_error():
    port = closed_port()
    out = run("client-v2-mtls.js", {"url": f"http://127.0.0.1:{port}/"}, allow_domains=["127.0.0.1"])
    assert out.result == {
        "err": {
            "name": "Error",
            "code": "com.liveperson.faas.mtls.general-issue",
            "component": "MTLS",
            "message": f"fetch failed. Cause: connect ECONNREFUSED 127.0.0.1:{port}",
        }
    }


def test_mtls_client_v2_refuses_a_malformed_cert_when_created():
    out = run("client-v2-mtls.js", {"url": "http://127.0.0.1:1/", "badCert": True}, allow_domains=["127.0.0.1"])
    assert out.result == {
        "err": {
            "name": "Error",
            "code": "com.liveperson.faas.mtls.invalid-cert",
            "component": "MTLS",
            "message": "Provided cert is not rightly shaped. Please check cert format",
        }
    }
