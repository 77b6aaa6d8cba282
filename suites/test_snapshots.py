"""Snapshot suite: one test per golden example, comparing the handler's outcome with its recorded snapshot.

``pytest suites --handler PATH [--snapshot-dir DIR] [--snapshot-update]``; without --handler, the bundled
example handlers against ``suites/snapshots/<handler-stem>/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lpf_contract.contracts import load_registry
from lpf_contract.pytest_snapshot import snapshot_runs
from lpf_contract.snapshot import format_case

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def pytest_generate_tests(metafunc) -> None:
    if "golden" in metafunc.fixturenames:
        registry = load_registry()
        version = registry.version(metafunc.config.getoption("--lpf-version", default=None))
        cases = [(ev, ex.name) for ev in sorted(version.events) for ex in registry.examples(ev, version.name)]
        metafunc.parametrize("golden", cases, ids=[f"{ev}/{name}" for ev, name in cases])


@pytest.fixture(scope="session")
def snapshot_report(request, handler_target):
    """The SnapshotReport of ``handler_target`` (one run per handler per session)."""
    from lpf_contract.pytest_plugin import handler_targets

    runs = snapshot_runs(request.config, default_root=SNAPSHOTS, targets=handler_targets(request.config))
    return runs.get(handler_target)


def test_snapshot(snapshot_report, golden):
    event, example = golden
    case = snapshot_report.case(event, example)
    if case.failed:
        pytest.fail(format_case(case) + "\n(pytest: re-record with --snapshot-update)", pytrace=False)


def test_no_orphaned_snapshots(snapshot_report):
    orphans = [c for c in snapshot_report.orphans if c.failed]
    if orphans:
        pytest.fail("\n".join(format_case(c) for c in orphans) + "\n(pytest: delete them with --snapshot-prune)", pytrace=False)
