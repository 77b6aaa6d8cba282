"""`lpf-contract verify PATH...`: many functions, their config.json and settings.json, shards, the index,
and `--payloads` scenario cases (commands/verify.py, functions_repo.py, report/index.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import FIXTURES, load_json

ENDED = "surveybot_messaging_survey_ended"
STARTED = "surveybot_messaging_survey_started"
FAST = ("--examples", "3", "--no-systematic", "--seed", "1", "--no-progress")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A copy of the fixture functions repository as the current folder (no config file above it)."""
    work = tmp_path / "repo"
    shutil.copytree(FIXTURES / "functions_repo", work)
    (work / ".git").mkdir()
    monkeypatch.chdir(work)
    return work


def _rows(report_dir):
    return {row["name"]: row for row in load_json(report_dir / "index.json")["functions"]}


def test_a_functions_folder_verifies_each_function_against_its_config_event(run_cli, repo):
    code, out, err = run_cli("verify", "functions/", *FAST, "--report-dir", "out")
    assert code == 1, out + err  # faulty fails; skipped functions do not count
    rows = _rows(repo / "out")
    assert {n: r["verdict"] for n, r in rows.items()} == {
        "anyevent": "pass",
        "controller": "skipped",
        "faulty": "fail",
        "greeter": "pass",
        "placeholder": "pass",
    }
    # "No Event" (what lpf writes for a function without one): every event; otherwise config.json's.
    assert rows["anyevent"]["events"] == [ENDED, STARTED]
    assert rows["greeter"]["events"] == [ENDED] and rows["faulty"]["events"] == [ENDED]
    assert "bot_connectors_error_hook has no contract" in rows["controller"]["reason"]
    assert rows["controller"]["report"] is None and not (repo / "out" / "controller").exists()
    for name in ("anyevent", "faulty", "greeter", "placeholder"):
        assert rows[name]["report"] == f"{name}/conformance.md"
        doc = load_json(repo / "out" / name / "conformance.json")
        assert doc["handler"]["target"] == f"functions/{name}"
    index = load_json(repo / "out" / "index.json")
    assert index["verdict"] == "fail" and index["summary"]["skipped"] == 1 and index["shard"] is None
    md = (repo / "out" / "index.md").read_text()
    assert "| `faulty` | ❌ fail |" in md and "[greeter/conformance.md](greeter/conformance.md)" in md
    # One header line per function, then its usual summary; the run's line last.
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("--- ")] == [f"--- {n}" for n in sorted(rows)]
    assert "SKIPPED controller:" in out
    assert out.rstrip().splitlines()[-1].startswith("functions=5 pass=3 fail=1 error=0 skipped=1 verdict=FAIL")


def test_config_input_settings_secrets_and_environment_reach_the_function(run_cli, repo):
    code, out, err = run_cli("verify", "functions/greeter", *FAST, "--report-dir", "out")
    assert code == 0, out + err
    doc = load_json(repo / "out" / "conformance.json")  # one target: the single layout
    assert not (repo / "out" / "index.json").exists()
    # 3 generated cases + the config.json sample, which runs first as "config:input".
    assert doc["summary"]["cases"] == 4
    (warning,) = doc["failures"]
    assert warning["check"] == "ignored-commands" and warning["variant"] == "config:input"
    # GREETING from config.json and apiKey from functions/settings.json reached the lambda.
    assert warning["result"] == [{"type": "systemMessage", "text": "hello from-settings"}]
    # The repro replays it: settings.json is found again, so it is not named.
    assert "--secrets" not in warning["repro"] and "--allow-domain api.example.com" in warning["repro"]


def test_secrets_flags_add_to_settings_json_and_win(run_cli, repo):
    (repo / "mine.json").write_text(json.dumps({"apiKey": "from-flag"}))
    code, out, err = run_cli("verify", "functions/greeter", *FAST, "--report-dir", "out", "--secrets", "mine.json")
    assert code == 0, out + err
    (warning,) = load_json(repo / "out" / "conformance.json")["failures"]
    assert warning["result"] == [{"type": "systemMessage", "text": "hello from-flag"}]
    assert "--secrets mine.json" in warning["repro"]  # the merged private file is never named


