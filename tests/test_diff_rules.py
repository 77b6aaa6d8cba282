"""The rule catalogue, driven by the table of old/new pairs in tests/fixtures/diff/cases/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from lpf_contract.core.bundle import bundle_document
from lpf_contract.diff import diff_schemas
from lpf_contract.diff_rules import RULES, EventsPair, PolicyPair, Rule, RuleRegistry, norm

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "diff" / "cases"
CASES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.json"))}


def run_case(case):
    """(rule, where, effect, breaking_for) of every change the case produces, and the changes."""
    if case.get("kind") == "events":
        pair = EventsPair(tuple(case["old"]), tuple(case["new"]))
        found = []
        for rule in RULES.scoped("events"):
            for _ in rule.check(pair):
                found.append((rule.id, "/", rule.effect, list(rule.breaking_for(case["role"]))))
        return sorted(found), []
    if case.get("kind") == "policy":
        pair = PolicyPair(case["event"], case["old"], case["new"])
        found = []
        for rule in RULES.scoped("policy"):
            for hit in rule.check(pair):
                bf = hit.breaks if hit.breaks is not None else rule.breaking_for(case["role"])
                found.append((rule.id, "/", hit.effect or rule.effect, list(bf)))
        return sorted(found), []
    changes = diff_schemas(case["old"], case["new"], role=case["role"])
    return sorted((c.rule, c.where, c.effect, list(c.breaking_for)) for c in changes), changes


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_reports_exactly_the_expected_changes(name):
    case = CASES[name]
    got, _ = run_case(case)
    expected = sorted((e["rule"], e["where"], e["effect"], e["breaking_for"]) for e in case["expect"])
    assert got == expected, case["why"]
    for rule_id in case["negative_for"]:
        assert rule_id in RULES, f"{name}: negative_for names unknown rule={rule_id}"
        assert rule_id not in {g[0] for g in got}


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.get("kind") not in ("events", "policy")))
def test_every_breaking_change_has_a_witness_both_validators_agree_on(name):
    case = CASES[name]
    _, changes = run_case(case)
    docs = {"old": bundle_document(case["old"]), "new": bundle_document(case["new"])}
    for change in changes:
        if not change.breaking_for or change.rule in case.get("no_witness", ()):
            continue
        w = change.witness
        assert w is not None, f"{name}: no witness for {change.rule}"
        # Checked here with plain python-jsonschema, independently of the validators diff used.
        assert Draft7Validator(docs[w.accepted_by]).is_valid(w.instance), (change.rule, w)
        assert not Draft7Validator(docs[w.rejected_by]).is_valid(w.instance), (change.rule, w)
        expected_side = {"widening": "new", "narrowing": "old"}.get(change.effect)
        if expected_side:
            assert w.accepted_by == expected_side


def test_every_rule_has_a_positive_and_a_negative_case():
    positive = {e["rule"] for c in CASES.values() for e in c["expect"]}
    negative = {r for c in CASES.values() for r in c["negative_for"]}
    missing_pos = [r.id for r in RULES if r.id not in positive]
    missing_neg = [r.id for r in RULES if r.id not in negative]
    assert missing_pos == []
    assert missing_neg == []


def test_the_table_covers_both_roles_and_pure_refactors():
    assert len(CASES) >= 25
    assert {c["role"] for c in CASES.values()} == {"payload", "commands"}
    refactors = [n for n, c in CASES.items() if not c["expect"]]
    assert len(refactors) >= 5


def test_registry_rejects_a_duplicate_id():
    reg = RuleRegistry()
    rule = Rule("x-changed", "error", "widening", "test", lambda pair: ())
    reg.add(rule)
    with pytest.raises(ValueError, match="duplicate diff rule id=x-changed"):
        reg.add(rule)


def test_registry_rejects_an_unknown_effect():
    with pytest.raises(ValueError, match="bad effect"):
        RuleRegistry().add(Rule("y", "error", "sideways", "test", lambda pair: ()))


def test_rule_ids_are_stable_kebab_case_and_levels_known():
    for rule in RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id and "_" not in rule.id
        assert rule.level in ("error", "info")
        assert rule.summary


@pytest.mark.parametrize(
    ("effect", "role", "expected"),
    [
        ("widening", "payload", ("handlers",)),
        ("narrowing", "payload", ("platform",)),
        ("widening", "commands", ("platform",)),
        ("narrowing", "commands", ("handlers",)),
        ("incompatible", "payload", ("handlers", "platform")),
    ],
)
def test_direction_decides_who_breaks(effect, role, expected):
    assert Rule("r", "error", effect, "s", lambda p: ()).breaking_for(role) == expected


def test_norm_folds_refactors_into_one_form():
    a = norm({"allOf": [{"const": "ok", "type": "string", "description": "x"}]})
    b = norm({"enum": ["ok"], "type": ["string"], "minLength": 0})
    assert a.same_as(b)
    assert a.at["enum"] == "/allOf/0"
