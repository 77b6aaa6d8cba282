from __future__ import annotations

import pytest

from lpf_contract.verify.checks import CHECKS, CaseContext, CheckRegistry, Check
from lpf_contract.contracts import load_registry
from lpf_contract.core.outcome import FaultKind, LogEntry, Outcome
from lpf_contract.core.results import Severity
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
    from lpf_contract.core.errors import ContractError

    shutil.copytree(REGISTRY.root, tmp_path / "c")
    reg = tmp_path / "c" / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8").replace("result_policy: ignored", "result_policy: dropped", 1), encoding="utf-8")
    with pytest.raises(ContractError, match="unknown result_policy='dropped'"):
        Registry.load(tmp_path / "c")


# -- identity of handler errors: class, normalised message, the lambda's innermost frame -------------
LAMBDA = FIXTURES / "verify" / "handlers" / "two_type_errors_on_two_lines.js"


def _crash(message: str, line: int, *, fault: str = "runtime-exception", path=LAMBDA.resolve()) -> dict:
    stack = (f"{message}\n    at read (/elsewhere/node_modules/lodash/lodash.js:10:3)\n    at lambda ({path}:{line}:13)\n"
             "    at /x/lpf_contract/handlers/node/runner.js:267:20\n    at AsyncLocalStorage.run (node:async_hooks:346:14)")
    return {"fault": fault, "error_message": message, "details": {"stack": stack}}


def _findings(doc: dict, source=LAMBDA.resolve()):
    return CHECKS.run(CaseContext(EVENT, {}, outcome(doc), REGISTRY, RESULT_URI, source_path=source))


def test_same_error_on_two_lines_is_two_failures_and_quoted_values_do_not_split_one():
    a = _findings(_crash("TypeError: Cannot read properties of undefined (reading 'text')", 4))
    b = _findings(_crash("TypeError: Cannot read properties of undefined (reading 'value')", 4))
    c = _findings(_crash("TypeError: Cannot read properties of undefined (reading 'text')", 5))
    (fa,), (fb,), (fc,) = a, b, c
    assert fa.location == fb.location != fc.location
    assert fa.location == "runtime-exception: TypeError: Cannot read properties of undefined (reading <s>) @ two_type_errors_on_two_lines.js:4"
    assert (fa.file, fa.line, fc.line) == ("two_type_errors_on_two_lines.js", 4, 5)
    assert "at two_type_errors_on_two_lines.js:4" in fa.message
    # the stack keeps the error line and the lambda's own frames only, with base names
    assert fa.stack == ("TypeError: Cannot read properties of undefined (reading 'text')\n"
                        "    at lambda (two_type_errors_on_two_lines.js:4:13)")


def test_another_error_class_or_message_on_the_same_line_is_another_failure():
    base = _findings(_crash("TypeError: x is not a function", 4))[0].location
    assert _findings(_crash("RangeError: x is not a function", 4))[0].location != base
    assert _findings(_crash("TypeError: y.z is undefined", 4))[0].location != base
    assert _findings(_crash("TypeError: x is not a function", 4, fault="custom-failure"))[0].location != base


def test_normalise_message_replaces_numbers_and_quoted_values():
    from lpf_contract.verify.checks import normalise_message

    assert normalise_message('Error: survey 3387141511 has "no" answers for `q2` and \'x\'') == "Error: survey <n> has <s> answers for <s> and <s>"
    assert normalise_message("TypeError: item1 at index -2.5e3\n  more") == "TypeError: item1 at index <n>"
    assert normalise_message("") == ""


def test_frames_without_the_lambdas_path_skip_runtime_and_modules():
    from lpf_contract.verify.checks import lambda_frame

    frame = lambda_frame(_crash("TypeError: t", 7)["details"]["stack"], None)
    assert (frame.file, frame.line, frame.function) == ("two_type_errors_on_two_lines.js", 7, "lambda")
    # given the lambda's path, a frame of another file is not the lambda's
    assert lambda_frame(_crash("TypeError: t", 7, path="/other/index.js")["details"]["stack"], LAMBDA.resolve()) is None


def test_python_tracebacks_give_the_innermost_frame_of_the_handler():
    from lpf_contract.verify.checks import lambda_frame, trim_stack

    path = FIXTURES / "verify" / "handlers" / "runtime_exception_on_agent.py"
    tb = ("Traceback (most recent call last):\n"
          '  File "/x/lpf_contract/handlers/python_worker.py", line 120, in run\n    out = func(inp)\n'
          f'  File "{path}", line 9, in handle\n    return helper(p)\n'
          f'  File "{path}", line 4, in helper\n    return p["ttr"]\n'
          "KeyError: 'ttr'\n")
    frame = lambda_frame(tb, path)
    assert (frame.file, frame.line, frame.function) == (path.name, 4, "helper")
    assert trim_stack(tb, path).splitlines() == [
        "KeyError: 'ttr'", f"    at helper ({path.name}:4)", f"    at handle ({path.name}:9)"
    ]


def test_a_load_phase_fault_names_the_top_level_throw_and_its_line():
    doc = {"fault": "runtime-exception", "error_message": "TypeError: Cannot read properties of undefined (reading 'split')",
           "details": {"phase": "load", "line": 3, "stack": "TypeError: Cannot read properties of undefined (reading 'split')"}}
    source = (FIXTURES / "verify" / "handlers" / "throws_at_load.js").resolve()
    (f,) = _findings(doc, source)
    assert f.check == "handler-error" and "top-level code throws" in f.message and "every invocation fails" in f.message
    assert (f.file, f.line) == ("throws_at_load.js", 3) and "at throws_at_load.js:3" in f.message
    assert f.location.startswith("load runtime-exception: TypeError") and f.location.endswith("@ throws_at_load.js:3")


def test_a_first_callback_error_is_the_failure_not_a_missing_result():
    doc = {"fault": "multiple-results", "has_result": False, "details": {"first_fault": "custom-failure", "stack": "Error: first"},
           "error_message": "the handler produced results=2; only the first counts (the first one was an error: Error: first)"}
    found = {f.check: f for f in _findings(doc)}
    assert set(found) == {"handler-error", "multiple-results"}  # no response-schema "no result"
    assert found["handler-error"].severity == Severity.ERROR and "message='Error: first'" in found["handler-error"].message
    assert found["multiple-results"].severity == Severity.WARNING


def test_a_first_ok_result_followed_by_an_error_is_only_the_warning():
    doc = {"fault": "multiple-results", "has_result": True, "result": "ok",
           "error_message": "the handler produced results=2; only the first counts"}
    assert [f.check for f in _findings(doc)] == ["multiple-results"]


def test_never_called_timeout_is_a_timeout_with_its_own_identity():
    never = {"fault": "timeout", "details": {"never_called": True}}
    hang = {"fault": "timeout", "details": {"timeout_ms": 300}}
    (a,), (b,) = _findings(never), _findings(hang)
    assert a.check == b.check == "timeout" and a.location != b.location
    assert "never called" in a.message
