"""CI templates: the composite Action, the pre-commit hooks manifest, and `lpf-contract init`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from lpf_contract.config import load_config_file

REPO = Path(__file__).resolve().parents[1]


def test_action_is_a_composite_action_with_the_documented_inputs():
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["name"] and action["description"]
    assert set(action["inputs"]) >= {"paths", "python-version", "version", "args", "report-dir"}
    assert all("description" in spec for spec in action["inputs"].values())
    runs = action["runs"]
    assert runs["using"] == "composite"
    uses = [s.get("uses", "") for s in runs["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("actions/cache@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    # Composite run steps must name their shell.
    assert all("shell" in s for s in runs["steps"] if "run" in s)
    script = "\n".join(s.get("run", "") for s in runs["steps"])
    assert "lpf-contract verify" in script and "GITHUB_STEP_SUMMARY" in script and "lpf-contract setup" in script
    # Every ${{ inputs.X }} names a declared input.
    used = set(re.findall(r"inputs\.([\w-]+)", (REPO / "action.yml").read_text(encoding="utf-8")))
    assert used <= set(action["inputs"])


def test_pre_commit_manifest_has_the_hooks_with_valid_fields():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"lpf-lint", "lpf-check-payloads"}
    # pre-commit's manifest schema: id, name, entry, language required; files/exclude are regexes.
    allowed = {
        "id",
        "name",
        "entry",
        "language",
        "files",
        "exclude",
        "types",
        "types_or",
        "exclude_types",
        "args",
        "description",
        "pass_filenames",
        "always_run",
        "require_serial",
        "stages",
        "minimum_pre_commit_version",
    }
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert set(hook) <= allowed, set(hook) - allowed
        assert hook["language"] == "python"
        re.compile(hook.get("files", ""))
    assert re.search(by_id["lpf-lint"]["files"], "functions/survey/index.js")
    assert not re.search(by_id["lpf-lint"]["files"], "functions/survey/config.json")
    assert by_id["lpf-lint"]["entry"] == "lpf-contract lint"
    assert by_id["lpf-check-payloads"]["entry"] == "lpf-contract check-payloads"
    assert re.search(by_id["lpf-check-payloads"]["files"], "captures/ended.jsonl")


def test_init_writes_a_workflow_and_a_config_file_that_parse(tmp_path, run_cli):
    code, out, err = run_cli("init", tmp_path)
    assert code == 0, err
    workflow = yaml.safe_load((tmp_path / ".github/workflows/lpf-contract.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["verify"]["steps"]
    assert steps[-1]["with"]["paths"] == "functions/"
    assert "lpf-contract" in steps[-1]["uses"]
    config = load_config_file(tmp_path / "lpf-contract.toml")  # our own loader accepts every key it wrote
    assert config.settings.examples == 200
    assert config.settings.snapshot_dir == tmp_path / "__lpf_snapshots__"


def test_init_appends_to_an_existing_pyproject(tmp_path, run_cli):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "my-functions"\n', encoding="utf-8")
    code, _, err = run_cli("init", tmp_path, "--paths", "functions/a/ functions/b/")
    assert code == 0, err
    doc = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert doc["project"]["name"] == "my-functions"
    assert doc["tool"]["lpf-contract"]["timeout-ms"] == 30000
    assert not (tmp_path / "lpf-contract.toml").exists()
    load_config_file(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("with_pyproject", [False, True])
def test_init_refuses_to_overwrite_unless_forced(tmp_path, run_cli, with_pyproject):
    if with_pyproject:
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert run_cli("init", tmp_path)[0] == 0
    workflow = tmp_path / ".github/workflows/lpf-contract.yml"
    workflow.write_text("# mine\n", encoding="utf-8")
    code, _, err = run_cli("init", tmp_path)
    assert code == 2
    assert str(workflow) in err and "--force" in err
    assert workflow.read_text(encoding="utf-8") == "# mine\n"
    code, _, err = run_cli("init", tmp_path, "--force")
    assert code == 0, err
    assert "lpf-contract" in workflow.read_text(encoding="utf-8")
    if with_pyproject:  # one [tool.lpf-contract] table, not two
        doc = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
        assert doc["tool"]["lpf-contract"]["examples"] == 200


def test_init_into_a_missing_folder_is_bad_input(tmp_path, run_cli):
    code, _, err = run_cli("init", tmp_path / "nope")
    assert code == 2 and "nope" in err


def test_init_writes_an_explicit_action_placeholder_or_the_given_ref(tmp_path, run_cli):
    # newuser README list: `uses: lpf-contract/lpf-contract@main` was a guessed slug.
    (tmp_path / "a").mkdir()
    code, out, err = run_cli("init", tmp_path / "a")
    assert code == 0, err
    text = (tmp_path / "a" / ".github/workflows/lpf-contract.yml").read_text(encoding="utf-8")
    step = yaml.safe_load(text)["jobs"]["verify"]["steps"][-1]
    assert step["uses"] == "<owner>/lpf-contract@<tag>" and "--action-ref" in text and "placeholder" in out
    (tmp_path / "b").mkdir()
    code, out, err = run_cli("init", tmp_path / "b", "--action-ref", "acme/lpf-contract@v1.2.0")
    assert code == 0, err
    text = (tmp_path / "b" / ".github/workflows/lpf-contract.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["jobs"]["verify"]["steps"][-1]["uses"] == "acme/lpf-contract@v1.2.0"
    assert "Replace with" not in text
