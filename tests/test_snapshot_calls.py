"""Snapshots of a lambda's external calls (issue 17): recorded, compared, masked, and a case whose call
no fixture answers reported as unchecked instead of diffed or written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lpf_contract.contracts import load_registry
from lpf_contract.core.outcome import CallAnswer, ExternalCall, FaultKind, Outcome
from lpf_contract.pytest.snapshots import failure_text
from lpf_contract.snapshot.compare import call_changes, format_case, format_report
from lpf_contract.snapshot.mask import outcome_snapshot
from lpf_contract.snapshot.model import IGNORED, ChangeKind, Status
from lpf_contract.snapshot.run import run_snapshots

ENDED = "surveybot_messaging_survey_ended"
MAIL = "https://api.mail.example/v3/send"
SUGGESTION = {"request": {"method": "POST", "url": MAIL}, "response": {"status": 200, "body": {}}}


@dataclass
class CallingHandler:
    """A Handler whose every invocation returns ``result`` after making ``calls``."""

    calls: tuple[ExternalCall, ...] = ()
    result: object = "ok"
    target: str = "fake"
    kind: str = "python"
    runtime: str | None = None
    source_path: Path | None = None
    seen: list = field(default_factory=list)

    def invoke(self, event_id, input, *, timeout_ms=None):
        self.seen.append(event_id)
        return Outcome(result=self.result, has_result=True, calls=self.calls)

    def close(self):
        pass


def mail(status=200, *, answer=CallAnswer.FIXTURE, url=MAIL, method="POST", **kw) -> ExternalCall:
    return ExternalCall(kind="http", via="fetch", method=method, target=url, answer=answer, status=status, **kw)


def no_fixture() -> ExternalCall:
    return ExternalCall(
        kind="http",
        via="fetch",
        method="POST",
        target=MAIL,
        answer=CallAnswer.NO_FIXTURE,
        error="no fixture for POST " + MAIL,
        suggestion=SUGGESTION,
    )


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def run(handler, tmp_path, registry, **kw):
    kw.setdefault("events", (ENDED,))
    return run_snapshots(handler, registry=registry, snapshot_dir=tmp_path / "snaps", **kw)


def test_a_snapshot_records_each_call_without_durations_errors_or_fixture_names():
    call = mail(fixture="mail ok", error=None)
    doc = outcome_snapshot(Outcome(result="ok", has_result=True, calls=(call, mail(500, fixture="mail down"))))
    assert doc["calls"] == [
        {"kind": "http", "via": "fetch", "method": "POST", "target": MAIL, "answer": "fixture", "status": 200},
        {"kind": "http", "via": "fetch", "method": "POST", "target": MAIL, "answer": "fixture", "status": 500},
    ]
    # a call with no HTTP answer records no status (not a null the next run must reproduce)
    refused = mail(None, answer=CallAnswer.ALLOW_LIST, error="connect ECONNREFUSED 127.0.0.1:39211")
    assert outcome_snapshot(Outcome(fault=FaultKind.CUSTOM_FAILURE, calls=(refused,)))["calls"] == [
        {"kind": "http", "via": "fetch", "method": "POST", "target": MAIL, "answer": "allow-list"}
    ]


def test_no_calls_no_key_so_older_snapshot_files_keep_matching(tmp_path, registry):
    # A file written before calls were recorded: exactly what the old code wrote.
    report = run(CallingHandler(), tmp_path, registry, update=True)
    files = sorted((tmp_path / "snaps").rglob("*.json"))
    assert files and all("calls" not in json.loads(p.read_text()) for p in files)
    for p in files:
        p.write_text(json.dumps({"log_count": 0, "result": "ok"}, sort_keys=True, indent=2) + "\n")
    again = run(CallingHandler(), tmp_path, registry)
    assert again.passed and again.count(Status.MATCHED) == len(report.cases)


def test_a_new_call_is_a_change_with_a_readable_message(tmp_path, registry):
    run(CallingHandler(), tmp_path, registry, update=True)
    report = run(CallingHandler(calls=(mail(),)), tmp_path, registry)
    assert not report.passed
    case = report.failures[0]
    assert case.status == Status.CHANGED
    (change,) = case.changes
    assert (change.path, change.kind) == ("$.calls", ChangeKind.ADDED)
    text = format_case(case)
    assert "external calls changed (- recorded, + now):" in text
    assert f"+ POST {MAIL} (via fetch) -> 200 [fixture]" in text


def test_a_call_gone_and_a_status_changed_are_changes(tmp_path, registry):
    run(CallingHandler(calls=(mail(), mail(url="https://crm.example/x", method="GET"))), tmp_path, registry, update=True)
    gone = run(CallingHandler(calls=(mail(),)), tmp_path, registry).failures[0]
    assert [(c.path, c.kind) for c in gone.changes] == [("$.calls[1]", ChangeKind.REMOVED)]
    assert "- GET https://crm.example/x (via fetch) -> 200 [fixture]" in format_case(gone)
    status = run(CallingHandler(calls=(mail(500), mail(url="https://crm.example/x", method="GET"))), tmp_path, registry)
    (change,) = status.failures[0].changes
    assert (change.path, change.old, change.new) == ("$.calls[0].status", 200, 500)
    assert call_changes(status.failures[0].recorded, status.failures[0].observed) == [
        f"- POST {MAIL} (via fetch) -> 200 [fixture]",
        f"+ POST {MAIL} (via fetch) -> 500 [fixture]",
    ]


def test_the_same_calls_match(tmp_path, registry):
    run(CallingHandler(calls=(mail(),)), tmp_path, registry, update=True)
    assert run(CallingHandler(calls=(mail(),)), tmp_path, registry).passed


def test_ignore_path_masks_call_targets(tmp_path, registry):
    run(CallingHandler(calls=(mail(url=MAIL + "?ts=1"),)), tmp_path, registry, update=True, ignore_paths=["$.calls[*].target"])
    recorded = json.loads(next((tmp_path / "snaps").rglob("*.json")).read_text())
    assert recorded["calls"][0]["target"] == IGNORED
    masked = run(CallingHandler(calls=(mail(url=MAIL + "?ts=2"),)), tmp_path, registry, ignore_paths=["$.calls[*].target"])
    assert masked.passed
    unmasked = run(CallingHandler(calls=(mail(url=MAIL + "?ts=2"),)), tmp_path, registry)
    assert not unmasked.passed  # the mask, not a blind spot, made the first pass


def test_a_call_without_a_fixture_is_unchecked_not_a_diff_and_never_written(tmp_path, registry):
    handler = CallingHandler(calls=(mail(), no_fixture(), no_fixture()))
    created = run(handler, tmp_path, registry, update=True)
    assert {c.status for c in created.cases} == {Status.UNCHECKED}
    assert not (tmp_path / "snaps").exists()  # not even --update records an outcome nothing could answer
    assert not created.passed and created.unchecked == created.cases
    case = created.cases[0]
    assert case.changes == ()
    assert case.missing == ({"via": "fetch", "method": "POST", "target": MAIL, "suggestion": SUGGESTION},)  # once
    text = format_case(case)
    assert text.startswith(f"UNCHECKED {ENDED}/")
    assert "not compared (and not recorded)" in text and f"no fixture for POST {MAIL} (via fetch)" in text
    assert "      http:\n      - request:\n          method: POST\n          url: " + MAIL in text
    assert f"unchecked={len(created.cases)}" in format_report(created)
    doc = created.to_dict()
    assert doc["unchecked"] == len(created.cases) and doc["verdict"] == "fail"
    assert doc["cases"][0]["missing_fixtures"] == [dict(case.missing[0])]
    assert doc["cases"][0]["changes"] == []


def test_an_unchecked_case_keeps_its_recorded_file_untouched(tmp_path, registry):
    run(CallingHandler(calls=(mail(),)), tmp_path, registry, update=True)
    before = {p: p.read_text() for p in (tmp_path / "snaps").rglob("*.json")}
    report = run(CallingHandler(calls=(no_fixture(),)), tmp_path, registry, update=True)
    assert {c.status for c in report.cases} == {Status.UNCHECKED}
    assert {p: p.read_text() for p in (tmp_path / "snaps").rglob("*.json")} == before


def test_summary_line_of_a_run_without_gaps_is_unchanged(tmp_path, registry):
    report = run(CallingHandler(calls=(mail(),)), tmp_path, registry, update=True)
    assert "unchecked" not in format_report(report)


def test_pytest_failure_text_says_what_fixes_it(tmp_path, registry):
    unchecked = run(CallingHandler(calls=(no_fixture(),)), tmp_path, registry).cases
    assert "add the fixtures above to the fixtures file" in failure_text(unchecked[:1])
    assert "--lpf-snapshot-update" not in failure_text(unchecked[:1])
    run(CallingHandler(), tmp_path / "b", registry, update=True)
    changed = run(CallingHandler(calls=(mail(),)), tmp_path / "b", registry).failures
    assert failure_text(changed[:1]).endswith("(pytest: re-record with --lpf-snapshot-update)")


def test_exit_code_ranks_a_difference_over_a_gap(tmp_path, registry):
    run(CallingHandler(calls=(mail(),)), tmp_path, registry, update=True)
    assert run(CallingHandler(calls=(mail(),)), tmp_path, registry).exit_code == 0
    assert run(CallingHandler(calls=(mail(500),)), tmp_path, registry).exit_code == 1
    assert run(CallingHandler(calls=(no_fixture(),)), tmp_path, registry).exit_code == 2


def test_exit_code_with_both_a_change_and_a_gap_is_1(tmp_path, registry):
    class Mixed(CallingHandler):
        def invoke(self, event_id, input, *, timeout_ms=None):
            calls = (no_fixture(),) if input["payload"].get("closeReason") == "CONSUMER" else (mail(500),)
            return Outcome(result="ok", has_result=True, calls=calls)

    run(CallingHandler(calls=(mail(),)), tmp_path, registry, update=True)
    report = run(Mixed(), tmp_path, registry)
    assert {c.status for c in report.cases} == {Status.CHANGED, Status.UNCHECKED}
    assert report.exit_code == 1


def test_pytest_terminal_summary_lists_unchecked_snapshots(tmp_path, registry):
    from types import SimpleNamespace

    from lpf_contract.pytest.plugin import STATE
    from lpf_contract.pytest.snapshots import terminal_summary

    report = run(CallingHandler(calls=(no_fixture(),)), tmp_path, registry, update=True)
    lines: list[str] = []
    reporter = SimpleNamespace(section=lambda title: lines.append(f"== {title}"), write_line=lines.append)
    config = SimpleNamespace(stash={STATE: SimpleNamespace(snapshot_runs=SimpleNamespace(reports={"fake.js": report}))})
    terminal_summary(reporter, config)
    assert lines[0] == "== snapshots not checked for fake.js (a call no fixture answers)"
    assert lines[1] == f"UNCHECKED {report.cases[0].name}: POST {MAIL}"
    assert len(lines) == 1 + len(report.cases)  # nothing listed as written
