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
    assert code == 2 and "cannot read report" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("report",),
        ("report", str(FIX / "pass.json"), "--schema"),
        ("report", str(FIX / "pass.json"), "--format", "text"),
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
