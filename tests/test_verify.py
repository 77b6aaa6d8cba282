"""verify finds every planted fault with the right check id and shrinks it; correct handlers pass."""

from __future__ import annotations

import json
import re

import pytest

from lpf_contract.contracts import load_registry
from lpf_contract.core.pointer import resolve_pointer
from lpf_contract.verify import VerifyOptions, verify
from lpf_contract.verify.engine import Verifier
from tests.conftest import FIXTURES, REPO, load_json

EVENT = "surveybot_messaging_survey_ended"
REQUIRED = {"conversationId", "accountId", "surveyId", "surveyRevision", "skillId", "state", "startTs", "dialogs", "participants"}
EXPECT = load_json(FIXTURES / "verify" / "expectations.json")
HANDLERS = FIXTURES / "verify" / "handlers"


def _run(target: str, tmp_path, **kw):
    options = VerifyOptions(events=(EVENT,), examples=kw.pop("examples", 25), seed=kw.pop("seed", 7), report_dir=tmp_path, **kw)
    return verify(target, options)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_planted_fault_is_found_and_shrunk(name, tmp_path):
    want = EXPECT[name]
    # v1 named: the catalogue's result faults (bad commands, no result) are violations where results
    # are acted on; v2 ignores survey results (registry.yaml result_policy).
    run = _run(str(HANDLERS / name), tmp_path, timeout_ms=want.get("timeout_ms", 5000), version="v1")
    assert run.verdict == want["verdict"]
    hits = [f for f in run.failures if f.check == want["check"]]
    assert hits, [(f.check, f.message) for f in run.failures]
    f = hits[0]
    assert f.fault == want["fault"]
    assert f.shrunk and f.shrink_steps > 0
    assert load_registry().fast_validator(load_registry().event(EVENT, "v1").payload_uri).is_valid(f.payload)
    if "path" in want:
        assert f.path == want["path"]
    if "message_has" in want:
        assert want["message_has"] in f.message
    keys = set(f.payload)
    if want.get("minimal_keys") == "required":
        assert keys == REQUIRED, keys
    elif want.get("minimal_keys") == "required+":
        assert keys == REQUIRED | {p.split("/")[1] for p in want["must_have"]}, keys
    for pointer, value in want.get("must_have", {}).items():
        assert resolve_pointer(f.payload, pointer) == value
    for pointer, bound in want.get("greater_than", {}).items():
        assert resolve_pointer(f.payload, pointer) > bound
    if "non_ascii_at" in want:
        assert any(ord(ch) > 127 for ch in resolve_pointer(f.payload, want["non_ascii_at"]))


@pytest.mark.parametrize(
    "target",
    ["examples/handlers/survey_v1.js", "examples/handlers/survey_v2.js", "examples/handlers/survey_handler.py:handle"],
)
def test_example_handlers_pass_with_full_coverage(target, tmp_path):
    run = _run(str(REPO / target), tmp_path / "v1", examples=50, version="v1")
    assert run.verdict == "pass", [(f.check, f.message) for f in run.failures]
    assert run.failures == ()
    assert run.events[EVENT].coverage["percent"] == 100.0
    # The current version ignores survey results: the examples' commands (shaped like LivePerson's
    # templates) only earn the ignored-commands warning.
    run = _run(str(REPO / target), tmp_path / "current", examples=50)
    assert run.verdict == "pass", [(f.check, f.message) for f in run.failures]
    assert {f.check for f in run.failures} <= {"ignored-commands"}
    assert run.events[EVENT].coverage["percent"] == 100.0


def test_an_ignored_result_is_harmless_and_commands_are_a_warning(tmp_path):
    # Done-when of issue 14: under the ignored policy a survey lambda returning "Hello" is no error,
    # one returning commands gets the warning; under acted-on "Hello" is a violation.
    greeting = REPO / "tests" / "fixtures" / "diff" / "handlers" / "returns-greeting.js"
    run = _run(str(greeting), tmp_path / "v2", examples=5, version="v2")
    assert run.verdict == "pass" and run.failures == ()
    run = _run(str(greeting), tmp_path / "v1", examples=5, version="v1")
    assert run.verdict == "fail" and {f.check for f in run.failures} == {"response-schema"}
    commands = REPO / "tests" / "fixtures" / "diff" / "handlers" / "returns-message.js"
    run = _run(str(commands), tmp_path / "cmd", examples=5, version="v2")
    assert run.verdict == "pass" and [f.check for f in run.failures] == ["ignored-commands"]


