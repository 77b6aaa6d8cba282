from __future__ import annotations

import json
import shlex

import pytest

from tests.conftest import FIXTURES, REPO

EVENT = "surveybot_messaging_survey_ended"
GOOD = str(REPO / "examples" / "handlers" / "survey_v1.js")
BAD = str(FIXTURES / "verify" / "handlers" / "custom_failure_on_agent.js")


def test_pass_writes_conformance_json(run_cli, tmp_path):
    code, out, err = run_cli("verify", GOOD, "--examples", "10", "--seed", "3", "--report-dir", tmp_path, "--no-progress")
    assert code == 0, out + err
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert doc["tool"]["name"] == "lpf-contract"
    assert doc["contract_version"] == "v2"  # the current version (v1 is superseded)
    assert doc["handler"] == {"target": GOOD, "kind": "node", "runtime": "v1"}
    assert doc["seed"] == 3 and "seed=3" in err
    assert doc["summary"]["verdict"] == "pass" and doc["summary"]["failed"] == 0
    assert set(doc["events"]) == {EVENT, "surveybot_messaging_survey_started"}
    assert doc["summary"]["cases"] == sum(e["cases"] for e in doc["events"].values())
    assert "verdict=PASS" in out


def test_failure_exit_1_and_repro_replays_it(run_cli, tmp_path):
    code, out, _ = run_cli("verify", BAD, "--event", EVENT, "--examples", "10", "--seed", "1", "--report-dir", tmp_path)
    assert code == 1
    doc = json.loads((tmp_path / "conformance.json").read_text())
    (failure,) = doc["failures"]
    assert failure["check"] == "handler-error" and failure["payload"]["closeReason"] == "AGENT"
    argv = shlex.split(failure["repro"])
    assert argv[:3] == ["lpf-contract", "verify", BAD] and "--replay" in argv
    assert failure["repro"] in out
    code, out, _ = run_cli(*argv[1:])
    assert code == 1
    assert "[handler-error]" in out and "verdict=FAIL" in out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["verify", str(REPO / "missing.js")], "missing.js"),
        (["verify", GOOD, "--event", "nope"], "unknown event id='nope'"),
        (["verify", GOOD, "--version", "v9"], "unknown contract version=v9"),
        (["verify", GOOD, "--examples", "-1"], "--examples must be >= 0"),
        (["verify", GOOD, "--timeout-ms", "0"], "--timeout-ms must be between"),
        (["verify", GOOD, "--timeout-ms", "999999999"], "--timeout-ms must be between"),
        (["verify", GOOD, "--workers", "0"], "--workers must be between"),
        (["verify", GOOD, "--replay", str(FIXTURES / "payloads" / "not-json.json")], "replay file is not a JSON repro"),
    ],
)
def test_bad_input_is_exit_2(run_cli, args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default report dir, reports/, lands here
    code, out, err = run_cli(*args)
    assert code == 2, out + err
    assert fragment in err and "Traceback" not in err
    written = tmp_path / "reports" / "conformance.json"
    if "--replay" in args:  # a replay writes no reports, in any outcome
        assert not written.exists()
        return
    # Every run that starts leaves a report saying it could not check (not an older run's PASS).
    doc = json.loads(written.read_text())
    assert doc["summary"]["verdict"] == "error" and fragment in doc["reason"]
    md = (tmp_path / "reports" / "conformance.md").read_text()
    assert md.splitlines()[0].startswith("# ⛔ ERROR") and "could not be checked" in md.split("\n\n")[1]


def test_exit_2_replaces_an_earlier_pass_and_its_files(run_cli, tmp_path, fixtures):
    import jsonschema

    from lpf_contract.report import schema_text

    bad = FIXTURES / "verify" / "handlers" / "custom_failure_on_agent.js"
    code, _, _ = run_cli("verify", bad, "--event", EVENT, "--examples", "5", "--seed", "1", "--report-dir", tmp_path)
    assert code == 1 and list((tmp_path / "repro").iterdir())
    (tmp_path / "index.md").write_text("stale index of a many-functions run")
    (tmp_path / "old_fn").mkdir()
    (tmp_path / "old_fn" / "conformance.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("the user's own file")
    code, _, err = run_cli("verify", bad, "--event", "nope", "--report-dir", tmp_path)
    assert code == 2 and "unknown event id='nope'" in err
    doc = json.loads((tmp_path / "conformance.json").read_text())
    jsonschema.validate(doc, json.loads(schema_text()))
    assert doc["summary"]["verdict"] == "error" and "unknown event id='nope'" in doc["reason"]
    assert doc["failures"] == [] and not (tmp_path / "repro").exists()
    assert not (tmp_path / "index.md").exists() and not (tmp_path / "old_fn").exists()
    assert (tmp_path / "notes.txt").read_text() == "the user's own file"
    html = (tmp_path / "conformance.html").read_text()
    assert "could not be checked" in html and 'class="verdict error"' in html
    assert 'type="could-not-check"' in (tmp_path / "junit.xml").read_text()
    # report re-renders it, and --compare says the new run is an error, not a pass.
    code, out, _ = run_cli("report", tmp_path / "conformance.json", "--format", "md")
    assert code == 0 and "could not be checked" in out


def test_unwritable_report_dir_is_exit_2(run_cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli("verify", GOOD, "--report-dir", blocker / "sub")
    assert code == 2 and "report dir is not writable" in err


def test_snapshot_dir_is_counted_in_the_report_and_the_verdict(run_cli, tmp_path):
    edited = str(FIXTURES / "snapshot" / "handlers" / "thanks_v1_edited.js")
    snapshots = REPO / "suites" / "snapshots" / "survey_v1"
    code, out, _ = run_cli("verify", GOOD, "--examples", "3", "--report-dir", tmp_path / "a", "--snapshot-dir", snapshots)
    doc = json.loads((tmp_path / "a" / "conformance.json").read_text())
    assert code == 0 and doc["snapshots"]["matched"] == doc["snapshots"]["checked"] > 0
    code, out, _ = run_cli("verify", edited, "--examples", "3", "--report-dir", tmp_path / "b", "--snapshot-dir", snapshots)
    doc = json.loads((tmp_path / "b" / "conformance.json").read_text())
    assert code == 1 and doc["snapshots"]["changed"] > 0 and doc["summary"]["verdict"] == "fail"
    assert "+poll" in out


def test_env_option_reaches_the_handler_and_the_repro(run_cli, tmp_path):
    target = str(FIXTURES / "verify" / "handlers" / "greets_from_env.js")
    # v1 named: its results are acted on, so a result without the greeting is a violation.
    common = ["--event", EVENT, "--examples", "2", "--no-systematic", "--report-dir", tmp_path, "--version", "v1"]
    code, _, _ = run_cli("verify", target, "--env", "GREETING=hello", *common)
    assert code == 0
    code, out, _ = run_cli("verify", target, *common)
    assert code == 1 and "[response-schema]" in out
    code, _, err = run_cli("verify", target, "--env", "GREETING", *common)
    assert code == 2 and "--env needs NAME=VALUE" in err


def test_repro_names_the_contracts_folder_and_hides_credentials(tmp_path):
    from lpf_contract.verify import VerifyOptions
    from lpf_contract.verify.engine import Verifier

    options = VerifyOptions(
        report_dir=tmp_path, contracts_dir=REPO / "contracts", headers=("Authorization: Bearer s3cr3t", "X-Trace: 1")
    )
    cmd = Verifier("http://127.0.0.1:9", options).repro_command("repro/x.json")
    argv = shlex.split(cmd)
    assert argv[:4] == ["lpf-contract", "--contracts", str(REPO / "contracts"), "verify"]
    assert "s3cr3t" not in cmd and "Authorization: <redacted>" in argv and "X-Trace: 1" in argv


def test_snapshot_dir_uses_the_verified_handler_and_its_env(run_cli, tmp_path):
    target = str(FIXTURES / "verify" / "handlers" / "greets_from_env.js")
    snaps = tmp_path / "snaps"
    code, _, _ = run_cli("snapshot", target, "--snapshot-dir", snaps, "--update", "--event", EVENT)
    assert code == 0  # recorded without GREETING: empty texts
    code, out, _ = run_cli(
        "verify",
        target,
        "--env",
        "GREETING=hello",
        "--event",
        EVENT,
        "--examples",
        "1",
        "--no-systematic",
        "--report-dir",
        tmp_path / "r",
        "--snapshot-dir",
        snaps,
    )
    assert code == 1 and 'new: "hello"' in out


def test_console_names_the_lambdas_line_and_its_frames(run_cli, tmp_path):
    target = str(FIXTURES / "verify" / "handlers" / "two_type_errors_on_two_lines.js")
    code, out, _ = run_cli("verify", target, "--event", EVENT, "--examples", "10", "--seed", "2", "--report-dir", tmp_path)
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("ERROR") and "[handler-error]" in line]
    assert len(errors) == 2
    assert errors[0].endswith("at two_type_errors_on_two_lines.js:4") and errors[1].endswith(
        "at two_type_errors_on_two_lines.js:5"
    )
    assert "    at lambda (two_type_errors_on_two_lines.js:4:" in out and "runner.js" not in out
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert sorted((f["file"], f["line"]) for f in doc["failures"]) == [
        ("two_type_errors_on_two_lines.js", 4),
        ("two_type_errors_on_two_lines.js", 5),
    ]
    md = (tmp_path / "conformance.md").read_text()
    assert "`two_type_errors_on_two_lines.js:5`" in md and "Stack (the lambda's own frames)" in md
    assert "two_type_errors_on_two_lines.js:4" in (tmp_path / "conformance.html").read_text()
    assert "at lambda (two_type_errors_on_two_lines.js:5:" in (tmp_path / "junit.xml").read_text()


def test_a_syntax_error_is_exit_1_with_reports_saying_nothing_ran(run_cli, tmp_path):
    # The real handler layer: the platform's Node refuses to parse the file (LambdaSyntaxError), and
    # verify reports it as the deploy-rules finding it is, once, with reports that say nothing ran.
    target = str(FIXTURES / "verify" / "handlers" / "syntax_error.js")
    code, out, err = run_cli("verify", target, "--examples", "3", "--report-dir", tmp_path)
    assert code == 1, out + err
    assert out.count("[deploy-rules] syntax") == 1 and "(line 3)" in out and "Traceback" not in err
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert doc["summary"]["verdict"] == "fail" and doc["summary"]["cases"] == 0
    assert [s["rule"] for s in doc["static"] if s["rule"] == "syntax"] == ["syntax"]
    for ev in doc["events"].values():
        assert ev["cases"] == 0 and ev["skipped"] > 0
        assert ev["skipped_reason"] == "the lambda does not deploy: syntax error at syntax_error.js:3"
    assert "does not deploy" in (tmp_path / "conformance.md").read_text()


MULTI = str(FIXTURES / "verify" / "handlers" / "multiple_results_on_consumer.js")


def _gate(run_cli, tmp_path, *flags):
    code, out, err = run_cli(
        "verify", MULTI, "--event", EVENT, "--examples", "3", "--seed", "1", "--report-dir", tmp_path, "--no-progress", *flags
    )
    doc = json.loads((tmp_path / "conformance.json").read_text())
    return code, out + err, doc


def test_fail_on_and_severity_overrides_from_flags(run_cli, tmp_path):
    code, out, doc = _gate(run_cli, tmp_path / "default")
    (f,) = doc["failures"]
    assert code == 0 and f["check"] == "multiple-results" and f["severity"] == "warning"
    assert doc["severity"]["fail_on"] == {"severity": "error", "source": "default"}
    assert doc["severity"]["checks"]["multiple-results"] == {"severity": "warning", "source": "default"}

    code, out, doc = _gate(run_cli, tmp_path / "fail-on", "--fail-on", "warning")
    assert code == 1 and doc["summary"]["verdict"] == "fail" and "verdict=FAIL" in out
    assert doc["severity"]["fail_on"] == {"severity": "warning", "source": "flag"}
    assert doc["failures"][0]["severity"] == "warning"

    code, out, doc = _gate(run_cli, tmp_path / "sev", "--severity", "multiple-results=error")
    assert code == 1 and doc["failures"][0]["severity"] == "error"
    assert doc["severity"]["checks"]["multiple-results"] == {"severity": "error", "source": "flag"}
    md = (tmp_path / "sev" / "conformance.md").read_text()
    assert "Severity policy: fails on error (default); multiple-results: error (flag)" in md

    code, out, doc = _gate(run_cli, tmp_path / "ign", "--ignore-check", "multiple-results", "--fail-on", "warning")
    assert code == 0 and doc["failures"] == []
    assert doc["severity"]["checks"]["multiple-results"] == {"severity": "ignored", "source": "flag"}


def test_severity_policy_from_the_config_file_and_flags_over_it(run_cli, tmp_path, monkeypatch):
    import shutil

    shutil.copy(FIXTURES / "verify" / "severity" / "lpf-contract.toml", tmp_path / "lpf-contract.toml")
    (tmp_path / ".git").mkdir()  # the config search stops here
    monkeypatch.chdir(tmp_path)
    code, out, doc = _gate(run_cli, tmp_path / "cfg")
    assert code == 1 and doc["failures"][0]["severity"] == "error"
    assert doc["severity"]["fail_on"] == {"severity": "warning", "source": "config"}
    assert doc["severity"]["checks"]["multiple-results"] == {"severity": "error", "source": "config"}
    assert doc["severity"]["checks"]["duplicate-command"] == {"severity": "ignored", "source": "config"}
    code, out, doc = _gate(run_cli, tmp_path / "flag", "--severity", "multiple-results=warning", "--fail-on", "error")
    assert code == 0 and doc["failures"][0]["severity"] == "warning"
    assert doc["severity"]["checks"]["multiple-results"]["source"] == "flag"


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--severity", "no-such-check=error"], "unknown check id: --severity=no-such-check"),
        (["--ignore-check", "no-such-check"], "unknown check id: --ignore-check=no-such-check"),
        (
            ["--severity", "multiple-results=fatal"],
            'bad severity: --severity multiple-results=fatal; expected "error" or "warning"',
        ),
        (["--severity", "multiple-results"], "--severity needs CHECK=error|warning"),
    ],
)
def test_bad_severity_flags_are_exit_2_naming_them(run_cli, tmp_path, flags, fragment):
    code, out, err = run_cli("verify", MULTI, "--report-dir", tmp_path, *flags)
    assert code == 2 and fragment in err and "Traceback" not in err
    assert json.loads((tmp_path / "conformance.json").read_text())["summary"]["verdict"] == "error"


