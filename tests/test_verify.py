"""verify finds every planted fault with the right check id and shrinks it; correct handlers pass."""

from __future__ import annotations

import json

import pytest

from lpf_contract.contracts import load_registry, resolve_pointer
from lpf_contract.verify import VerifyOptions, verify
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
    # Bounded by the hang budget (3 hangs, then about 4 time limits of shrinking), not by the case count.
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
    # exploration stops after max_hangs (3); shrinking may spend about hang_shrink_timeouts (4) limits
    # on hanging candidates for the whole event (one in flight may overshoot it).
    assert hangs <= options.max_hangs + options.hang_shrink_timeouts + 2, hangs
    # and the report says the budget, not the shrinker, had the last word
    assert any(f.shrink_exhausted for f in run.failures)