def test_static_deploy_rules_fail_the_run(tmp_path):
    run = _run(str(HANDLERS / "deploy_rule_eval.js"), tmp_path, examples=5)
    assert run.verdict == "fail"
    assert [s.check for s in run.static] == ["deploy-rules"]
    assert run.failures == ()  # the runtime checks still ran and found nothing


def test_same_seed_same_report(tmp_path):
    from lpf_contract.report import render_json

    target = str(HANDLERS / "custom_failure_on_agent.js")
    a = render_json(_run(target, tmp_path, seed=11))
    b = render_json(_run(target, tmp_path, seed=11))
    assert a == b
    assert json.loads(a)["seed"] == 11


def test_busy_loop_costs_a_bounded_time(tmp_path):
    # Bounded by the run-wide hang budget (2 hangs, then what is left of 4 time limits for shrinking),
    # not by the case count.
    run = _run(str(HANDLERS / "timeout_on_non_ascii.js"), tmp_path, timeout_ms=500, examples=200)
    from lpf_contract.variants import systematic_variants

    ev = run.events[EVENT]
    assert ev.skipped > 0 and "hanging" in ev.skipped_reason
    assert ev.cases + ev.skipped == len(systematic_variants(load_registry(), EVENT)) + 200


def test_shrinking_charges_hanging_candidates_to_the_hang_budget(tmp_path):
    # Shrinking the handler-error hits candidates that hang; they must not cost a time limit each
    # for up to shrink_attempts tries.
    log = tmp_path / "hangs.log"
    log.write_text("")
    options = VerifyOptions(events=(EVENT,), examples=30, seed=1, timeout_ms=300, report_dir=tmp_path,
                            env=(("HANG_LOG", str(log)),))
    run = verify(str(HANDLERS / "fails_on_agent_hangs_without_dialogs.js"), options)
    hangs = len(log.read_text().splitlines())
    assert any(f.check == "handler-error" for f in run.failures)
    # exploration stops after max_hangs (2, run-wide); shrinking may spend what is left of the run's
    # budget of max_hangs + hang_shrink_timeouts limits (one in flight may overshoot it).
    assert hangs <= options.max_hangs + options.hang_shrink_timeouts + 2, hangs
    # and the report says the budget, not the shrinker, had the last word
    assert any(f.shrink_exhausted for f in run.failures)


# -- distinct crashes, first-callback faults, hangs (real Node lambdas) ----------------------------
def test_two_type_errors_on_two_lines_are_two_failures_each_with_its_line(tmp_path):
    run = _run(str(HANDLERS / "two_type_errors_on_two_lines.js"), tmp_path, examples=30)
    assert {f.check for f in run.failures} == {"handler-error"}, [(f.check, f.message) for f in run.failures]
    errors = sorted(run.failures, key=lambda f: f.line or 0)
    assert [(f.file, f.line) for f in errors] == [("two_type_errors_on_two_lines.js", 4), ("two_type_errors_on_two_lines.js", 5)]
    assert [f.source for f in errors] == ["two_type_errors_on_two_lines.js:4", "two_type_errors_on_two_lines.js:5"]
    assert errors[0].location != errors[1].location and {f.key for f in errors} == {(EVENT, "handler-error", f.location) for f in errors}
    # each shrunk separately, and shrinking kept its identity: AGENT for line 4, URGENT ttr for line 5
    assert all(f.shrunk and f.shrink_steps > 0 for f in errors)
    assert errors[0].payload["closeReason"] == "AGENT"
    assert errors[1].payload["ttr"]["ttrType"] == "URGENT" and errors[1].payload.get("closeReason") != "AGENT"
    # the stack is trimmed to the lambda's own frames, with base names only
    for f in errors:
        # Node 14.19 (V1's) words it "Cannot read property 'x' of undefined", newer Nodes "properties of"
        assert f.stack.splitlines()[0].startswith(("TypeError: Cannot read properties of undefined", "TypeError: Cannot read property"))
        (frame,) = f.stack.splitlines()[1:]
        assert re.fullmatch(rf"    at lambda \(two_type_errors_on_two_lines\.js:{f.line}:\d+\)", frame), frame
        assert "runner.js" not in f.stack and "node:" not in f.stack


