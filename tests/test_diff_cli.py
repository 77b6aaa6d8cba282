"""`lpf-contract diff` end to end: exit codes, formats, files, git revisions, --transitive, --against."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parent / "fixtures" / "diff"
SMALL = FIX / "contracts"


def test_v1_v2_reports_the_result_policy_change_and_breaks_nobody(run_cli):
    code, out, err = run_cli("diff", "v1", "v2", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["breaking"] is False
    policy = [c for c in doc["changes"] if c["rule"] == "result-policy-changed"]
    assert len(policy) == 2
    assert all(c["level"] == "info" and c["breaking_for"] == [] and "acted-on -> ignored" in c["message"] for c in policy)
    assert out == run_cli("diff", "v1", "v2", "--format", "json")[1]  # deterministic


def test_v2_v1_breaks_existing_handlers_exit_1(run_cli):
    code, out, err = run_cli("diff", "v2", "v1", "--format", "json")
    assert code == 1, err
    policy = [c for c in json.loads(out)["changes"] if c["rule"] == "result-policy-changed"]
    assert policy and all(c["breaking_for"] == ["handlers"] and c["role"] == "commands" for c in policy)


def test_forward_mode_judges_the_platform_side(run_cli):
    code, out, _ = run_cli("diff", "v1", "v2", "--mode", "forward")
    assert code == 0
    assert "breaking for the platform side: no" in out


def test_same_version_exit_0(run_cli):
    code, out, _ = run_cli("diff", "v1", "v1")
    assert code == 0 and "0 changes" in out


def test_markdown_for_pull_requests(run_cli):
    code, out, _ = run_cli("diff", "v2", "v1", "--format", "md")
    assert code == 1
    assert out.startswith("## `v2` → `v1`")
    assert "| error | `result-policy-changed` |" in out


def test_bare_files_need_a_role(run_cli):
    old, new = FIX / "files" / "old.schema.json", FIX / "files" / "new.schema.json"
    code, _, err = run_cli("diff", old, new)
    assert code == 2 and "--role" in err
    code, out, _ = run_cli("diff", old, new, "--role", "payload", "--format", "json")
    assert code == 1
    rules = sorted(c["rule"] for c in json.loads(out)["changes"])
    assert rules == ["enum-value-added", "minimum-removed", "required-property-removed", "type-widened"]
    # The same widening is harmless for handlers when the schema is a result.
    code, out, _ = run_cli("diff", old, new, "--role", "commands", "--format", "json")
    assert code == 0
    assert {c["level"] for c in json.loads(out)["changes"]} == {"warning"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("diff", "v1", "v9"), "known: v1, v2"),
        (("diff", "v1"), "give OLD and NEW"),
        (("diff", "git:no-such-rev-xyz", "v1"), "git archive failed"),
        (("diff", "git:HEAD:v9", "v1"), "unknown contract version=v9"),
    ],
)
def test_bad_input_exits_2(run_cli, argv, needle):
    code, _, err = run_cli(*argv)
    assert code == 2
    assert needle in err


def test_file_that_is_not_json_exits_2(run_cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    code, _, err = run_cli("diff", bad, FIX / "files" / "new.schema.json", "--role", "payload")
    assert code == 2 and "cannot read schema file" in err


def test_git_revision_against_the_working_tree(run_cli):
    # Only the label is asserted: other engineers may have uncommitted contract edits right now.
    code, out, err = run_cli("diff", "git:HEAD", "v1")
    assert code in (0, 1), err
    assert out.startswith("git:HEAD:v1 -> v1")


def test_git_revision_of_a_registry_in_a_temporary_repository(run_cli, tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(SMALL, repo / "contracts")
    v2 = repo / "contracts" / "v2" / "payload.schema.json"
    original = v2.read_text(encoding="utf-8")
    v1_payload = (repo / "contracts" / "v1" / "payload.schema.json").read_text(encoding="utf-8")
    v2.write_text(v1_payload.replace("/v1/", "/v2/"), encoding="utf-8")  # v2 == v1 when committed
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "v2 like v1"], check=True)
    v2.write_text(original, encoding="utf-8")  # the working tree widens v2
    code, out, err = run_cli("--contracts", repo / "contracts", "diff", "git:HEAD", "v2", "--format", "json")
    assert code == 1, err
    assert json.loads(out)["old"] == "git:HEAD:v2"
    assert {c["rule"] for c in json.loads(out)["changes"]} == {"enum-value-added", "required-property-removed"}


def test_transitive_checks_every_version_against_all_earlier(run_cli):
    code, out, _ = run_cli("diff", "--transitive", "--format", "json")
    doc = json.loads(out)
    assert [(r["old"], r["new"]) for r in doc["reports"]] == [("v1", "v2")]
    assert code == 0 and doc["breaking"] is False  # acted-on -> ignored breaks nobody


def test_transitive_with_three_versions(run_cli, tmp_path):
    root = tmp_path / "contracts"
    shutil.copytree(SMALL, root)
    reg = (root / "registry.yaml").read_text(encoding="utf-8")
    v3 = reg[reg.index("  v2:") :].replace("  v2:", "  v3:").replace("status: draft", "status: draft")
    (root / "registry.yaml").write_text(reg + v3, encoding="utf-8")
    code, out, _ = run_cli("--contracts", root, "diff", "--transitive", "--format", "json")
    pairs = [(r["old"], r["new"]) for r in json.loads(out)["reports"]]
    assert pairs == [("v1", "v2"), ("v1", "v3"), ("v2", "v3")]
    code, out, _ = run_cli("--contracts", root, "diff", "--transitive", "v3", "--format", "json")
    assert [(r["old"], r["new"]) for r in json.loads(out)["reports"]] == [("v1", "v3"), ("v2", "v3")]


def test_rules_catalogue(run_cli):
    from lpf_contract.diff import DIFF_RULES

    code, out, _ = run_cli("diff", "--rules", "--format", "json")
    assert code == 0
    assert [r["id"] for r in json.loads(out)["rules"]] == DIFF_RULES.ids()


def test_changelog_mode_prints_the_committed_file(run_cli):
    code, out, _ = run_cli("diff", "--changelog")
    assert code == 0
    assert out == (Path(__file__).resolve().parents[1] / "contracts" / "CHANGELOG.md").read_text(encoding="utf-8")


def test_against_a_real_handler_says_which_witness_breaks_it(run_cli):
    if shutil.which("node") is None:
        pytest.fail("node is required for --against with a .js handler")
    strict = FIX / "handlers" / "strict-close-reason.js"
    code, out, err = run_cli("--contracts", SMALL, "diff", "v1", "v2", "--against", strict, "--format", "json")
    assert code == 1, err
    replays = {c["rule"]: c["replay"] for c in json.loads(out)["changes"]}
    assert replays["enum-value-added"]["breaks"] is True
    assert "runtime-exception" in replays["enum-value-added"]["detail"]
    assert replays["required-property-removed"]["breaks"] is False

    tolerant = FIX / "handlers" / "tolerant.js"
    code, out, err = run_cli("--contracts", SMALL, "diff", "v1", "v2", "--against", tolerant)
    assert code == 0, err
    assert "survives" in out and "BREAKS" not in out


def test_against_replays_golden_examples_for_result_changes(run_cli):
    if shutil.which("node") is None:
        pytest.fail("node is required for --against with a .js handler")
    # v2 -> v1 enforces results again: a greeting that was harmless is now rejected.
    code, out, err = run_cli("diff", "v2", "v1", "--against", FIX / "handlers" / "returns-greeting.js", "--format", "json")
    assert code == 1, err
    replayed = [c for c in json.loads(out)["changes"] if c["rule"] == "result-policy-changed"]
    assert replayed
    for c in replayed:
        assert c["replay"]["breaks"] is True
        assert "rejected by the result schema" in c["replay"]["detail"]
    # --role commands: v2 -> v1 also removes the events v2 added (issue 20), which breaks their handlers.
    code, out, err = run_cli("diff", "v2", "v1", "--role", "commands", "--against", FIX / "handlers" / "returns-message.js")
    assert code == 0, err
    assert "breaking for handler" in out and ": no" in out.splitlines()[0]


def test_role_filters_a_version_diff(run_cli):
    code, out, _ = run_cli("diff", "v1", "v2", "--role", "payload", "--format", "json")
    # The survey payloads are unchanged; v2 only adds the other events (issue 20), info level.
    assert code == 0 and {(c["rule"], c["level"]) for c in json.loads(out)["changes"]} == {("event-added", "info")}
    code, out, _ = run_cli("diff", "v2", "v1", "--role", "commands", "--format", "json")
    assert code == 1 and {c["rule"] for c in json.loads(out)["changes"]} == {"result-policy-changed"}


def test_no_witnesses_skips_them_and_says_nothing_about_them(run_cli):
    code, out, _ = run_cli("diff", "v2", "v1", "--no-witnesses", "--format", "json")
    assert code == 1
    assert all("witness" not in c for c in json.loads(out)["changes"])
    code, out, _ = run_cli("diff", "v2", "v1", "--no-witnesses")
    assert "witness at" not in out and "witness: none" not in out
    code, _, err = run_cli("diff", "v1", "v2", "--no-witnesses", "--against", FIX / "handlers" / "tolerant.js")
    assert code == 2 and "--against replays witnesses" in err


def test_git_revision_outside_a_repository_exits_2(run_cli, tmp_path):
    shutil.copytree(SMALL, tmp_path / "contracts")
    code, _, err = run_cli("--contracts", tmp_path / "contracts", "diff", "git:HEAD", "v1")
    assert code == 2 and "not in one" in err


def test_markdown_escapes_schema_text(run_cli, fixtures):
    # Property names and enum values are data: they must not break the table or reach HTML raw
    # (inside a code span "<b>" is literal text, outside it must be escaped).
    import re

    folder = fixtures / "diff" / "injection"
    code, out, _ = run_cli("diff", folder / "old.json", folder / "new.json", "--role", "payload", "--format", "md")
    assert code == 0
    assert "<script>" not in out and "&lt;script&gt;" in out
    rows = [line for line in out.splitlines() if line.startswith("| warning")]
    assert len(rows) == 2
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 8 for row in rows), rows


def test_a_change_no_witness_shows_is_unconfirmed_and_breaks_only_with_strict(run_cli, tmp_path):
    # The pattern already caps the length at 3: removing maxLength accepts no new value, but the
    # max-length-removed rule cannot see that. Without a witness it is a warning, not a break.
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"type": "string", "maxLength": 3, "pattern": "^a{0,3}$"}), encoding="utf-8")
    new.write_text(json.dumps({"type": "string", "pattern": "^a{0,3}$"}), encoding="utf-8")
    code, out, err = run_cli("diff", old, new, "--role", "payload", "--format", "json")
    assert code == 0, err
    (change,) = json.loads(out)["changes"]
    assert change["rule"] == "max-length-removed" and change["unconfirmed"] is True and change["level"] == "warning"
    assert "witness" not in change
    code, out, _ = run_cli("diff", old, new, "--role", "payload", "--strict")
    assert code == 1
    assert "witness: none found (counted as breaking (--strict))" in out
    code, out, _ = run_cli("diff", old, new, "--role", "payload")
    assert code == 0 and "unconfirmed: not breaking without --strict" in out


def test_a_witnessed_change_is_not_unconfirmed(run_cli, tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"type": "string", "maxLength": 3}), encoding="utf-8")
    new.write_text(json.dumps({"type": "string"}), encoding="utf-8")
    code, out, _ = run_cli("diff", old, new, "--role", "payload", "--format", "json")
    assert code == 1
    (change,) = json.loads(out)["changes"]
    assert "unconfirmed" not in change and change["witness"]["accepted_by"] == "new"


def test_boolean_root_schemas_are_compared(run_cli, tmp_path):
    nothing, strings = tmp_path / "false.json", tmp_path / "strings.json"
    nothing.write_text("false", encoding="utf-8")
    strings.write_text(json.dumps({"type": "string"}), encoding="utf-8")
    code, out, err = run_cli("diff", nothing, strings, "--role", "payload", "--format", "json")
    assert code == 1, err
    (change,) = json.loads(out)["changes"]
    assert change["rule"] == "type-widened" and change["witness"]["accepted_by"] == "new"
    code, _, err = run_cli("diff", nothing, nothing, "--role", "payload")
    assert code == 0, err


def test_against_replays_what_verify_sends_not_only_the_golden_examples(run_cli):
    # Issue 18 item 5: the behaviour is reached only by payloads the golden examples lack (stage CLOSE);
    # the systematic set (every enum value) reaches it, and the breaking payload is shrunk.
    from lpf_contract.contracts import load_registry

    registry = load_registry()
    golden = [e.payload for ev in registry.version("v1").events for e in registry.examples(ev, "v1")]
    assert golden and not any(p.get("stage") == "CLOSE" for p in golden)
    target = FIX / "handlers" / "greets-closed-conversations.js"
    code, out, err = run_cli("diff", "v2", "v1", "--role", "commands", "--against", target, "--examples", "5", "--format", "json")
    assert code == 1, err
    replayed = [c for c in json.loads(out)["changes"] if c["rule"] == "result-policy-changed"]
    assert replayed and all(c["replay"]["breaks"] for c in replayed)
    detail = replayed[0]["replay"]["detail"]
    assert "enum:/stage=CLOSE" in detail and "shrunk to" in detail and '"Hello"' in detail, detail


def test_against_does_not_judge_a_handler_that_met_a_call_without_fixture(run_cli):
    # The same handler as strict-close-reason.js, behind a ConversationUtil call lpf cannot answer: the
    # witness replay says nothing, so the change is reported unreplayed (it still counts), not as BREAKS.
    handler = FIX / "handlers" / "asks-conversation-util.js"
    code, out, err = run_cli("--contracts", SMALL, "diff", "v1", "v2", "--against", handler, "--format", "json")
    assert code == 1, err  # the breaking change still counts
    changes = {c["rule"]: c for c in json.loads(out)["changes"]}
    assert changes["enum-value-added"].get("replay") is None
