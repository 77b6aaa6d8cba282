"""Snapshot tests: recording, comparing, diffs, --update/--prune/--ignore-path, the CLI and the pytest suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lpf_contract.cli import main
from lpf_contract.contracts import load_registry
from lpf_contract.core.errors import InputFileError, UnknownEventError, UnknownVersionError, UsageError
from lpf_contract.core.outcome import FaultKind, LogEntry, Outcome
from lpf_contract.pytest.snapshots import handler_stem
from lpf_contract.snapshot.compare import diff, format_case, format_report
from lpf_contract.snapshot.mask import dumps
from lpf_contract.snapshot.model import IGNORED, ChangeKind, Status
from lpf_contract.snapshot.run import run_snapshots

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "snapshot"
HANDLERS = FIXTURES / "handlers"
ENDED = "surveybot_messaging_survey_ended"
STARTED = "surveybot_messaging_survey_started"


@dataclass
class FakeHandler:
    """A Handler whose outcome is a function of (event, payload); records each call."""

    answer: object
    target: str = "fake"
    kind: str = "python"
    runtime: str | None = None
    source_path: Path | None = None
    calls: list = field(default_factory=list)
    closed: bool = False

    def invoke(self, event_id, input, *, timeout_ms=None):
        self.calls.append((event_id, input["payload"]))
        return self.answer(event_id, input["payload"])

    def close(self):
        self.closed = True


def thanks(word="survey", logs=1):
    def answer(event, payload):
        entries = tuple(LogEntry("info", f"log {i}") for i in range(logs))
        if payload.get("closeReason") == "CONSUMER":
            return Outcome(
                result=[{"type": "systemMessage", "text": f"Thank you for taking our {word}. Merci, ça va"}],
                has_result=True,
                logs=entries,
            )
        return Outcome(result="ok", has_result=True, logs=entries)

    return answer


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def ended_names(registry):
    return [ex.name for ex in registry.examples(ENDED)]  # the registry's order: by file name


@pytest.fixture(scope="module")
def consumer_names(registry):
    return sorted(ex.name for ex in registry.examples(ENDED) if ex.payload.get("closeReason") == "CONSUMER")


def run(handler, tmp_path, registry, **kw):
    kw.setdefault("events", (ENDED,))
    return run_snapshots(handler, registry=registry, snapshot_dir=tmp_path / "snaps", **kw)


# -- recording and comparing --------------------------------------------------------------------------
def test_update_records_every_golden_example_as_canonical_json(tmp_path, registry, ended_names):
    report = run(FakeHandler(thanks()), tmp_path, registry, update=True)
    assert [c.example for c in report.cases] == ended_names
    assert {c.status for c in report.cases} == {Status.CREATED}
    assert report.passed
    for case in report.cases:
        text = case.path.read_text(encoding="utf-8")
        assert case.path == tmp_path / "snaps" / ENDED / f"{case.example}.json"
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        assert json.loads(text) == case.observed
    consumer = next(c for c in report.cases if isinstance(c.observed["result"], list))
    assert "ça va" in consumer.path.read_text(encoding="utf-8")  # ensure_ascii=False: text kept as written


def test_unchanged_rerun_matches_and_writes_nothing(tmp_path, registry, ended_names):
    run(FakeHandler(thanks()), tmp_path, registry, update=True)
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "snaps").rglob("*.json")}
    report = run(FakeHandler(thanks()), tmp_path, registry)
    assert report.passed
    assert report.count(Status.MATCHED) == len(ended_names)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "snaps").rglob("*.json")} == mtimes


def test_missing_snapshots_fail_without_update_and_nothing_is_written(tmp_path, registry, ended_names):
    report = run(FakeHandler(thanks()), tmp_path, registry)
    assert not report.passed
    assert report.count(Status.MISSING) == len(ended_names)
    assert not (tmp_path / "snaps").exists()
    assert "record it with --update" in format_case(report.cases[0])
    assert f"MISSING all {len(ended_names)} snapshots" in format_report(report)


def test_one_word_change_fails_with_a_diff_naming_both_texts(tmp_path, registry, ended_names, consumer_names):
    run(FakeHandler(thanks("survey")), tmp_path, registry, update=True)
    before = {p: p.read_text() for p in (tmp_path / "snaps").rglob("*.json")}
    report = run(FakeHandler(thanks("poll")), tmp_path, registry)
    assert not report.passed
    assert sorted(c.example for c in report.failures) == consumer_names
    case = report.failures[0]
    assert case.status == Status.CHANGED
    (change,) = case.changes
    assert change.path == "$.result[0].text"
    assert change.kind == ChangeKind.CHANGED
    assert change.old == "Thank you for taking our survey. Merci, ça va"
    assert change.new == "Thank you for taking our poll. Merci, ça va"
    text = format_case(case)
    assert '"Thank you for taking our survey. Merci, ça va"' in text and '"Thank you for taking our poll. Merci, ça va"' in text
    assert "words: -survey +poll" in text
    assert {p: p.read_text() for p in (tmp_path / "snaps").rglob("*.json")} == before


def test_update_rewrites_only_changed_snapshots_and_lists_them(tmp_path, registry, ended_names, consumer_names):
    run(FakeHandler(thanks("survey")), tmp_path, registry, update=True)
    report = run(FakeHandler(thanks("poll")), tmp_path, registry, update=True)
    assert report.passed
    assert sorted(c.example for c in report.cases if c.status == Status.UPDATED) == consumer_names
    assert report.count(Status.MATCHED) == len(ended_names) - len(consumer_names)
    summary = format_report(report)
    assert f"unchanged={len(ended_names) - len(consumer_names)} created=0 updated={len(consumer_names)}" in summary
    assert all(f"UPDATED {ENDED}/{name}" in summary for name in consumer_names)
    assert run(FakeHandler(thanks("poll")), tmp_path, registry).passed


def test_fault_kind_code_and_log_count_are_compared(tmp_path, registry):
    run(FakeHandler(thanks(logs=1)), tmp_path, registry, update=True)

    def faulting(event, payload):
        return Outcome(
            fault=FaultKind.CUSTOM_FAILURE,
            error_code="com.liveperson.faas.handler.custom-failure",
            error_message="boom",
            logs=(LogEntry("error", "x"), LogEntry("error", "y")),
        )

    report = run(FakeHandler(faulting), tmp_path, registry)
    changes = {c.path: c for c in report.failures[0].changes}
    assert set(changes) == {"$.fault", "$.log_count", "$.result"}
    assert changes["$.fault"].kind == ChangeKind.ADDED
    assert changes["$.fault"].new == {"kind": "custom-failure", "code": "com.liveperson.faas.handler.custom-failure"}
    assert changes["$.result"].kind == ChangeKind.REMOVED
    assert (changes["$.log_count"].old, changes["$.log_count"].new) == (1, 2)


def test_error_message_and_log_texts_are_not_recorded(tmp_path, registry):
    def faulting(message):
        return lambda event, payload: Outcome(
            fault=FaultKind.RUNTIME_EXCEPTION, error_code="c", error_message=message, logs=(LogEntry("info", message),)
        )

    run(FakeHandler(faulting("at line 1")), tmp_path, registry, update=True)
    assert run(FakeHandler(faulting("at line 2")), tmp_path, registry).passed


def test_json_types_are_told_apart():
    assert diff({"a": 1}, {"a": 1}) == ()
    assert diff({"a": 1}, {"a": True})[0].kind == ChangeKind.TYPE
    assert diff({"a": 1}, {"a": 1.0})[0].kind == ChangeKind.TYPE
    assert diff("ok", [{"type": "closeConversation"}])[0].path == "$"
    added = diff([1], [1, 2])
    assert [(c.path, c.kind, c.new) for c in added] == [("$[1]", ChangeKind.ADDED, 2)]


@pytest.mark.parametrize("key", ["text", "a b", "it's", 'say "hi"', "x-y", "ünï", "0", "where", "$"])
def test_diff_paths_are_jsonpaths_that_select_the_new_value(key):
    from jsonpath_ng.ext import parse

    new = {"result": [{key: "after"}]}
    (change,) = diff({"result": [{key: "before"}]}, new)
    assert [m.value for m in parse(change.path).find(new)] == ["after"]


# -- orphans, prune, events ---------------------------------------------------------------------------
def test_orphaned_snapshots_fail_and_prune_deletes_them(tmp_path, registry):
    run(FakeHandler(thanks()), tmp_path, registry, update=True, events=())
    stale = tmp_path / "snaps" / ENDED / "renamed-example.json"
    gone_event = tmp_path / "snaps" / "surveybot_removed_event" / "seed-full.json"
    for path in (stale, gone_event):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps({"log_count": 0, "result": "ok"}))

    report = run(FakeHandler(thanks()), tmp_path, registry, events=())
    assert not report.passed
    assert sorted((c.path, c.status) for c in report.orphans) == sorted([(stale, Status.ORPHANED), (gone_event, Status.ORPHANED)])
    assert "--prune" in format_case(report.orphans[0])
    assert stale.exists() and gone_event.exists()

    # One event selected: only that event's folder is looked at.
    one = run(FakeHandler(thanks()), tmp_path, registry, events=(ENDED,))
    assert [c.path for c in one.orphans] == [stale]

    pruned = run(FakeHandler(thanks()), tmp_path, registry, events=(), prune=True)
    assert pruned.passed
    assert {c.status for c in pruned.orphans} == {Status.PRUNED}
    assert not stale.exists() and not gone_event.exists()
    assert run(FakeHandler(thanks()), tmp_path, registry, events=()).passed


def test_update_alone_does_not_delete_orphans(tmp_path, registry):
    stale = tmp_path / "snaps" / ENDED / "renamed-example.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(dumps({"log_count": 0}))
    report = run(FakeHandler(thanks()), tmp_path, registry, update=True)
    assert not report.passed and stale.exists()


def test_unknown_event_or_version_fails_before_the_handler_runs(tmp_path, registry):
    handler = FakeHandler(thanks())
    with pytest.raises(UnknownEventError, match="surveybot_nope"):
        run(handler, tmp_path, registry, events=("surveybot_nope",))
    with pytest.raises(UnknownVersionError, match="v99"):
        run(handler, tmp_path, registry, version="v99")
    assert handler.calls == []


def test_every_event_runs_by_default_and_a_given_handler_is_left_open(tmp_path, registry):
    handler = FakeHandler(thanks())
    report = run(handler, tmp_path, registry, events=(), update=True)
    assert {c.event for c in report.cases} == {ENDED, STARTED}
    assert len(handler.calls) == len(registry.examples(ENDED)) + len(registry.examples(STARTED))
    assert not handler.closed


# -- ignore paths -------------------------------------------------------------------------------------
def test_ignore_path_masks_volatile_parts_in_the_file_and_the_comparison(tmp_path, registry, consumer_names):
    counter = iter(range(10**6))

    def volatile(event, payload):
        return Outcome(
            result={"type": "systemMessage", "text": f"receipt {next(counter)}", "meta": {"timestamp": next(counter)}},
            has_result=True,
        )

    report = run(FakeHandler(volatile), tmp_path, registry, update=True, ignore_paths=("$.result.text", "$..timestamp"))
    doc = json.loads(report.cases[0].path.read_text())
    assert doc["result"] == {"type": "systemMessage", "text": IGNORED, "meta": {"timestamp": IGNORED}}
    assert run(FakeHandler(volatile), tmp_path, registry, ignore_paths=("$.result.text", "$..timestamp")).passed
    unmasked = run(FakeHandler(volatile), tmp_path, registry, ignore_paths=("$.result.text",))
    assert {c.path for case in unmasked.failures for c in case.changes} == {"$.result.meta.timestamp"}


def test_ignore_path_applies_to_snapshots_recorded_before_it_was_added(tmp_path, registry):
    run(FakeHandler(thanks("survey")), tmp_path, registry, update=True)
    assert run(FakeHandler(thanks("poll")), tmp_path, registry, ignore_paths=("$.result[*].text",)).passed


def test_bad_jsonpath_is_a_usage_error(tmp_path, registry):
    with pytest.raises(UsageError, match=r"path='\$\.result\[\*'"):
        run(FakeHandler(thanks()), tmp_path, registry, ignore_paths=("$.result[*",))


# -- unreadable snapshots -----------------------------------------------------------------------------
def test_corrupt_snapshot_is_bad_input_unless_updating(tmp_path, registry, ended_names):
    run(FakeHandler(thanks()), tmp_path, registry, update=True)
    broken = tmp_path / "snaps" / ENDED / f"{ended_names[0]}.json"
    broken.write_text("{not json")
    with pytest.raises(InputFileError, match="--update"):
        run(FakeHandler(thanks()), tmp_path, registry)
    report = run(FakeHandler(thanks()), tmp_path, registry, update=True)
    assert report.case(ENDED, ended_names[0]).status == Status.UPDATED
    assert json.loads(broken.read_text()) == report.case(ENDED, ended_names[0]).observed


def test_snapshot_dir_that_is_a_file_is_a_usage_error(tmp_path, registry):
    (tmp_path / "snaps").write_text("")
    with pytest.raises(UsageError, match="not a folder"):
        run(FakeHandler(thanks()), tmp_path, registry)


# -- the conformance report's block -------------------------------------------------------------------
def test_to_dict_counts(tmp_path, registry, ended_names, consumer_names):
    run(FakeHandler(thanks("survey")), tmp_path, registry, update=True)
    (tmp_path / "snaps" / ENDED / f"{ended_names[0]}.json").unlink()
    (tmp_path / "snaps" / ENDED / "old.json").write_text(dumps({"log_count": 0}))
    doc = run(FakeHandler(thanks("poll")), tmp_path, registry).to_dict()
    missing = 1
    changed = len([n for n in consumer_names if n != ended_names[0]])
    assert {k: doc[k] for k in ("checked", "matched", "changed", "missing", "orphaned", "updated")} == {
        "checked": len(ended_names),
        "matched": len(ended_names) - changed - missing,
        "changed": changed,
        "missing": missing,
        "orphaned": 1,
        "updated": 0,
    }
    assert doc["verdict"] == "fail"
    assert [c["status"] for c in doc["cases"]].count("changed") == changed
    assert json.loads(json.dumps(doc)) == doc


# -- real handlers through the CLI --------------------------------------------------------------------
@pytest.mark.parametrize(
    "original, edited",
    [("thanks.py:handle", "thanks_edited.py:handle"), ("thanks_v1.js", "thanks_v1_edited.js")],
    ids=["python", "node-v1"],
)
def test_cli_record_rerun_and_one_word_change(tmp_path, capsys, original, edited, registry, consumer_names):
    snaps = str(tmp_path / "snaps")
    first = str(HANDLERS / original)
    second = str(HANDLERS / edited)

    assert main(["snapshot", first, "--snapshot-dir", snaps]) == 1
    assert "MISSING" in capsys.readouterr().out

    assert main(["snapshot", first, "--snapshot-dir", snaps, "--update"]) == 0
    out = capsys.readouterr().out
    assert "created=" in out and f"CREATED {ENDED}/" in out

    assert main(["snapshot", first, "--snapshot-dir", snaps]) == 0
    assert "verdict=PASS" in capsys.readouterr().out

    assert main(["snapshot", second, "--snapshot-dir", snaps]) == 1
    out = capsys.readouterr().out
    assert "$.result[0].text: changed" in out
    assert 'old: "Thank you for taking our survey."' in out
    assert 'new: "Thank you for taking our poll."' in out
    assert "+poll" in out
    changed_started = [ex.name for ex in registry.examples(STARTED) if ex.payload.get("closeReason") == "CONSUMER"]
    assert f"changed={len(consumer_names) + len(changed_started)}" in out


def test_cli_records_faults_from_a_real_handler(tmp_path, capsys):
    snaps = tmp_path / "snaps"
    target = str(HANDLERS / "faults.py") + ":handle"
    assert main(["snapshot", target, "--snapshot-dir", str(snaps), "--event", ENDED, "--update"]) == 0
    doc = json.loads((snaps / ENDED / "close-reason-agent.json").read_text())
    assert doc["fault"] == {"kind": "custom-failure", "code": "com.liveperson.faas.handler.custom-failure"}
    assert main(["snapshot", target, "--snapshot-dir", str(snaps), "--event", ENDED]) == 0


def test_cli_ignore_path_over_a_real_volatile_handler(tmp_path, capsys):
    snaps = str(tmp_path / "snaps")
    target = str(HANDLERS / "volatile.py") + ":handle"
    base = ["snapshot", target, "--snapshot-dir", snaps, "--event", ENDED]
    assert main([*base, "--update", "--ignore-path", "$.result.text"]) == 0
    assert main([*base, "--ignore-path", "$.result.text"]) == 0
    capsys.readouterr()
    assert main(base) == 1
    assert f'old: "{IGNORED}"' in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--ignore-path", "$.result[*"], "not a JSONPath"),
        (["--event", "surveybot_nope"], "unknown event"),
        (["--timeout-ms", "0"], "--timeout-ms"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path, capsys, argv, message):
    target = str(HANDLERS / "thanks.py") + ":handle"
    assert main(["snapshot", target, "--snapshot-dir", str(tmp_path / "snaps"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_missing_handler_exits_2(tmp_path, capsys):
    assert main(["snapshot", str(tmp_path / "nope.py") + ":handle", "--snapshot-dir", str(tmp_path / "s")]) == 2
    assert "not found" in capsys.readouterr().err


# -- the pytest suite ---------------------------------------------------------------------------------
def _pytest(*args):
    # Entry-point plugins (hypothesis, schemathesis) cost seconds to import and this suite needs none.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("CI", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "lpf_contract.pytest.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            str(REPO / "suites" / "test_handler.py"),
            "-k",
            "snapshot",
            *args,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pytest_suite_records_reruns_and_fails_on_a_one_word_change(tmp_path, registry):
    snaps = str(tmp_path / "snaps")
    original = str(HANDLERS / "thanks.py") + ":handle"
    edited = str(HANDLERS / "thanks_edited.py") + ":handle"
    goldens = sum(len(registry.examples(ev)) for ev in registry.version().default_events)

    # Nothing recorded yet: skipped, with the command that records them (not one failure per example).
    missing = _pytest("--lpf-handler", original, "--lpf-snapshot-dir", snaps, "-rs")
    assert missing.returncode == 0, missing.stdout + missing.stderr
    # + test_no_orphaned_snapshots and test_scenario_snapshots (the config file's payloads snapshots)
    assert f"{goldens + 2} skipped" in missing.stdout
    assert f"record them with: pytest --lpf-handler {original} --lpf-snapshot-dir {snaps} --lpf-snapshot-update" in missing.stdout

    recorded = _pytest("--lpf-handler", original, "--lpf-snapshot-dir", snaps, "--lpf-snapshot-update")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert f"{goldens + 2} passed" in recorded.stdout
    assert "CREATED" in recorded.stdout

    again = _pytest("--lpf-handler", original, "--lpf-snapshot-dir", snaps)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "snaps" / "thanks").is_dir()  # the root holds one folder per function

    # A snapshot missing from a recorded set is a failure, not a skip.
    lost = tmp_path / "snaps" / "thanks" / ENDED / "seed-full.json"
    lost.unlink()
    one_missing = _pytest("--lpf-handler", original, "--lpf-snapshot-dir", snaps)
    assert one_missing.returncode == 1
    assert f"1 failed, {goldens + 1} passed" in one_missing.stdout
    _pytest("--lpf-handler", original, "--lpf-snapshot-dir", snaps, "--lpf-snapshot-update")

    # The edited handler is compared with the original's snapshots.

    shutil.copytree(tmp_path / "snaps" / "thanks", tmp_path / "snaps" / "thanks_edited")

    changed = _pytest("--lpf-handler", edited, "--lpf-snapshot-dir", snaps)
    assert changed.returncode == 1
    assert 'new: "Thank you for taking our poll."' in changed.stdout
    assert "+poll" in changed.stdout
    consumer = [
        (ev, ex.name)
        for ev in registry.version().default_events
        for ex in registry.examples(ev)
        if ex.payload.get("closeReason") == "CONSUMER"
    ]
    assert f"{len(consumer)} failed, {goldens + 2 - len(consumer)} passed" in changed.stdout
    assert (
        f"FAILED suites/test_handler.py::test_snapshot[{ENDED}/close-reason-consumer-thanks_edited.py:handle]" in changed.stdout
    )


def test_pytest_suite_default_dir_is_per_handler_stem(tmp_path):
    # The bundled handlers' snapshots are committed: the default run (no --handler) must pass as is.
    result = _pytest()
    assert result.returncode == 0, result.stdout + result.stderr
    snapshots = REPO / "suites" / "snapshots"
    assert {p.name for p in snapshots.iterdir() if p.is_dir()} >= {"survey_v1", "survey_v2", "survey_handler"}


@pytest.mark.parametrize(
    "target, stem",
    [
        ("examples/handlers/survey_v1.js", "survey_v1"),
        ("/abs/survey_handler.py:handle", "survey_handler"),
        ("package.module:handle", "package.module"),
        ("functions/my-function/", "my-function"),
        ("functions/my-function/index.js", "my-function"),
        ("http://localhost:8080/api", "localhost_api"),
        ("http://127.0.0.1:41234", "127.0.0.1"),
    ],
)
def test_handler_stem(target, stem):
    assert handler_stem(target) == stem


def test_snapshots_recorded_locally_match_over_http(tmp_path):
    # A gateway's 200 answer carries no logs: the log count is not compared, instead of a false 0.
    import threading

    from lpf_contract.contracts import load_registry
    from lpf_contract.handlers import load_handler
    from lpf_contract.serve.app import InvocationApp, make_server, server_url
    from lpf_contract.snapshot.run import run_snapshots

    repo = Path(__file__).resolve().parents[1]
    registry = load_registry()
    snapshots = tmp_path / "snaps"
    shutil.copytree(repo / "suites" / "snapshots" / "survey_v1", snapshots)
    with load_handler(str(repo / "examples" / "handlers" / "survey_v1.js")) as handler:
        server = make_server(InvocationApp(handler, registry=registry), port=0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            report = run_snapshots(server_url(server), registry=registry, snapshot_dir=snapshots)
        finally:
            server.shutdown()
            server.server_close()
    assert report.passed, [(c.example, c.changes) for c in report.cases if c.changes]
    assert report.to_dict()["matched"] == report.to_dict()["checked"] > 0


def test_pytest_refuses_handlers_that_would_share_a_snapshot_folder(tmp_path):
    clash = FIXTURES / "clash"
    result = _pytest(
        "--lpf-handler",
        str(clash / "a" / "thanks.js"),
        "--lpf-handler",
        str(clash / "b" / "thanks.js"),
        "--lpf-snapshot-dir",
        str(tmp_path),
    )
    assert result.returncode != 0
    assert "would share the snapshot folder 'thanks'" in result.stdout + result.stderr


# -- scenario payloads (--payloads) -------------------------------------------------------------------
SCENARIOS = Path(__file__).parent / "fixtures" / "functions_repo" / "payloads"


def test_scenarios_are_recorded_like_golden_examples_and_compared(tmp_path, registry, ended_names):
    from lpf_contract.contracts.payloads import read_scenarios

    scenarios = read_scenarios([SCENARIOS / "ended.jsonl"])
    report = run(FakeHandler(thanks()), tmp_path, registry, update=True, scenarios=scenarios)
    assert [c.example for c in report.cases] == [*ended_names, "scenario-ended-1", "scenario-ended-3"]
    assert (tmp_path / "snaps" / ENDED / "scenario-ended-3.json").is_file()
    again = run(FakeHandler(thanks()), tmp_path, registry, scenarios=scenarios)
    assert again.passed and again.count(Status.MATCHED) == len(ended_names) + 2
    # Recorded with scenarios, compared without them: the scenario snapshots are orphans.
    without = run(FakeHandler(thanks()), tmp_path, registry)
    assert sorted(c.example for c in without.orphans) == ["scenario-ended-1", "scenario-ended-3"]


def test_snapshot_command_payloads_flag_records_and_checks_them_first(tmp_path, capsys):
    snaps = tmp_path / "snaps"
    handler = str(REPO / "examples" / "handlers" / "survey_v1.js")
    code = main(
        [
            "snapshot",
            handler,
            "--snapshot-dir",
            str(snaps),
            "--event",
            ENDED,
            "--update",
            "--payloads",
            str(SCENARIOS / "ended.jsonl"),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert sorted(p.name for p in (snaps / ENDED).glob("scenario-*.json")) == ["scenario-ended-1.json", "scenario-ended-3.json"]
    code = main(
        ["snapshot", handler, "--snapshot-dir", str(snaps), "--event", ENDED, "--payloads", str(SCENARIOS / "invalid.jsonl")]
    )
    out = capsys.readouterr()
    assert code == 2 and "invalid.jsonl:2: /state:" in out.err