def test_first_callback_error_is_the_failure_and_the_second_a_warning(tmp_path):
    run = _run(str(HANDLERS / "first_callback_error_then_ok.js"), tmp_path, examples=20)
    by_check = {f.check: f for f in run.failures}
    assert set(by_check) == {"handler-error", "multiple-results"}, [(f.check, f.message) for f in run.failures]
    err = by_check["handler-error"]
    assert err.fault == "custom-failure" and err.error_message == "Error: agent-closed conversations are not supported"
    assert "first result" in err.message and err.source == "first_callback_error_then_ok.js:5"
    assert err.payload["closeReason"] == "AGENT" and err.shrunk and err.shrink_steps > 0
    assert by_check["multiple-results"].severity == "warning"
    assert run.verdict == "fail"


def test_first_callback_promise_is_not_serializable_not_a_missing_result(tmp_path):
    run = _run(str(HANDLERS / "first_callback_promise_then_ok.js"), tmp_path, examples=20)
    assert {f.check for f in run.failures} == {"not-serializable", "multiple-results"}, [(f.check, f.message) for f in run.failures]
    ns = next(f for f in run.failures if f.check == "not-serializable")
    assert "Promise" in ns.error_message and ns.payload["closeReason"] == "CONSUMER"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_lambda_that_always_hangs_costs_a_run_wide_budget(tmp_path, workers):
    log = tmp_path / "hangs.log"
    log.write_text("")
    options = VerifyOptions(examples=20, seed=1, timeout_ms=300, workers=workers, report_dir=tmp_path,
                            env=(("HANG_LOG", str(log)),))
    run = verify(str(HANDLERS / "busy_loop.js"), options)
    invocations = len(log.read_text().splitlines())
    # max_hangs (2) hanging cases make a hang certain; the cases already running then are killed, not
    # waited for (at most one per worker); shrinking spends what is left of the run's budget (2 limits).
    assert invocations <= options.max_hangs + options.hang_shrink_timeouts + workers, invocations
    first, second = sorted(run.events)
    from lpf_contract.variants import systematic_variants

    total = {ev: len(systematic_variants(load_registry(), ev)) + 20 for ev in run.events}
    assert run.events[first].cases == options.max_hangs  # recorded in submission order
    assert run.events[first].cases + run.events[first].skipped == total[first]
    assert "hang was certain" in run.events[first].skipped_reason and "hanging" in run.events[first].skipped_reason
    assert run.events[second].cases == 0 and run.events[second].skipped == total[second]
    assert f"in event {first}" in run.events[second].skipped_reason
    (timeout,) = run.failures
    assert timeout.check == "timeout" and timeout.event == first and timeout.shrunk


# -- interfaces of the handler layer, simulated with a fake Handler --------------------------------
class FakeHandler:
    """A Handler (handlers/base.py) whose outcomes a test decides; counts its invocations."""

    kind = "node"
    runtime = "v1"

    def __init__(self, source_path, respond):
        self.target = str(source_path)
        self.source_path = source_path.resolve()
        self.respond = respond
        self.calls = 0
        self.closed = False

    def invoke(self, event_id, input, *, timeout_ms=None):
        self.calls += 1
        return self.respond(event_id, input["payload"])

    def close(self):
        self.closed = True


def _fake_run(tmp_path, handler, **kw):
    options = VerifyOptions(examples=kw.pop("examples", 10), seed=kw.pop("seed", 3), report_dir=tmp_path, **kw)
    return Verifier(str(handler.source_path), options).run(handler=handler)


def test_a_load_phase_fault_is_one_handler_error_per_event_every_case_failed_not_shrunk(tmp_path):
    from lpf_contract.core.outcome import FaultKind, Outcome

    source = HANDLERS / "throws_at_load.js"
    message = "TypeError: Cannot read properties of undefined (reading 'split')"
    stack = (f"{message}\n    at Object.<anonymous> ({source.resolve()}:3:37)\n"
             "    at Module._compile (node:internal/modules/cjs/loader:1105:14)\n"
             "    at loadLambda (/somewhere/lpf_contract/handlers/node/runner.js:120:5)")
    load_fault = Outcome(fault=FaultKind.RUNTIME_EXCEPTION, error_code="com.liveperson.faas.handler.runtime-exception",
                         error_message=message, details={"phase": "load", "stack": stack, "line": 3})
    handler = FakeHandler(source, lambda event, payload: load_fault)
    run = _fake_run(tmp_path, handler)
    assert run.verdict == "fail"
    assert sorted(f.event for f in run.failures) == sorted(run.events)  # ONE per event
    for f in run.failures:
        assert f.check == "handler-error" and f.fault == "runtime-exception"
        assert "top-level code throws" in f.message and "every invocation fails" in f.message and message in f.message
        assert f.source == "throws_at_load.js:3"
        assert f.stack.splitlines() == [message, "    at Object.<anonymous> (throws_at_load.js:3:37)"]
        assert not f.shrunk and "fails while loading" in f.shrink_skipped
    for ev in run.events.values():
        assert ev.cases == ev.failed > 10 and ev.skipped == 0
        assert ev.coverage["percent"] == 100.0  # every case was counted, its payload included
    # Once the load fault is seen, the rest would fail alike: only the first event's sliding window of
    # cases (4 per worker) and the second event's first case really ran.
    assert handler.calls == 4 + 1


