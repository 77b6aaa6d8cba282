from __future__ import annotations

import pytest

from lpf_contract.checks import CHECKS, CaseContext, CheckRegistry, Check
from lpf_contract.contracts import load_registry
from lpf_contract.handlers.base import FaultKind, LogEntry, Outcome
from lpf_contract.model import Severity
from tests.conftest import FIXTURES, load_json

REGISTRY = load_registry()
EVENT = "surveybot_messaging_survey_ended"
# v1 names its version: the default (current) version changes over time, these cases must not.
# Both v1 and v2 describe the same commands; each case picks its result_policy (default acted-on).
RESULT_URI = REGISTRY.event(EVENT, "v1").result_uri
CASE_CHECKS = [c for c in CHECKS if c.fn is not None]


def outcome(doc: dict) -> Outcome:
    return Outcome(
        result=doc.get("result"),
        has_result=doc.get("has_result", False),
        fault=FaultKind(doc["fault"]) if doc.get("fault") else None,
        error_code=doc.get("error_code"),
        error_message=doc.get("error_message"),
        logs=tuple(LogEntry(x["level"], x["text"]) for x in doc.get("logs", [])),
        details=doc.get("details", {}),
    )


def run_check(check, payload, doc, policy="acted-on"):
    return list(check.fn(CaseContext(EVENT, payload, outcome(doc), REGISTRY, RESULT_URI, policy)))


def test_every_case_check_has_a_fixture_file():
    assert sorted(p.stem for p in (FIXTURES / "checks").glob("*.json")) == sorted(c.id for c in CASE_CHECKS)


@pytest.mark.parametrize("check", CASE_CHECKS, ids=lambda c: c.id)
def test_positive_cases_produce_findings_with_the_check_id(check):
    data = load_json(FIXTURES / "checks" / f"{check.id}.json")
    assert data["positive"], "every check needs a positive case"
    for case in data["positive"]:
        findings = run_check(check, data["payload"], case["outcome"], case.get("policy", "acted-on"))
        assert findings, case
        assert {f.check for f in findings} == {check.id}
        assert all(f.severity == check.severity for f in findings)
        if "expect_path" in case:
            assert findings[0].path == case["expect_path"]
        if "expect_message" in case:
            assert case["expect_message"] in findings[0].message


@pytest.mark.parametrize("check", CASE_CHECKS, ids=lambda c: c.id)
def test_negative_cases_produce_nothing(check):
    data = load_json(FIXTURES / "checks" / f"{check.id}.json")
    assert data["negative"], "every check needs a negative case"
    for case in data["negative"]:
        assert run_check(check, data["payload"], case["outcome"], case.get("policy", "acted-on")) == [], case


def test_registry_rejects_duplicates():
    reg = CheckRegistry()
    reg.add(Check("x", Severity.ERROR, "d", None))
    with pytest.raises(ValueError, match="duplicate check id=x"):
        reg.add(Check("x", Severity.WARNING, "d", None))


def test_array_indices_do_not_split_a_failure():
    check = CHECKS["response-schema"]
    a = run_check(check, {}, {"result": [{"type": "systemMessage", "text": ""}], "has_result": True})
    b = run_check(check, {}, {"result": [{"type": "closeConversation"}, {"type": "systemMessage", "text": ""}], "has_result": True})
    assert a[0].location == "/*/text"
    assert any(f.location == a[0].location for f in b)


def test_checks_command_lists_the_catalogue(run_cli):
    code, out, _ = run_cli("checks")
    assert code == 0
    for c in CHECKS:
        assert c.id in out


def test_the_registry_declares_each_events_result_policy():
    # v1 models the seed page (results acted on), v2 LivePerson's current page (results ignored).
    assert {REGISTRY.event(EVENT, "v1").result_policy, REGISTRY.event(EVENT, "v2").result_policy} == {"acted-on", "ignored"}
    assert REGISTRY.event(EVENT, "v2").result_policy == "ignored"


def test_an_unknown_result_policy_is_a_contract_error(tmp_path):
    import shutil

    from lpf_contract.contracts import Registry
    from lpf_contract.errors import ContractError

    shutil.copytree(REGISTRY.root, tmp_path / "c")
    reg = tmp_path / "c" / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8").replace("result_policy: ignored", "result_policy: dropped", 1), encoding="utf-8")
    with pytest.raises(ContractError, match="unknown result_policy='dropped'"):
        Registry.load(tmp_path / "c")
