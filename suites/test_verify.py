"""Property-based verification of a handler: one test per event and check family.

``pytest suites --handler PATH``; without --handler, the bundled example handlers.
"""

from __future__ import annotations

import warnings

import pytest

from lpf_contract.checks import CHECKS
from lpf_contract.contracts import load_registry
from lpf_contract.model import Severity
from lpf_contract.pytest_plugin import describe_failure

EVENTS = sorted(load_registry().version().events)
CASE_CHECKS = [c.id for c in CHECKS if c.fn is not None]


@pytest.mark.parametrize("check", CASE_CHECKS)
@pytest.mark.parametrize("event", EVENTS)
def test_check(verify_run, event, check):
    failures = [f for f in verify_run.failures if f.event == event and f.check == check]
    for f in failures:
        if f.severity == Severity.WARNING:
            warnings.warn(describe_failure(f), stacklevel=1)
    errors = [f for f in failures if f.severity == Severity.ERROR]
    if errors:
        pytest.fail("\n\n".join(describe_failure(f) for f in errors), pytrace=False)


def test_deploy_rules(verify_run):
    errors = [s for s in verify_run.static if s.severity == Severity.ERROR]
    assert not errors, "\n".join(f"[{s.check}] {s.rule}: {s.message} (line {s.line})" for s in errors)


@pytest.mark.parametrize("event", EVENTS)
def test_full_coverage(verify_run, event):
    coverage = verify_run.events[event].coverage
    assert coverage.get("percent") == 100.0, coverage
