"""Diffing whole contract versions: the shipped v1 -> v2, git revisions, witnesses, replay, rendering."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lpf_contract.contracts import Registry, load_registry
from lpf_contract.core.errors import UsageError
from lpf_contract.core.outcome import FaultKind, Outcome
from lpf_contract.diff import (
    DIFF_RULES,
    DiffReport,
    VersionRef,
    diff_versions,
    registry_at,
    render_changelog,
    render_md,
    render_rules,
    render_text,
    replay_witnesses,
)

REPO = Path(__file__).resolve().parents[1]
DIFF_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"


@pytest.fixture(scope="module")
def registry():
    return load_registry(REPO / "contracts")


@pytest.fixture(scope="module")
def small():
    return Registry.load(DIFF_FIXTURES / "contracts")


def test_v1_to_v2_changes_the_result_policy_and_breaks_nobody(registry):
    # v1 models the seed page (results acted on), v2 LivePerson's current page (the Survey Bot
    # processes no callback payload): both describe the same "ok" or commands.
    changes = diff_versions(VersionRef(registry, "v1", "v1"), VersionRef(registry, "v2", "v2"))
    policy = [c for c in changes if c.rule == "result-policy-changed"]
    # The events v2 adds (issue 20) are event-added changes, not policy changes.
    assert [c.subject for c in policy] == [f"result_policy {e}" for e in sorted(registry.version("v1").events)]
    assert all(c.level == "info" and c.breaking_for == () and c.effect == "widening" for c in policy)
    assert [c for c in changes if c.role == "commands" and c not in policy] == []
    assert not DiffReport("v1", "v2", tuple(changes)).breaking


def test_v2_back_to_v1_breaks_handlers_whose_results_were_harmless(registry):
    changes = diff_versions(VersionRef(registry, "v2", "v2"), VersionRef(registry, "v1", "v1"))
    policy = [c for c in changes if c.rule == "result-policy-changed"]
    assert len(policy) == 2
    assert all(c.level == "error" and c.breaking_for == ("handlers",) and c.effect == "narrowing" for c in policy)
    assert DiffReport("v2", "v1", tuple(changes)).breaking


def test_result_changes_under_an_ignored_policy_break_nobody(tmp_path):
    # The same narrowing of results (v1 commands -> "ok" only) is an error under acted-on and info
    # once the new version ignores results.
    root = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", root)
    (root / "v2" / "commands.schema.json").write_text(
        json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "$id": "https://t.invalid/v2/ok.json", "const": "ok"}),
        encoding="utf-8",
    )
    reg = Registry.load(root)
    ignored = [
        c for c in diff_versions(VersionRef(reg, "v1", "v1"), VersionRef(reg, "v2", "v2")) if c.subject.startswith("result ")
    ]
    assert ignored and all(c.breaking_for == () and c.level == "info" for c in ignored)
    text = (root / "registry.yaml").read_text(encoding="utf-8").replace("result_policy: ignored", "result_policy: acted-on")
    (root / "registry.yaml").write_text(text, encoding="utf-8")
    reg = Registry.load(root)
    enforced = [
        c for c in diff_versions(VersionRef(reg, "v1", "v1"), VersionRef(reg, "v2", "v2")) if c.subject.startswith("result ")
    ]
    assert enforced and all(c.breaking_for == ("handlers",) for c in enforced)


def test_a_version_against_itself_has_no_change(registry):
    assert diff_versions(VersionRef(registry, "v2", "v2"), VersionRef(registry, "v2", "v2")) == []


def test_v2_examples_are_valid_and_negative_ones_rejected_where_they_say(registry):
    for event_id in registry.version("v2").events:
        uri = registry.event(event_id, "v2").payload_uri
        good = registry.examples(event_id, "v2")
        assert good, f"v2 has no examples for {event_id}"
        for ex in good:
            assert registry.errors(uri, ex.payload) == [], ex.path
        for ex in registry.examples(event_id, "v2", invalid=True):
            paths = [e.path for e in registry.errors(uri, ex.payload)]
            assert ex.reject_at in paths, ex.path


def test_v2_is_current_and_v1_superseded(registry):
    assert registry.current_version() == "v2"
    assert registry.version("v1").status == "superseded"
    registry.check()


def test_committed_changelog_is_what_the_tool_generates_now(registry):
    committed = (REPO / "contracts" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert committed == render_changelog(registry), "regenerate: lpf-contract diff --changelog > contracts/CHANGELOG.md"


def test_payload_witnesses_are_taken_from_golden_examples(small):
    changes = diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2"))
    by_rule = {c.rule: c for c in changes}
    assert set(by_rule) == {"enum-value-added", "required-property-removed"}
    w = by_rule["enum-value-added"].witness
    assert w.instance == {"conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200", "closeReason": "TIMEOUT"}
    assert (w.at, w.accepted_by) == ("/closeReason", "new")
    assert by_rule["required-property-removed"].witness.instance == {"closeReason": "AGENT"}


def test_output_is_deterministic_and_sorted(small):
    a = diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2"))
    b = diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2"))
    assert a == b
    assert [c.sort_key() for c in a] == sorted(c.sort_key() for c in a)
    doc = DiffReport("v1", "v2", tuple(a)).to_json()
    assert list(doc["changes"][0])[:8] == ["rule", "level", "path", "path_old", "path_new", "effect", "breaking_for", "message"]


class FakeHandler:
    """Crashes on one close reason, like a handler with a lookup table."""

    def __init__(self, crash_on):
        self.crash_on = crash_on
        self.calls = []

    def invoke(self, event_id, input, *, timeout_ms=None):
        self.calls.append((event_id, input))
        if input["payload"].get("closeReason") == self.crash_on:
            return Outcome(fault=FaultKind.RUNTIME_EXCEPTION, error_message="TypeError: boom")
        return Outcome(result="ok", has_result=True)


def test_replay_says_which_witness_breaks_the_handler(small):
    changes = diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2"))
    handler = FakeHandler("TIMEOUT")
    replayed = replay_witnesses(changes, handler, result_errors=lambda e, r: [], target="fake")
    verdicts = {c.rule: c.replay.breaks for c in replayed}
    assert verdicts == {"enum-value-added": True, "required-property-removed": False}
    assert all(call[1]["headers"] == [] for call in handler.calls)
    assert DiffReport("v1", "v2", tuple(replayed), against="fake").breaking
    survived = replay_witnesses(changes, FakeHandler("NONE"), result_errors=lambda e, r: [], target="fake")
    assert not DiffReport("v1", "v2", tuple(survived), against="fake").breaking


def test_replay_counts_a_rejected_result_as_a_break(small):
    changes = diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2"))
    uri = small.event("surveybot_messaging_survey_ended", "v2").result_uri

    class Bad(FakeHandler):
        def invoke(self, event_id, input, *, timeout_ms=None):
            return Outcome(result={"type": "nope"}, has_result=True)

    replayed = replay_witnesses(changes, Bad(None), result_errors=lambda e, r: small.errors(uri, r), target="bad")
    assert all(c.replay.breaks and "rejected by the result schema" in c.replay.detail for c in replayed)


def test_mode_picks_whose_breakage_counts(registry):
    changes = tuple(diff_versions(VersionRef(registry, "v2", "v2"), VersionRef(registry, "v1", "v1")))
    assert DiffReport("v2", "v1", changes, "backward").breaking
    assert not DiffReport("v2", "v1", changes, "forward").breaking  # results now enforced: the platform is fine
    assert DiffReport("v2", "v1", changes, "full").breaking


def test_registry_at_a_git_revision_reads_the_committed_contracts(registry):
    with registry_at("HEAD", registry.root) as old:
        assert "v1" in old.versions
        assert diff_versions(VersionRef(old, "v1", "git:HEAD:v1"), VersionRef(registry, "v1", "v1")) == []


def test_registry_at_an_unknown_revision_is_a_usage_error(registry):
    with pytest.raises(UsageError, match="git archive failed"):
        with registry_at("no-such-revision-xyz", registry.root):
            pass


def test_renderers_name_every_change(small):
    changes = tuple(diff_versions(VersionRef(small, "v1", "v1"), VersionRef(small, "v2", "v2")))
    report = DiffReport("v1", "v2", changes)
    text, md = render_text(report), render_md(report)
    for c in changes:
        assert c.rule in text and f"`{c.rule}`" in md
    assert "breaking for existing handlers: yes" in text
    assert "| level | rule |" in md


def test_rule_catalogue_lists_every_rule_in_each_format():
    text, md = render_rules("text"), render_rules("md")
    data = json.loads(render_rules("json"))
    assert [r["id"] for r in data["rules"]] == DIFF_RULES.ids()
    for rule_id in DIFF_RULES.ids():
        assert rule_id in text and f"`{rule_id}`" in md


def test_changelog_of_any_registry_lists_newest_first(tmp_path, small):
    root = tmp_path / "contracts"
    shutil.copytree(DIFF_FIXTURES / "contracts", root)
    reg = Registry.load(root)
    log = render_changelog(reg)
    assert log.index("## v2") < log.index("## v1")
    assert "`enum-value-added`" in log and "First version." in log
