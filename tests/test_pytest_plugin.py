"""The installed pytest plugin in a user's repository: no conftest.py, suites collected from the package.

Each run is a separate pytest process in a copy of tests/fixtures/packaging/user-repo (lpf's layout,
a ``.git`` folder so the config search stops there), with plugin autoloading on, as a user has it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_pytest

REPO = Path(__file__).resolve().parents[1]
USER_REPO = Path(__file__).resolve().parent / "fixtures" / "packaging" / "user-repo"

pytestmark = pytest.mark.slow


@pytest.fixture
def user_repo(tmp_path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(USER_REPO, work)
    (work / ".git").mkdir()
    assert not (work / "conftest.py").exists()
    return work


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_pytest(cwd, *args, examples=20)


def test_correct_function_passes_with_snapshot_tests_skipped(user_repo):
    run = _pytest(user_repo, "--lpf-handler", "functions/survey/")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout and "failed" not in run.stdout
    assert "record them with: pytest --lpf-handler functions/survey/ --lpf-snapshot-update" in run.stdout
    assert (user_repo / "reports" / "pytest" / "survey" / "conformance.json").is_file()


def test_faulty_function_fails_with_the_minimal_payload(user_repo):
    run = _pytest(user_repo, "--lpf-handler", "functions/broken/")
    assert run.returncode == 1, run.stdout[-3000:]
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
    assert failed and all("test_check[" in line and "broken" in line and "handler-error" in line for line in failed), failed
    assert "minimal payload:" in run.stdout and "repro: lpf-contract verify functions/broken/ --replay" in run.stdout


def test_snapshots_recorded_under_the_rootdir_then_compared(user_repo):
    recorded = _pytest(user_repo, "--lpf-handler", "functions/survey/", "--lpf-snapshot-update")
    assert recorded.returncode == 0, recorded.stdout[-3000:]
    folder = user_repo / "__lpf_snapshots__" / "survey"
    assert len(list(folder.rglob("*.json"))) > 20
    again = _pytest(user_repo, "--lpf-handler", "functions/survey/")
    assert again.returncode == 0 and "skipped" not in again.stdout, again.stdout[-3000:]
    (folder / "surveybot_messaging_survey_ended" / "no-ttr.json").unlink()
    missing = _pytest(user_repo, "--lpf-handler", "functions/survey/")
    assert missing.returncode == 1
    assert "1 failed" in missing.stdout


def test_options_come_from_the_config_file_and_flags_win(user_repo):
    (user_repo / "pyproject.toml").write_text(
        '[tool.lpf-contract]\nsnapshot-dir = "snaps"\nreport-dir = "out"\nseed = 42\n', encoding="utf-8"
    )
    run = _pytest(user_repo, "--lpf-handler", "functions/survey/", "--lpf-snapshot-update", "-v")  # -q -v: the header
    assert run.returncode == 0, run.stdout[-3000:]
    assert "lpf-contract: seed=42" in run.stdout
    assert f"lpf-contract: config={user_repo / 'pyproject.toml'}" in run.stdout
    assert any((user_repo / "snaps" / "survey").rglob("*.json"))
    assert (user_repo / "out" / "survey" / "conformance.json").is_file()
    flagged = _pytest(user_repo, "--lpf-handler", "functions/survey/", "--lpf-seed", "3", "-v")
    assert "lpf-contract: seed=3" in flagged.stdout


def test_unknown_config_key_is_a_usage_error_naming_it(user_repo):
    (user_repo / "lpf-contract.toml").write_text("exampels = 3\n", encoding="utf-8")
    run = _pytest(user_repo, "--lpf-handler", "functions/survey/")
    assert run.returncode not in (0, 1)
    assert "key=exampels" in run.stdout + run.stderr


def test_http_suite_is_opt_in(user_repo):
    default = _pytest(user_repo, "--lpf-handler", "handlers/good.py:lambda_", "--co")
    assert "test_http" not in default.stdout
    opted = _pytest(user_repo, "--lpf-handler", "handlers/good.py:lambda_", "--lpf-http", "--co")
    assert "-positive-good.py:lambda_]" in opted.stdout and "::test_http[" in opted.stdout, opted.stdout[-3000:]


def test_old_handler_option_is_gone(user_repo):
    # --handler could clash with another plugin's option: only --lpf-handler exists.
    run = _pytest(user_repo, "--handler", "functions/survey/")
    assert run.returncode == 4  # pytest's usage error
    assert "unrecognized arguments: --handler" in run.stderr


def test_this_repository_runs_the_suite_once_when_both_copies_are_collected():
    # suites/test_handler.py re-exports the plugin's module: `pytest suites --lpf-handler H` must not run it twice.
    env = {**os.environ, "CI": "true"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--co",
            "suites/test_handler.py",
            "--lpf-handler",
            "examples/handlers/survey_v1.js",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ids = [line for line in run.stdout.splitlines() if "::" in line]
    assert ids and all(line.startswith("suites/test_handler.py::") for line in ids), run.stdout[-3000:]
    assert "deselected" in run.stdout


def test_lpf_node_reaches_the_run_and_its_repro_commands(user_repo):
    # --lpf-node is verify's --node: the faulty function fails the same on the node on PATH, and the
    # repro command says which Node it ran on.
    run = _pytest(user_repo, "--lpf-handler", "functions/broken/", "--lpf-node", "local")
    assert run.returncode == 1, run.stdout[-3000:]
    repro = [ln for ln in run.stdout.splitlines() if "repro: lpf-contract verify functions/broken/ --replay" in ln]
    assert repro and all(ln.rstrip().endswith("--node local") for ln in repro), repro
    bad = _pytest(user_repo, "--lpf-handler", "functions/broken/", "--lpf-node", str(user_repo / "no-such-node"))
    assert bad.returncode != 0 and "--node: not an executable file" in bad.stdout, bad.stdout[-2000:]


def test_the_config_files_gate_applies_under_pytest_as_in_verify(user_repo):
    # A survey lambda that returns a command: an ignored-commands warning under the current contract.
    fn = user_repo / "functions" / "thanks"
    fn.mkdir()
    (fn / "index.js").write_text(
        'function lambda(input, callback) {\n  callback(null, [{ type: "systemMessage", text: "Thanks" }]);\n}\n',
        encoding="utf-8",
    )
    (fn / "config.json").write_text(
        json.dumps({"name": "thanks", "event": "surveybot_messaging_survey_ended", "environmentVariables": []}), encoding="utf-8"
    )
    assert _pytest(user_repo, "--lpf-handler", "functions/thanks/").returncode == 0  # a warning does not fail by default
    (user_repo / "lpf-contract.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    failed = _pytest(user_repo, "--lpf-handler", "functions/thanks/")
    assert failed.returncode == 1 and "ignored-commands" in failed.stdout, failed.stdout[-3000:]
    (user_repo / "lpf-contract.toml").write_text('fail-on = "warning"\nignore-checks = ["ignored-commands"]\n', encoding="utf-8")
    assert _pytest(user_repo, "--lpf-handler", "functions/thanks/").returncode == 0
