"""lpf-contract's handler suite: one test per event and check family, deploy rules, coverage, snapshots.

Collected by the pytest plugin when ``--lpf-handler`` is given (``pytest --lpf-handler functions/x``);
each test is parametrized by handler. Every test reads one verify run (or one snapshot run) per
handler per session, so the whole module costs about one ``lpf-contract verify``.
"""

from __future__ import annotations

import json
import warnings

import pytest

from lpf_contract.pytest.plugin import describe_failure


def pytest_generate_tests(metafunc) -> None:
    from lpf_contract.contracts.registry import load_registry
    from lpf_contract.verify.checks import CHECKS

    if not {"event", "check", "golden"} & set(metafunc.fixturenames):
        return
    registry = load_registry()
    version = registry.version(metafunc.config.getoption("--lpf-version"))
    events = list(version.default_events)
    if "check" in metafunc.fixturenames:
        metafunc.parametrize("check", [c.id for c in CHECKS if c.fn is not None])
    if "event" in metafunc.fixturenames:
        metafunc.parametrize("event", events)
    if "golden" in metafunc.fixturenames:
        cases = [(ev, ex.name) for ev in events for ex in registry.examples(ev, version.name)]
        metafunc.parametrize("golden", cases, ids=[f"{ev}/{name}" for ev, name in cases])


def _only_its_events(run, event) -> None:
    # A function whose config.json names an event is verified against that event only, as verify does.
    if event not in run.events:
        pytest.skip(f"not verified against {event}: the function is verified against {', '.join(run.events)} only")


def test_check(verify_run, event, check):
    from lpf_contract.core.results import Severity

    _only_its_events(verify_run, event)
    failures = [f for f in verify_run.failures if f.event == event and f.check == check]
    # fail-on (config file): warnings fail the test too, as they fail `verify`'s verdict.
    failing = (Severity.ERROR, Severity.WARNING) if verify_run.fail_on == Severity.WARNING else (Severity.ERROR,)
    for f in failures:
        if f.severity not in failing:
            warnings.warn(describe_failure(f), stacklevel=1)
    errors = [f for f in failures if f.severity in failing]
    if errors:
        pytest.fail("\n\n".join(describe_failure(f) for f in errors), pytrace=False)


def test_every_case_checked(verify_run, event):
    """Cases whose lambda made a call nothing answered (no fixture) are not judged (issue 17): this
    fails rather than let the checks above pass on cases never checked, and names the fixtures to add."""
    _only_its_events(verify_run, event)
    ev = verify_run.events[event]
    if ev.unchecked:
        missing = [m for m in verify_run.missing_fixtures if event in m.get("events", ())]
        lines = [f"{ev.unchecked} of {ev.cases} cases could not be checked: a call had no fixture; add to the fixtures file:"]
        lines += [
            # m["cases"] counts the whole run's cases (every event): not shown per event.
            f"  {m['method']} {m['target']}: {json.dumps(m.get('suggestion'), sort_keys=True)}"
            for m in missing
        ]
        pytest.fail("\n".join(lines), pytrace=False)


def test_deploy_rules(verify_run):
    from lpf_contract.core.results import Severity

    errors = [s for s in verify_run.static if s.severity == Severity.ERROR]
    assert not errors, "\n".join(f"[{s.check}] {s.rule}: {s.message} (line {s.line})" for s in errors)


def test_full_coverage(verify_run, event):
    _only_its_events(verify_run, event)
    coverage = verify_run.events[event].coverage
    assert coverage.get("percent") == 100.0, coverage


@pytest.fixture(scope="session")
def snapshot_report(request, handler_target):
    """The SnapshotReport of ``handler_target`` (one run per handler per session)."""
    from lpf_contract.pytest.snapshots import record_command, snapshot_runs

    runs = snapshot_runs(request.config)
    if not runs.recorded(handler_target) and not request.config.getoption("--lpf-snapshot-update"):
        # A new function: nothing to compare with yet. A missing snapshot inside a recorded set still fails.
        pytest.skip(
            f"no snapshots recorded for {handler_target} in {runs.snapshot_dir(handler_target)}; "
            f"record them with: {record_command(request.config, handler_target)}"
        )
    return runs.get(handler_target)


def test_snapshot(snapshot_report, golden):
    from lpf_contract.pytest.snapshots import failure_text

    event, example = golden
    if event not in {c.event for c in snapshot_report.cases}:
        pytest.skip(f"no snapshot of {event}: the function is verified against its config.json event only")
    case = snapshot_report.case(event, example)
    if case.failed:
        pytest.fail(failure_text([case]), pytrace=False)


def test_scenario_snapshots(snapshot_report):
    """The config file's ``payloads`` scenarios are snapshotted like golden examples (as ``snapshot`` and
    ``verify --snapshot-dir`` do)."""
    from lpf_contract.pytest.snapshots import failure_text

    failed = [c for c in snapshot_report.cases if c.example.startswith("scenario-") and c.failed]
    if failed:
        pytest.fail(failure_text(failed), pytrace=False)


def test_no_orphaned_snapshots(snapshot_report):
    from lpf_contract.snapshot.compare import format_case

    orphans = [c for c in snapshot_report.orphans if c.failed]
    if orphans:
        pytest.fail(
            "\n".join(format_case(c) for c in orphans) + "\n(pytest: delete them with --lpf-snapshot-prune)", pytrace=False
        )