def test_an_invalid_config_input_is_a_warning_in_that_functions_report(run_cli, repo):
    code, out, err = run_cli("verify", "functions/placeholder", *FAST, "--report-dir", "out")
    assert code == 0, out + err
    doc = load_json(repo / "out" / "conformance.json")
    (note,) = doc["static"]
    assert note["check"] == "config-input" and note["severity"] == "warning"
    assert "sample input in config.json breaks the contract" in note["message"]
    assert doc["summary"]["cases"] == 3  # the sample was not run
    assert "WARNING [config-input]" in out


def test_scenario_payloads_run_as_named_cases_and_are_shrunk(run_cli, repo):
    code, out, err = run_cli("verify", "functions/faulty", *FAST, "--report-dir", "out", "--payloads", "payloads/ended.jsonl")
    assert code == 1, out + err
    doc = load_json(repo / "out" / "conformance.json")
    assert doc["summary"]["cases"] == 3 + 1 + 2  # generated, config:input, two scenario lines (a blank line between)
    (error,) = [f for f in doc["failures"] if f["check"] == "handler-error"]
    # The config sample has a ttr and passes; the first scenario has none and is the first failure.
    assert error["variant"] == "scenario:payloads/ended.jsonl:1"
    assert error["shrunk"] and "note" not in error["payload"]  # shrinking works on scenario cases too


def test_config_file_payloads_apply(run_cli, repo):
    (repo / "lpf-contract.toml").write_text('payloads = ["payloads/ended.jsonl"]\n')
    code, out, err = run_cli("verify", "functions/faulty", *FAST, "--report-dir", "out")
    assert code == 1, out + err
    (error,) = [f for f in load_json(repo / "out" / "conformance.json")["failures"] if f["check"] == "handler-error"]
    assert error["variant"] == "scenario:payloads/ended.jsonl:1"


@pytest.mark.parametrize(
    ("file", "fragment"),
    [
        (
            "payloads/invalid.jsonl",
            "scenario payload breaks the contract of event=surveybot_messaging_survey_ended: payloads/invalid.jsonl:2: /state:",
        ),
        ("payloads/broken.jsonl", "payload file line is not JSON: payloads/broken.jsonl:1"),
        ("payloads/missing.jsonl", "payload file not found"),
    ],
)
def test_bad_scenario_files_are_bad_input_before_anything_runs(run_cli, repo, file, fragment):
    code, out, err = run_cli("verify", "functions/", *FAST, "--report-dir", "out", "--payloads", file)
    assert code == 2, out + err
    assert fragment in err and "Traceback" not in err
    assert not (repo / "out" / "index.json").exists()


def test_shard_picks_a_deterministic_part_and_bad_shards_are_exit_2(run_cli, repo):
    code, out, err = run_cli("verify", "functions/", *FAST, "--report-dir", "out", "--shard", "2/2")
    assert code == 0, out + err  # controller (skipped) and greeter (pass); faulty is in part 1
    index = load_json(repo / "out" / "index.json")
    assert [r["name"] for r in index["functions"]] == ["controller", "greeter"]
    assert index["shard"] == "2/2" and index["functions_total"] == 5
    code, out, err = run_cli("verify", "functions/", "--shard", "3/2")
    assert code == 2 and "--shard needs K/N" in err


def test_one_function_that_cannot_be_checked_is_an_error_row_and_exit_2(run_cli, repo):
    (repo / "functions" / "anyevent" / "config.json").write_text("{not json")
    code, out, err = run_cli("verify", "functions/", *FAST, "--report-dir", "out")
    assert code == 2, out + err  # the worst verdict: error (2) over fail (1)
    rows = _rows(repo / "out")
    assert rows["anyevent"]["verdict"] == "error" and "config.json is not valid JSON" in rows["anyevent"]["reason"]
    assert rows["greeter"]["verdict"] == "pass"  # the others still ran
    # Its folder holds a report saying so, and a function folder of an older run is gone.
    doc = load_json(repo / "out" / "anyevent" / "conformance.json")
    assert doc["summary"]["verdict"] == "error" and "config.json is not valid JSON" in doc["reason"]
    (repo / "out" / "renamed").mkdir()
    (repo / "out" / "renamed" / "conformance.json").write_text("{}")
    run_cli("verify", "functions/", *FAST, "--report-dir", "out")
    assert not (repo / "out" / "renamed").exists() and (repo / "out" / "greeter" / "conformance.json").is_file()


