"""The pytest plugin prepares a function exactly as ``verify`` does (functions_repo.prepare_target):
config.json event, settings.json secrets and whitelist, the config file's payloads; a folder of
functions is each of them; bad input is one usage line (newuser findings 1, 2, 5, 8)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(FIXTURES / "functions_repo", work)
    (work / ".git").mkdir()  # the config search stops here
    return work


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_pytest(cwd, *args, examples=5)


def test_settings_json_secrets_and_the_config_event_reach_the_plugin(repo):
    # greeter reads the apiKey secret of functions/settings.json; its config.json names survey_ended.
    run = _pytest(repo, "--lpf-handler", "functions/greeter/", "-k", "test_check")
    out = run.stdout + run.stderr
    assert "There is no Secret" not in out, out[-3000:]
    assert run.returncode == 0, out[-3000:]
    collected = _pytest(repo, "--lpf-handler", "functions/greeter/", "--co", "-k", "test_check")
    assert "survey_ended" in collected.stdout and "survey_started" not in collected.stdout, collected.stdout[-2000:]


def test_a_function_whose_event_has_no_contract_is_skipped_like_verify(repo):
    # controller names bot_connectors_error_hook, a LivePerson event this contract version does not cover.
    run = _pytest(repo, "--lpf-handler", "functions/controller/", "-k", "test_check")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "passed" not in run.stdout and "failed" not in run.stdout, run.stdout[-3000:]
    assert "event=bot_connectors_error_hook has no contract in this version" in run.stdout, run.stdout[-3000:]


def test_a_folder_of_functions_is_each_of_them(repo):
    run = _pytest(repo, "--lpf-handler", "functions/", "--co", "-k", "test_deploy_rules")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    for name in ("greeter", "faulty", "anyevent"):
        assert f"test_deploy_rules[{name}]" in run.stdout, run.stdout[-3000:]
    assert "handler file not found" not in run.stdout + run.stderr


def test_a_config_file_error_is_one_usage_line(repo):
    (repo / "lpf-contract.toml").write_text("exampels = 3\n", encoding="utf-8")
    run = _pytest(repo, "--lpf-handler", "functions/greeter/")
    assert run.returncode == 4  # pytest's usage error, not INTERNALERROR (3)
    assert "INTERNALERROR" not in run.stdout + run.stderr and "Traceback" not in run.stderr
    assert "key=exampels" in run.stderr


def test_a_config_event_typo_is_one_usage_line(repo):
    shutil.copytree(FIXTURES / "functions_repo_typo" / "functions" / "typo", repo / "functions" / "typo")
    run = _pytest(repo, "--lpf-handler", "functions/typo/")
    assert run.returncode == 4, run.stdout[-2000:] + run.stderr[-2000:]
    assert "did you mean surveybot_messaging_survey_started" in run.stderr


def test_config_payload_scenarios_are_recorded_as_snapshots(repo):
    (repo / "lpf-contract.toml").write_text('payloads = ["payloads/ended.jsonl"]\n', encoding="utf-8")
    run = _pytest(repo, "--lpf-handler", "functions/greeter/", "--lpf-snapshot-update", "-k", "snapshot")
    assert run.returncode == 0, run.stdout[-3000:]
    names = [p.name for p in (repo / "__lpf_snapshots__" / "greeter").rglob("*.json")]
    assert any(n.startswith("scenario-ended-") for n in names), names
    # recorded with the secret served: no secret failure recorded into the snapshots
    texts = "".join(p.read_text(encoding="utf-8") for p in (repo / "__lpf_snapshots__" / "greeter").rglob("*.json"))
    assert '"fault"' not in texts, texts[:2000]
    again = _pytest(repo, "--lpf-handler", "functions/greeter/", "-k", "snapshot")
    assert again.returncode == 0 and "failed" not in again.stdout, again.stdout[-3000:]
