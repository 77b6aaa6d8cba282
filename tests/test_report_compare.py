from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from lpf_contract.core.results import Severity
from lpf_contract.report import load_run
from lpf_contract.report.compare import STATIC_EVENT, compare, render_json, render_md, render_text

FIX = Path(__file__).parent / "fixtures" / "report"
END = "surveybot_messaging_survey_ended"


def run(name):
    return load_run(FIX / f"{name}.json")


def keys(items):
    return {i.key for i in items}


def test_fixing_everything():
    old, new = run("fail"), run("pass")
    c = compare(old, new)
    assert keys(c.fixed) == {f.key for f in old.failures} | {(STATIC_EVENT, "deploy-rules", "no-eval")}
    assert c.regressed == () and c.still_failing == ()
    assert c.exit_code == 0


def test_a_new_error_is_a_regression_and_exits_1():
    c = compare(run("pass"), run("fail"))
    assert len(c.regressed) == 5 and c.regressed_errors == 4
    assert c.exit_code == 1
    assert c.regressed[0].severity == Severity.ERROR  # errors listed first


def test_a_new_warning_alone_does_not_fail():
    old = run("fail")
    warning = next(f for f in old.failures if f.severity == Severity.WARNING)
    base = dataclasses.replace(old, failures=tuple(f for f in old.failures if f is not warning))
    c = compare(base, old)
    assert keys(c.regressed) == {warning.key} and c.exit_code == 0


def test_same_key_with_another_message_is_still_failing_not_new():
    old = run("fail")
    reworded = tuple(dataclasses.replace(f, message=f.message + " (reworded)") for f in old.failures)
    c = compare(old, dataclasses.replace(old, failures=reworded))
    assert c.regressed == () and c.fixed == () and len(c.still_failing) == len(old.failures) + 1


def test_coverage_change():
    c = compare(run("fail"), run("pass"))
    end = next(ch for ch in c.coverage if ch.event == END)
    assert round(end.delta, 1) == 9.7
    assert end.enum_newly_covered == ("/closeReason=SYSTEM",) and end.enum_newly_missing == ()
    back = next(ch for ch in compare(run("pass"), run("fail")).coverage if ch.event == END)
    assert back.optional_newly_missing == ("/context/clientProperties/os present", "/effectiveTTR absent")


def test_event_only_in_one_run():
    c = compare(run("interrupted"), run("pass"))
    started = next(ch for ch in c.coverage if ch.event == "surveybot_messaging_survey_started")
    assert started.old is None and started.delta is None
    assert "not run -> 100%" in render_text(c)


def test_renderings_agree():
    c = compare(run("pass"), run("fail"))
    d = json.loads(render_json(c))
    assert len(d["regressed"]) == 5 and d["regressed_errors"] == 4 and d["fixed"] == []
    assert "fixed=0 regressed=5 (errors=4)" in render_text(c)
    md = render_md(c)
    assert md.startswith("# ❌ 5 regressed, 0 fixed")
    assert "&lt;script&gt;" in md and "<script>" not in md
