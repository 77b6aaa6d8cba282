"""pytest plugin: ``pytest suites --handler PATH`` runs the contract suites against that handler.

Loaded by the top-level conftest.py. Without ``--handler`` the suites run against the bundled
example handlers. One verify run per handler per session feeds every test (same engine as the CLI).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED_HANDLERS = (
    "examples/handlers/survey_v1.js",
    "examples/handlers/survey_v2.js",
    "examples/handlers/survey_handler.py:handle",
)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("lpf-contract")
    group.addoption("--handler", action="append", default=[], metavar="TARGET",
                    help="handler to verify (JS file/folder, file.py:function, http(s) URL); repeatable; default: the bundled examples")
    group.addoption("--lpf-examples", type=int, default=200, metavar="N", help="generated payloads per event (default 200)")
    group.addoption("--lpf-seed", type=int, default=None, metavar="N", help="seed (default: 0 under CI=true, random otherwise)")
    group.addoption("--lpf-timeout-ms", type=int, default=30000, metavar="MS", help="time limit per invocation")
    group.addoption("--lpf-version", default=None, metavar="V", help="contract version (default: current)")
    group.addoption("--lpf-runtime", default=None, choices=("v1", "v2"), help="force the Node runtime")
    group.addoption("--lpf-report-dir", default="reports/pytest", metavar="DIR",
                    help="where each handler's reports and repro payloads go: DIR/<handler>/ (default reports/pytest)")


def pytest_configure(config) -> None:
    # One seed for the whole session, chosen on the controller: xdist workers receive the
    # controller's options, so `-n 2` verifies exactly what `-n 0` does, and the seed is printed.
    if not hasattr(config, "workerinput") and config.getoption("--lpf-seed", default=None) is None:
        from lpf_contract.verify import resolve_seed

        config.option.lpf_seed = resolve_seed(None)


def pytest_report_header(config) -> str:
    return f"lpf-contract: seed={config.getoption('--lpf-seed')} (re-run with --lpf-seed N)"


def handler_targets(config) -> list[str]:
    given = config.getoption("--handler")
    if given:
        return list(given)
    return [t if t.startswith("http") else str(REPO / t) for t in BUNDLED_HANDLERS]


def pytest_generate_tests(metafunc) -> None:
    if "handler_target" in metafunc.fixturenames:
        targets = handler_targets(metafunc.config)
        metafunc.parametrize("handler_target", targets, ids=[_short(t) for t in targets], scope="session")


def _short(target: str) -> str:
    if target.startswith(("http://", "https://")):
        return target
    path, sep, func = target.rpartition(":") if ".py:" in target else (target, "", "")
    return Path(path).name + (f":{func}" if sep else "")


class _Runs:
    """One verify run per handler target per session (per xdist worker)."""

    def __init__(self, config) -> None:
        self.config = config
        self.results: dict[str, object] = {}

    def get(self, target: str):
        if target not in self.results:
            from lpf_contract.verify import VerifyOptions, verify

            from lpf_contract.pytest_snapshot import handler_stem
            from lpf_contract.report import write_reports

            o = self.config.getoption
            report_dir = Path(o("--lpf-report-dir")) / handler_stem(target)
            options = VerifyOptions(
                examples=o("--lpf-examples"), seed=o("--lpf-seed"), timeout_ms=o("--lpf-timeout-ms"),
                version=o("--lpf-version"), runtime=o("--lpf-runtime"), target_label=target, report_dir=report_dir,
            )
            result = verify(target, options)
            # The repro commands in failure messages name files under report_dir: write them.
            write_reports(result, report_dir)
            self.results[target] = result
        return self.results[target]


@pytest.fixture(scope="session")
def lpf_runs(request) -> _Runs:
    runs = getattr(request.config, "_lpf_runs", None)
    if runs is None:
        runs = request.config._lpf_runs = _Runs(request.config)
    return runs


@pytest.fixture(scope="session")
def verify_run(lpf_runs, handler_target):
    """The RunResult of verifying ``handler_target`` (computed once per session)."""
    return lpf_runs.get(handler_target)


def describe_failure(f) -> str:
    """A readable account of one failure: message, minimal payload, result, logs, repro."""
    payload = json.dumps(f.payload, indent=2, sort_keys=True, ensure_ascii=False)
    lines = [
        f"[{f.check}] {f.event}: {f.message}",
        f"  fault={f.fault or 'none'} occurrences={f.occurrences} shrunk={f.shrunk}",
        f"  result={json.dumps(f.result, ensure_ascii=False) if f.has_result else '(none)'}",
    ]
    lines += [f"  log.{x['level']}: {x['text']}" for x in f.logs]
    lines += ["  minimal payload:", *("    " + x for x in payload.splitlines()), f"  repro: {f.repro}"]
    return "\n".join(lines)
