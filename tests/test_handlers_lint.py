"""Static deploy rules (handlers/lint.py) and the `lpf-contract lint` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lpf_contract.cli import main
from lpf_contract.core.errors import InputFileError
from lpf_contract.verify.deploy_rules import MAX_SOURCE_CHARS, LintIssue, blank_source, lint_file, lint_source, module_available

HANDLERS = Path(__file__).parent / "fixtures" / "handlers"
LINT = HANDLERS / "lint"
EXPECTED = yaml.safe_load((LINT / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_fixture_issues(name):
    assert [[i.rule, i.line] for i in lint_file(LINT / name)] == EXPECTED[name]


def test_every_lint_fixture_is_expected():
    assert {p.name for p in LINT.glob("*.js")} == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(HANDLERS.glob("node/v*/ok_*.js")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_correct_catalogue_handlers_lint_clean(path):
    assert lint_file(path) == []


def test_size_limit(tmp_path):
    src = (LINT / "clean_v2.js").read_text(encoding="utf-8")
    big = tmp_path / "big.js"
    big.write_text(src + "// padding\n" * (MAX_SOURCE_CHARS // 11 + 1), encoding="utf-8")
    issues = lint_file(big)
    assert [i.rule for i in issues] == ["size"]
    assert f"chars={len(big.read_text())}" in issues[0].message


def test_folder_target_lints_index_js():
    assert lint_file(HANDLERS / "node" / "folder" / "survey_fn") == []


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(InputFileError):
        lint_file(tmp_path / "none.js")


def test_issue_is_a_frozen_value():
    issue = LintIssue("eval", "m", 3)
    with pytest.raises(AttributeError):
        issue.line = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "available"),
    [("fs", True), ("node:fs/promises", True), ("lodash/get", True), ("lp-faas-toolbelt", True),
     ("core-functions-toolbelt", True), ("left-pad", False), ("./local", False), ("@scope/pkg", False)],
)
def test_module_available(name, available):
    assert module_available(name) is available


@pytest.mark.parametrize(
    ("name", "v1", "v2"),
    # src/lpf_contract/core/platform.json, with LivePerson's sources
    [("lodash", True, False), ("jsforce", True, False), ("es-toolkit", False, True), ("es-toolkit/compat", False, True),
     ("luxon", True, True), ("jsonwebtoken", True, True), ("oauth-1.0a", True, True),
     ("lp-faas-toolbelt", True, False), ("core-functions-toolbelt", False, True), ("crypto", True, True)],
)
def test_module_available_per_runtime(name, v1, v2):
    assert (module_available(name, "v1"), module_available(name, "v2")) == (v1, v2)
    assert module_available(name) is (v1 or v2)  # runtime unknown: never a false alarm


def test_module_unavailable_names_the_runtime_and_what_it_offers():
    v2 = "const _ = require('lodash');\nasync function lambda(input) { return _.pick(input, []); }\n"
    (issue,) = lint_source(v2)
    assert (issue.rule, issue.line) == ("module-unavailable", 1)
    assert "not available on LivePerson Functions V2" in issue.message and "es-toolkit" in issue.message
    v1 = "const _ = require('lodash');\nfunction lambda(input, callback) { callback(null, _.pick(input, [])); }\n"
    assert lint_source(v1) == []


def test_blank_source_keeps_layout():
    src = (LINT / "clean_v1.js").read_text(encoding="utf-8")
    code, strings = blank_source(src)
    assert len(code) == len(src) and code.count("\n") == src.count("\n")
    assert "left-pad" not in code and "eval(" not in code
    assert "lodash" in [s[2] for s in strings]


def test_cli_exit_codes_and_json(capsys):
    assert main(["lint", str(LINT / "clean_v1.js")]) == 0
    assert main(["lint", "--format", "json", str(LINT / "clean_v1.js"), str(LINT / "eval_and_new_function.js")]) == 1
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    assert report["issues"] == 2
    assert [i["rule"] for i in report["files"][1]["issues"]] == ["eval", "new-function"]
    assert main(["lint", str(LINT / "does-not-exist.js")]) == 2


def test_cli_text_names_file_line_and_rule(capsys):
    assert main(["lint", str(LINT / "callback_unused.js")]) == 1
    assert f"{LINT / 'callback_unused.js'}:1: callback-unused:" in capsys.readouterr().out