def _syntax_error(line):
    from lpf_contract.core.errors import LambdaSyntaxError

    def load_handler(target, **kw):
        raise LambdaSyntaxError(f"the platform would refuse to deploy this lambda: invalid syntax: path={target} line={line}",
                                line=line, detail="SyntaxError: Unexpected token")

    return load_handler


@pytest.mark.parametrize(("name", "line"), [("syntax_error.js", 3), ("node14_only_syntax.js", 4)])
def test_a_syntax_error_is_one_deploy_rules_finding_and_no_case_runs(tmp_path, monkeypatch, name, line):
    import lpf_contract.handlers

    monkeypatch.setattr(lpf_contract.handlers, "load_handler", _syntax_error(line))
    run = verify(str(HANDLERS / name), VerifyOptions(examples=7, report_dir=tmp_path))
    assert run.verdict == "fail" and run.failures == ()
    # lint's own syntax finding (node --check) when it sees the error, else the loader's: never both
    (syntax,) = [s for s in run.static if s.rule == "syntax"]
    assert syntax.check == "deploy-rules" and syntax.line == line
    from lpf_contract.variants import systematic_variants

    for event, ev in run.events.items():
        assert ev.cases == 0 and ev.skipped == len(systematic_variants(load_registry(), event)) + 7
        assert ev.skipped_reason == f"the lambda does not deploy: syntax error at {name}:{line}"


def test_never_called_timeouts_cost_no_hang_budget_and_still_shrink(tmp_path):
    from lpf_contract.core.outcome import FaultKind, Outcome

    never = Outcome(fault=FaultKind.TIMEOUT, error_code="com.liveperson.faas.handler.executiontime-exceeded",
                    error_message="the callback was never called and nothing was pending", duration_ms=2.0,
                    details={"never_called": True, "timeout_ms": 30000})
    handler = FakeHandler(HANDLERS / "custom_failure_on_agent.js", lambda event, payload: never)
    run = _fake_run(tmp_path, handler, examples=20)
    assert [(f.event, f.check) for f in run.failures] == [(ev, "timeout") for ev in sorted(run.events)]
    for f in run.failures:
        assert f.location == "timeout: never called" and "never called" in f.message
        assert f.shrunk and f.shrink_steps > 0 and not f.shrink_exhausted
    for ev in run.events.values():
        assert ev.skipped == 0 and ev.cases == ev.failed  # nothing skipped: they cost nothing
    assert handler.calls <= run.cases + 2 * VerifyOptions().shrink_attempts


def test_in_flight_cases_are_not_waited_for_once_a_hang_is_certain(tmp_path):
    # A handler the verifier may not replace (given by the caller): what still runs is abandoned.
    import itertools
    import threading

    from lpf_contract.core.outcome import FaultKind, Outcome

    release = threading.Event()
    numbers = itertools.count(1)

    def respond(event, payload):
        # Cases after the first two (run by the verifier's case threads, not by shrinking on the
        # main thread) run on: those running when the hang is certain must not be waited for.
        if next(numbers) > 2 and threading.current_thread().name.startswith("lpf-case"):
            release.wait(60)
        return Outcome(fault=FaultKind.TIMEOUT, duration_ms=300.0, details={"timeout_ms": 300})

    handler = FakeHandler(HANDLERS / "custom_failure_on_agent.js", respond)
    try:
        run = _fake_run(tmp_path, handler, timeout_ms=300, workers=2, examples=5)
        waited = release.is_set()
    finally:
        release.set()
    assert not waited
    first = sorted(run.events)[0]
    assert run.events[first].cases == 2 and run.events[first].skipped > 0
    assert run.failures[0].check == "timeout"
