"""`pytest -n 2 --lpf-handler H` (pytest-xdist) gives the same verdicts as `-n 0`.

Each run is a separate pytest process over a passing and a failing handler, seeded by CI=true; the
per-test outcomes come from its JUnit XML.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HANDLERS = (
    FIXTURES / "handlers/node/v1/ok_callback.js",  # passes every check
    FIXTURES / "verify/handlers/runtime_exception_without_ttr.js",  # fails handler-error on both events
)


def _run_suite(tmp: Path, workers: int) -> tuple[dict[str, tuple[str, str]], str]:
    """({test id: (outcome, failure message)}, pytest's stdout) of one run of suites/test_verify.py."""
    junit = tmp / f"n{workers}.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONBREAKPOINT"))}
    # No third-party plugin auto-loading: the run loads exactly xdist and the repo's own plugins.
    env.update(CI="true", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    argv = [sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-p", "lpf_contract.pytest.plugin", "-p", "no:cacheprovider", "--rootdir", str(REPO),
            "-v", "-n", str(workers), "--lpf-examples", "8", "--junitxml", str(junit), "suites/test_handler.py", "-k", "not snapshot"]
    for h in HANDLERS:
        argv += ["--lpf-handler", str(h)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode in (0, 1), f"pytest -n {workers} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            node = case.find(kind)
            if node is not None:
                outcome, message = kind, (node.get("message") or "").splitlines()[0] if node.get("message") else ""
                break
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = (outcome, message)
    return outcomes, proc.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xdist")
    return {n: _run_suite(tmp, n) for n in (0, 2)}


def test_serial_run_has_both_verdicts(runs):
    # Without a pass and a failure, equal outcomes would prove little.
    kinds = {outcome for outcome, _ in runs[0][0].values()}
    assert {"passed", "failure"} <= kinds, kinds
    assert all(msg for outcome, msg in runs[0][0].values() if outcome == "failure"), "failures without a message compare as equal"


def test_two_workers_share_the_tests(runs):
    workers = set(re.findall(r"\[gw(\d+)\]", runs[2][1]))
    assert workers == {"0", "1"}, runs[2][1][-2000:]


def test_same_tests_run(runs):
    assert sorted(runs[2][0]) == sorted(runs[0][0])


def test_same_outcome_per_test(runs):
    serial, parallel = runs[0][0], runs[2][0]
    differ = {t: (serial[t][0], parallel.get(t, ("missing", ""))[0]) for t in serial if serial[t][0] != parallel.get(t, ("missing",))[0]}
    assert not differ, differ


def test_same_failure_messages(runs):
    serial, parallel = runs[0][0], runs[2][0]
    failed = {t: v[1] for t, v in serial.items() if v[0] == "failure"}
    assert failed == {t: parallel[t][1] for t in failed}