def test_event_flag_skips_functions_of_other_events(run_cli, repo):
    code, out, err = run_cli(
        "verify", "functions/anyevent", "functions/greeter", *FAST, "--report-dir", "out", "--event", STARTED
    )
    assert code == 0, out + err
    rows = _rows(repo / "out")
    assert rows["anyevent"]["events"] == [STARTED]
    assert rows["greeter"]["verdict"] == "skipped" and "not among --event" in rows["greeter"]["reason"]


def test_per_function_config_tables_apply_per_function(run_cli, repo):
    (repo / "lpf-contract.toml").write_text("examples = 3\n[functions.greeter]\nexamples = 5\n")
    code, out, err = run_cli(
        "verify", "functions/greeter", "functions/anyevent", "--no-systematic", "--seed", "1", "--report-dir", "out"
    )
    assert code == 0, out + err
    assert load_json(repo / "out" / "greeter" / "conformance.json")["examples"] == 5
    assert load_json(repo / "out" / "anyevent" / "conformance.json")["examples"] == 3


def test_single_function_skipped_for_its_event_is_exit_0(run_cli, repo):
    code, out, err = run_cli("verify", "functions/controller", *FAST, "--report-dir", "out")
    assert code == 0, out + err
    assert "verdict=SKIPPED" in out and "has no contract" in out


def test_replay_takes_one_target(run_cli, repo):
    code, out, err = run_cli("verify", "functions/", "--replay", "x.json")
    assert code == 2 and "--replay re-runs one function" in err


def test_a_config_event_typo_is_bad_input_with_did_you_mean(run_cli, repo):
    # newuser finding 6: a typo used to skip the function silently, exit 0 (a gate verifying nothing).
    shutil.copytree(FIXTURES / "functions_repo_typo" / "functions" / "typo", repo / "functions" / "typo")
    code, out, err = run_cli("verify", "functions/typo", *FAST, "--report-dir", "out")
    assert code == 2, out + err
    assert "event=surveybot_messaging_survey_startd" in err and "did you mean surveybot_messaging_survey_started" in err


def test_an_invalid_secrets_file_is_bad_input_not_the_lambdas_fault(run_cli, repo):
    # newuser finding 7: one --secrets source was passed on unparsed and blamed on the lambda (exit 1).
    bad = FIXTURES / "functions_repo_typo" / "bad-secrets.json"
    code, out, err = run_cli(
        "verify", str(FIXTURES.parents[1] / "examples" / "handlers" / "survey_v1.js"), *FAST, "--secrets", str(bad)
    )
    assert code == 2, out + err
    assert "secrets file is not valid JSON" in err and "handler-error" not in out


def test_snapshot_serves_settings_json_secrets_like_verify(run_cli, repo):
    # newuser finding 2: `snapshot` ignored settings.json and recorded the secret failure.
    code, out, err = run_cli("snapshot", "functions/greeter", "--snapshot-dir", "snaps", "--update")
    assert code == 0, out + err
    recorded = list((repo / "snaps").rglob("*.json"))
    assert recorded and {p.parent.name for p in recorded} == {ENDED}  # its config.json event only
    assert not any('"fault"' in p.read_text(encoding="utf-8") for p in recorded)


def test_diff_against_a_function_folder_serves_its_secrets(run_cli, repo):
    # newuser finding 2: every golden example faulted on the missing secret, so no replay line at all.
    code, out, err = run_cli("diff", "v2", "v1", "--against", "functions/greeter")
    assert "replay through functions/greeter: survives" in out, out[-3000:] + err


def test_the_run_header_prints_the_config_files_seed(run_cli, repo):
    # newuser finding 11: the header printed a random seed while every function ran with `seed = 0`.
    (repo / "lpf-contract.toml").write_text("seed = 0\n", encoding="utf-8")
    code, out, err = run_cli("verify", "functions/greeter", "functions/anyevent", "--examples", "2", "--no-systematic")
    assert "functions=2 seed=0 " in out, out
    assert " seed=0 " in err and "seed=0 " in out.split("functions=2", 1)[1]


def test_the_summary_counts_warnings_apart_from_failures(run_cli, repo):
    # newuser finding 15: `failed=0 distinct_failures=1` read as a failure; greeter's sample gives a warning.
    code, out, err = run_cli("verify", "functions/greeter", *FAST, "--report-dir", "out")
    assert code == 0, out + err
    assert "verdict=PASS" in out and "failed=0 findings=1 (0 errors, 1 warnings)" in out, out
