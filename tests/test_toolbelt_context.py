"""The emulated Conversation Context Service client (src/lpf_contract/handlers/node/toolbelt/context.js),
through real lambdas (tests/fixtures/lambdas/toolbelt/context-*.js) on LivePerson's V1 and V2 runtimes
(issue 17, item 4).

The service is in memory, seeded per invocation from the fixtures' `context` section; its method names,
argument checks, result shapes and SDKError codes/messages are those of LivePerson's client
(faas-cli legacy/v1.31.3 and master, context-service-client/ and context-service-sdk/).
"""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from lpf_contract.core.outcome import CallAnswer
from lpf_contract.handlers import load_handler
from lpf_contract.handlers.node import NODE_DIR, find_node
from tests.conftest import FIXTURES

LAMBDAS = FIXTURES / "lambdas" / "toolbelt"
EVENT = "surveybot_messaging_survey_started"
FIXTURES_DOC = {
    "version": 1,
    "http": [],
    "toolbelt": [],
    "context": {
        "namespaces": {
            "visits": {"ttl": 600, "sessions": {"__default__": {"greeting": "hello"}, "c-1": {"count": 2}}},
            "surveys": {"sessions": {"__default__": {"kind": "csat"}}},
        }
    },
}
VIA = "Toolbelt.ContextServiceClient()"
NOT_FOUND_V1 = "com.liveperson.context-service-sdk.data.does-not-exist"


def run(name: str, payloads: list[dict], fixtures=FIXTURES_DOC, faults: str | None = None):
    with load_handler(str(LAMBDAS / name), timeout_ms=20000, fixtures=copy.deepcopy(fixtures)) as handler:
        return [handler.invoke(EVENT, {"headers": [], "payload": p}, faults=faults) for p in payloads]


def test_v1_reads_the_seed_and_writes_per_invocation():
    first, second = run("context-v1-visits.js", [{"conversationId": "c-1"}, {"conversationId": "c-1"}])
    assert first.fault is None, first.error_message
    assert first.result == {
        "greeting": "hello",  # no session given: the namespace's __default__ session
        "written": {"count": 3, "at": "now"},  # set answers the whole session after the write
        "sessions": ["__default__", "c-1"],
        "namespaces": [
            {"name": "visits", "ttlSecond": 600, "isDate": True},
            {"name": "surveys", "isDate": True},  # ttlSecond only when the namespace has one
        ],
    }
    # The second invocation starts from the seed again: the count is 3 again, not 4.
    assert second.result == first.result
    assert [c.method for c in first.calls] == [
        "getPropertyInSession",
        "getSelectedPropertiesInSession",
        "setPropertiesInNamespace",
        "getListOfSessions",
        "getListOfNamespaces",
    ]
    for call in first.calls:
        assert call.kind == "toolbelt" and call.via == VIA and call.answer is CallAnswer.EMULATED
        assert call.target == f"{VIA}.{call.method}" and call.error is None


def test_v1_client_errors_are_livepersons_sdk_errors():
    (outcome,) = run("context-v1-errors.js", [{}])
    assert outcome.fault is None, outcome.error_message
    incorrect = "com.liveperson.context-service-sdk.parameter.invalid"
    assert outcome.result == {
        "builtIn": {"code": incorrect, "message": "Can not create a built-in namespace", "isError": True},
        "ttl": {"code": incorrect, "message": "TTL needs to be a positive integer above 0", "isError": True},
        # V1's message keeps LivePerson's spelling (types/errors/sdkError.ts on legacy/v1.31.3).
        "missing": {"code": NOT_FOUND_V1, "message": "Requested Ressource does not exist", "isError": True},
    }
    assert [c.error for c in outcome.calls] == [
        f"SDKError {incorrect}: Can not create a built-in namespace",
        f"SDKError {incorrect}: TTL needs to be a positive integer above 0",
        f"SDKError {NOT_FOUND_V1}: Requested Ressource does not exist",
    ]