def test_without_a_terminal_progress_is_plain_lines_with_real_totals(run_cli, tmp_path, monkeypatch):
    import re

    from lpf_contract.verify import progress

    monkeypatch.setattr(progress, "PLAIN_INTERVAL_S", 0.0)  # a line per case instead of every 10 s
    code, out, err = run_cli("verify", BAD, "--event", EVENT, "--examples", "4", "--seed", "1", "--report-dir", tmp_path)
    assert code == 1
    doc = json.loads((tmp_path / "conformance.json").read_text())
    total = doc["events"][EVENT]["cases"]
    lines = [x for x in err.splitlines() if x.startswith("verify: ")]
    running = [re.fullmatch(rf"verify: {EVENT} (\d+)/(\d+) cases, (\d+) failing, \d+ s", x) for x in lines[:-1]]
    assert running and all(running), lines
    assert [int(m.group(1)) for m in running] == list(range(1, total + 1))  # every case, in order
    assert {int(m.group(2)) for m in running} == {total}  # a real total, never "?"
    assert int(running[-1].group(3)) == doc["events"][EVENT]["failed"] > 0
    assert re.fullmatch(rf"verify: {EVENT} done: {total}/{total} cases, \d+ failing, \d+ s", lines[-1])


def test_plain_progress_prints_on_its_interval_and_once_per_finished_event():
    import io

    from lpf_contract.verify.engine import ProgressUpdate
    from lpf_contract.verify.progress import PlainProgress

    now = [0.0]
    out = io.StringIO()
    p = PlainProgress(out, interval_s=10, clock=lambda: now[0])
    for done, t in ((1, 3.0), (2, 9.0), (3, 10.5), (4, 15.0), (5, 21.0)):
        now[0] = t
        p(ProgressUpdate(event="e", done=done, total=8, failed=1, run_done=done, run_total=8))
    now[0] = 31.0
    p(ProgressUpdate(event="e", done=8, total=8, failed=2, run_done=8, run_total=8, finished=True))
    assert out.getvalue().splitlines() == [
        "verify: e 3/8 cases, 1 failing, 10 s",
        "verify: e 5/8 cases, 1 failing, 21 s",
        "verify: e done: 8/8 cases, 2 failing, 31 s",
    ]


@pytest.mark.parametrize("target", ["functions/typo/", "functions/typo", "handlers/typo.py:lambda_handler"])
def test_a_missing_path_says_not_found(run_cli, tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("verify", target)
    assert code == 2 and "not found: path=" in err and "unknown handler target" not in err


def test_the_header_names_the_contract_and_the_runtime(run_cli, tmp_path):
    code, _, err = run_cli("verify", GOOD, "--examples", "1", "--no-systematic", "--report-dir", tmp_path, "--no-progress")
    assert code == 0 and "kind=node contract=v2 runtime=v1 " in err and " version=" not in err


def test_replay_applies_the_same_severity_policy(run_cli, tmp_path):
    code, _, doc = _gate(run_cli, tmp_path)
    argv = shlex.split(doc["failures"][0]["repro"])
    code, out, _ = run_cli(*argv[1:])
    assert code == 0 and "[multiple-results]" in out and "verdict=PASS" in out  # a warning
    code, out, _ = run_cli(*argv[1:], "--fail-on", "warning")
    assert code == 1 and "WARNING [multiple-results]" in out and "verdict=FAIL" in out
    code, out, _ = run_cli(*argv[1:], "--severity", "multiple-results=error")
    assert code == 1 and "ERROR [multiple-results]" in out
