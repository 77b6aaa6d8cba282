"""The catalogue of toolbelt-style lambdas (tests/fixtures/lambdas/verdicts.yaml) judged end to end by
``lpf-contract verify``, the way a LivePerson developer runs it: exit code, check ids and the lambda's
own lines, as the platform would judge each lambda (issue 13, "Done when")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES

LAMBDAS = FIXTURES / "lambdas" / "verdicts"
CASES = yaml.safe_load((FIXTURES / "lambdas" / "verdicts.yaml").read_text(encoding="utf-8"))["cases"]
EVENT = "surveybot_messaging_survey_started"
CLI = Path(sys.executable).with_name("lpf-contract")


def verify(case: dict, report_dir: Path) -> tuple[subprocess.CompletedProcess, dict]:
    args = [str(LAMBDAS / a) if (LAMBDAS / a).is_file() else a for a in case.get("args", [])]
    argv = [
        str(CLI),
        "verify",
        str(LAMBDAS / case["file"]),
        "--event",
        EVENT,
        "--examples",
        "5",
        "--seed",
        "0",
        "--no-progress",
        "--report-dir",
        str(report_dir),
        *args,
    ]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=600, env={**os.environ, "CI": "true"})
    return run, json.loads((report_dir / "conformance.json").read_text(encoding="utf-8"))


def test_every_lambda_in_the_folder_has_a_verdict():
    assert sorted(c["file"] for c in CASES) == sorted(p.name for p in LAMBDAS.glob("*.js"))


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_verdict(case, tmp_path):
    run, report = verify(case, tmp_path / "reports")
    assert run.returncode == case["exit"], run.stdout + run.stderr
    assert report["handler"]["runtime"] == case["runtime"]
    failures = report["failures"]
    got = sorted((f["check"], f["line"]) for f in failures)
    assert got == sorted((f["check"], f["line"]) for f in case["failures"]), [f["location"] for f in failures]
    for want in case["failures"]:
        (f,) = [f for f in failures if (f["check"], f["line"]) == (want["check"], want["line"])]
        if "location" in want:
            assert f["location"] == want["location"]
        if "message_contains" in want:
            assert want["message_contains"] in f["message"] + "\n" + f.get("stack", "")
        if want["line"] is not None:  # every failure names the lambda's own file and line
            assert f["file"] == case["file"] and f"{case['file']}:{want['line']}" in run.stdout
    assert [(s["rule"], s["line"]) for s in report["static"]] == [(s["rule"], s["line"]) for s in case.get("static", [])]
    assert all(s["check"] == "deploy-rules" for s in report["static"])
    summary, event = report["summary"], report["events"][EVENT]
    if case.get("all_fail"):
        # Every case ran and failed, none was skipped: a load-time fault fails every invocation, and a
        # never-called timeout is answered at once, so it spends none of the run's hang budget.
        assert summary["cases"] == summary["failed"] == event["cases"] > 0 and event["skipped"] == 0
    elif case.get("deploy_refused"):
        assert event["cases"] == 0 and event["skipped"] > 0 and "does not deploy" in event["skipped_reason"]
    else:
        assert summary["failed"] == 0 and summary["cases"] > 0