def test_v1_uncaught_missing_property_fails_the_case():
    (outcome,) = run("context-v1-errors.js", [{"uncaught": True}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert outcome.error_message == "Error: Requested Ressource does not exist"
    assert outcome.calls[-1].method == "getPropertyInSession" and NOT_FOUND_V1 in (outcome.calls[-1].error or "")


def test_v2_sessions_properties_and_deletes():
    first, second = run("context-v2-session.js", [{"conversationId": "c-9", "step": 1}, {"conversationId": "c-9", "step": 5}])
    assert first.fault is None, first.error_message
    assert first.result == {
        # An existing namespace is not recreated: the seed's has no ttl, and it keeps none.
        "created": {"name": "surveys"},
        "before": {},  # a session that does not exist reads as empty (restclient/client.ts)
        "updated": {"step": 2, "answers": [1, 2]},  # update merges into what set stored
        "afterDelete": {"step": 2},
        "sessions": ["__default__", "c-9"],
        "sessionsAfter": ["__default__"],
        "seeded": {"kind": "csat"},
    }
    assert second.result["updated"] == {"step": 6, "answers": [1, 2]}
    assert second.result["sessions"] == ["__default__", "c-9"]
    assert all(c.via == VIA and c.answer is CallAnswer.EMULATED for c in first.calls)


def test_v2_new_namespace_gets_its_ttl_and_no_context_section_means_an_empty_service():
    empty = {"version": 1, "http": [], "toolbelt": [], "context": {}}
    (outcome,) = run("context-v2-session.js", [{"conversationId": "c-9", "step": 1}], fixtures=empty)
    assert outcome.fault is None, outcome.error_message
    assert outcome.result["created"] == {"name": "surveys", "ttlSecond": 3600}
    assert outcome.result["seeded"] == {}


def test_v2_reserved_namespace_is_refused_by_the_service():
    (outcome,) = run("context-v2-reserved.js", [{"namespace": "sde"}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert "namespace sde is reserved" in (outcome.error_message or "")
    (call,) = outcome.calls
    assert call.error and call.error.startswith("SDKError com.liveperson.context-service-sdk.unknown:")


def test_v2_custom_namespace_is_created_by_writing_to_it():
    (outcome,) = run("context-v2-reserved.js", [{"namespace": "my_namespace"}])
    assert outcome.fault is None, outcome.error_message
    assert outcome.result == {"saved": True}


@pytest.mark.parametrize("mode", ["5xx", "refused", "timeout"])
def test_context_service_is_not_faulted_by_http_faults(mode):
    (outcome,) = run("context-v1-visits.js", [{"conversationId": "c-1"}], faults=mode)
    assert outcome.fault is None, outcome.error_message
    assert outcome.result["written"] == {"count": 3, "at": "now"}
    assert {c.answer for c in outcome.calls} == {CallAnswer.EMULATED}


def test_a_rejection_the_lambda_leaves_unhandled_stays_unhandled():
    # Reporting the call must not attach a handler to the promise the lambda gets.
    (outcome,) = run("context-v2-unawaited.js", [{}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert outcome.error_message == "Error: Requested Resource does not exist"  # V2's spelling


PROBE = r"""
const context = require(process.argv[2]);
const service = context.createContextService({ context: { namespaces: { seeded: { sessions: { s1: { a: 1 } } } } } });
const shape = (p) => p.then((v) => ({ ok: v === undefined ? null : v }), (e) => ({ code: e.code, message: e.message }));
(async () => {
  const out = {};
  for (const runtime of ['v1', 'v2']) {
    const c = context.createContextClient(runtime, service);
    out[runtime] = {
      badName: await shape(c.setPropertiesInNamespace('my-namespace', { a: 1 })),
      tooLarge: await shape(c.setPropertiesInNamespace('big', { text: 'x'.repeat(800000) })),
      notAnObject: await shape(c.setPropertiesInNamespace('seeded', 'sample')),
      notIterable: await shape(c.getSelectedPropertiesInSession('seeded', 5, 's1')),
      emptyName: await shape(c.createNamespace('')),
      deleteEmpty: await shape(c.deleteNamespace('')),
      deleteBuiltIn: await shape(c.deleteNamespace('conversation')),
      missingNamespace: await shape(c.getAllPropertiesInSession('nowhere')),
      missingSessions: await shape(c.getListOfSessions('nowhere')),
      selected: await shape(c.getSelectedPropertiesInSession('seeded', ['a', 'b'], 's1')),
      seededNamespace: await shape(c.createNamespace('seeded', { ttl: 5 }).then((n) => ({ name: n.name, ttl: n.ttlSecond, epoch: n.createdAt.getTime() }))),
    };
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def test_service_edge_cases_as_the_sdk_and_the_docs_give_them(tmp_path):
    script = tmp_path / "probe.js"
    script.write_text(PROBE)
    proc = subprocess.run(
        [find_node(), str(script), str(NODE_DIR / "toolbelt" / "context.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    unknown = {"v1": "com.liveperson.context-service-sdk.unkown", "v2": "com.liveperson.context-service-sdk.unknown"}
    for runtime in ("v1", "v2"):
        got = out[runtime]
        # The service's refusals come back as the SDK's Unknown error (sdkError.ts mapRestErrorToSDKError).
        for key in ("badName", "tooLarge", "notAnObject", "notIterable"):
            assert got[key]["code"] == unknown[runtime], (runtime, key, got[key])
        assert "document too large" in got["tooLarge"]["message"]
        assert got["emptyName"] == {
            "code": "com.liveperson.context-service-sdk.parameter.invalid",
            "message": "Namespace can not be null, undefined or empty string",
        }
        assert got["deleteEmpty"] == {"ok": None}  # lib.ts: an empty name is a no-op
        assert got["deleteBuiltIn"]["message"] == "Can not delete a built-in namespace"
        assert got["missingNamespace"] == {"ok": {}}
        assert got["missingSessions"] == {"ok": []}
        assert got["selected"] == {"ok": {"a": 1}}
        # An existing namespace is not recreated; the seed's was created at the epoch (decided here).
        assert got["seededNamespace"] == {"ok": {"name": "seeded", "epoch": 0}}
    assert out["v1"]["badName"]["message"].startswith("Unkown Error ")
    assert out["v2"]["badName"]["message"].startswith("Unknown Error ")
