"""The configuration file: found upwards, validated key by key, and merged under the command-line flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lpf_contract.config import Config, ConfigError, find_config_file, load_config, load_config_file
from lpf_contract.handlers import function_name

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "config"
REPO = Path(__file__).resolve().parents[1]
OK_HANDLER = REPO / "tests/fixtures/handlers/node/v1/ok_callback.js"


def test_full_file_is_read_with_paths_relative_to_it():
    cfg = load_config_file(FIXTURES / "full" / "pyproject.toml")
    s = cfg.settings
    assert (s.examples, s.timeout_ms, s.workers, s.seed, s.version) == (50, 5000, 2, 7, "v1")
    assert s.allow_domains == ("api.example.com",)
    assert s.secrets == FIXTURES / "full" / "secrets.json"
    assert s.report_dir == FIXTURES / "full" / "out/reports"
    assert s.snapshot_dir == FIXTURES / "full" / "__lpf_snapshots__"
    assert s.payloads == (FIXTURES / "full" / "captures/ended.jsonl",)
    assert s.severity == {"duplicate-command": "error"}


def test_per_function_table_overrides_the_top_level_for_that_function_only():
    cfg = load_config_file(FIXTURES / "full" / "pyproject.toml")
    slow = cfg.for_target("functions/slow-survey/")
    assert slow.timeout_ms == 20000 and slow.examples == 50
    assert slow.allow_domains == ("crm.example.com",)
    assert slow.severity == {"duplicate-command": "error", "multiple-results": "error"}
    assert cfg.for_target("functions/slow-survey/index.js") == slow
    assert cfg.for_target("functions/other/").timeout_ms == 5000


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("unknown-key", "unknown key in config: key=tool.lpf-contract.exampels file="),
        ("unknown-function-key", "unknown key in config: key=functions.survey.timeout file="),
        ("bad-severity", "unknown check in config: key=severity.no-such-check"),
        ("bad-type", "bad value in config: key=examples value='many'"),
        ("not-toml", "config file is not valid TOML"),
        ("both", "two config files in one folder"),
    ],
)
def test_bad_files_name_the_key_and_the_file(folder, message):
    with pytest.raises(ConfigError) as caught:
        load_config(FIXTURES / folder)
    assert message in str(caught.value)
    assert str(FIXTURES / folder) in str(caught.value)
    assert caught.value.exit_code == 2


def test_found_from_a_subfolder_and_not_past_the_repository_root(tmp_path):
    shutil.copy(FIXTURES / "own-file" / "lpf-contract.toml", tmp_path / "lpf-contract.toml")
    deep = tmp_path / "repo" / "functions" / "survey"
    deep.mkdir(parents=True)
    assert find_config_file(deep) == tmp_path / "lpf-contract.toml"
    assert load_config(deep).settings.examples == 3
    (tmp_path / "repo" / ".git").mkdir()  # the repository root stops the search
    assert find_config_file(deep) is None
    assert load_config(deep) == Config()


def test_pyproject_without_our_table_is_no_config_and_the_search_goes_on(tmp_path):
    shutil.copy(FIXTURES / "own-file" / "lpf-contract.toml", tmp_path / "lpf-contract.toml")
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(FIXTURES / "no-table" / "pyproject.toml", sub / "pyproject.toml")
    assert find_config_file(sub) == tmp_path / "lpf-contract.toml"


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("functions/survey/", "survey"),
        ("functions/survey/index.js", "survey"),
        ("x/thanks.js", "thanks"),
        ("a/handler.py:handle", "handler"),
        ("pkg.mod:handle", "pkg.mod"),
        ("http://127.0.0.1:8080/gw", "127.0.0.1_gw"),
    ],
)
def test_function_name(target, name):
    assert function_name(target) == name


# -- wired into the commands ----------------------------------------------------------------------------
def _repo(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_verify_takes_options_from_the_file_and_flags_win(tmp_path, monkeypatch, run_cli):
    repo = _repo(
        tmp_path,
        '[tool.lpf-contract]\nexamples = 3\nseed = 11\nreport-dir = "from-config"\n'
        "[tool.lpf-contract.functions.ok_callback]\nexamples = 4\n",
    )
    monkeypatch.chdir(repo)
    code, _, err = run_cli("verify", OK_HANDLER, "--no-systematic", "--no-progress")
    assert code == 0, err
    report = json.loads((repo / "from-config" / "conformance.json").read_text(encoding="utf-8"))
    assert report["seed"] == 11
    assert "examples=4" in err  # the function's own table beats the top level
    code, _, err = run_cli(
        "verify", OK_HANDLER, "--no-systematic", "--no-progress", "--examples", "2", "--seed", "5", "--report-dir", repo / "flags"
    )
    assert code == 0, err
    assert "examples=2" in err and "seed=5" in err
    assert (repo / "flags" / "conformance.json").is_file()


def test_verify_exits_2_naming_an_unknown_key(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(_repo(tmp_path, "[tool.lpf-contract]\nworker = 2\n"))
    code, _, err = run_cli("verify", OK_HANDLER)
    assert code == 2
    assert "key=tool.lpf-contract.worker" in err and "pyproject.toml" in err
    assert "Traceback" not in err


def test_snapshot_takes_its_folder_from_the_file(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(_repo(tmp_path, '[tool.lpf-contract]\nsnapshot-dir = "snaps"\n'))
    code, out, err = run_cli("snapshot", OK_HANDLER, "--update")
    assert code == 0, out + err
    assert any((tmp_path / "snaps" / "ok_callback").rglob("*.json"))
    code, out, err = run_cli("snapshot", OK_HANDLER)
    assert code == 0, out + err


def test_snapshot_without_a_folder_anywhere_is_bad_input(tmp_path, monkeypatch, run_cli):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("snapshot", OK_HANDLER)
    assert code == 2 and "--snapshot-dir" in err


def test_fail_on_and_ignore_checks_keys_are_validated(tmp_path):
    from lpf_contract.config import ConfigError, parse_config

    cfg = parse_config({"fail-on": "warning", "ignore-checks": ["multiple-results"]}, path=tmp_path / "x.toml")
    assert cfg.settings.fail_on == "warning" and cfg.settings.ignore_checks == ("multiple-results",)
    with pytest.raises(ConfigError, match="key=fail-on value='fatal'"):
        parse_config({"fail-on": "fatal"}, path=tmp_path / "x.toml")
    with pytest.raises(ConfigError, match="unknown check in config: key=ignore-checks value='nope'"):
        parse_config({"ignore-checks": ["nope"]}, path=tmp_path / "x.toml")
