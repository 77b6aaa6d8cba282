"""`lpf-contract report` (src/lpf_contract/commands/report.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lpf_contract.report import FORMATS, load_run, schema_text

FIX = Path(__file__).parent / "fixtures" / "report"


@pytest.mark.parametrize("fmt", ["md", "html", "junit", "json"])
def test_rerender_to_file_matches_the_writer(run_cli, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    code, stdout, err = run_cli("report", FIX / "fail.json", "--format", fmt, "-o", out)
    assert (code, stdout, err) == (0, "", "")
    assert out.read_text(encoding="utf-8") == FORMATS[fmt](load_run(FIX / "fail.json"))


def test_default_is_markdown_on_stdout(run_cli):
    code, out, _ = run_cli("report", FIX / "pass.json")
    assert code == 0 and out.startswith("# ✅ PASS")


def test_schema_flag_prints_the_shipped_schema(run_cli):
    code, out, _ = run_cli("report", "--schema")
    assert code == 0 and out == schema_text() and json.loads(out)["title"]


@pytest.mark.parametrize(
    "content, expect",
    [
        ("{not json", "report is not JSON: path="),
        ('{"tool": {}}', "not a conformance report: path="),
        ("[]", "not a conformance report: path="),
    ],
)
def test_bad_input_is_exit_2_with_one_line(run_cli, tmp_path, content, expect):
    bad = tmp_path / "conformance.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run_cli("report", bad, "--format", "html")
    assert code == 2 and out == ""
    assert expect in err and err.count("\n") == 1


def test_missing_file_is_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("report", tmp_path / "nope.json")
    assert code == 2 and "report not found: path=" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("report",),
        ("report", str(FIX / "pass.json"), "--schema"),
        ("report", "--compare", str(FIX / "pass.json"), str(FIX / "fail.json"), "--format", "html"),
    ],
)
def test_usage_errors_are_exit_2(run_cli, argv):
    code, _, err = run_cli(*argv)
    assert code == 2 and "error:" in err


def test_compare_exit_codes_and_formats(run_cli):
    code, out, _ = run_cli("report", "--compare", FIX / "pass.json", FIX / "fail.json")
    assert code == 1 and "regressed=5" in out
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", FIX / "pass.json", "--format", "json")
    assert code == 0 and len(json.loads(out)["fixed"]) == 5
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", FIX / "fail.json", "--format", "md")
    assert code == 0 and "## Still failing (5)" in out


def test_compare_of_runs_over_different_events_lists_the_uncovered_not_fixed(run_cli, tmp_path):
    import json

    old = json.loads((FIX / "fail.json").read_text())
    failing_events = sorted({f["event"] for f in old["failures"]})
    new = json.loads((FIX / "pass.json").read_text())
    # The new run covered only an event where the old one had no failure.
    kept = "conversational_command"
    assert kept not in failing_events
    new["events"] = {kept: next(iter(new["events"].values()))}
    (tmp_path / "new.json").write_text(json.dumps(new))
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", tmp_path / "new.json", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert {i["event"] for i in doc["not_covered"]} == set(failing_events)
    assert all(i["event"] not in failing_events for i in doc["fixed"])  # only the deploy rule is fixed
    assert doc["new"]["events"] == [kept]
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", tmp_path / "new.json")
    assert "not covered by the new run:" in out


def test_compare_with_a_run_that_could_not_check_exits_1(run_cli, tmp_path):
    import json

    errored = json.loads((FIX / "pass.json").read_text())
    errored.update(events={}, failures=[], static=[], reason="unknown event id='nope'; run `lpf-contract contracts`")
    errored["summary"]["verdict"] = "error"
    (tmp_path / "err.json").write_text(json.dumps(errored))
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", tmp_path / "err.json")
    assert code == 1
    assert "verdict: fail -> error" in out and "fixed=0" in out and "could not check the handler" in out
    code, out, _ = run_cli("report", "--compare", FIX / "fail.json", tmp_path / "err.json", "--format", "md")
    assert "The new run could not check the handler" in out


def test_report_format_text_renders_a_saved_report(run_cli):
    code, out, err = run_cli("report", FIX / "fail.json", "--format", "text")
    assert code == 0, err
    assert out.startswith("FAIL: ") and "[handler-error]" in out and "[deploy-rules]" in out
    assert "repro: lpf-contract verify" in out and "<" not in out.splitlines()[0]
