"""Diff self-consistency on the JSON-Schema-Test-Suite (draft 7 and optional/): a schema compared with
itself, and with a copy moved under ``definitions`` and named by a ``$ref``, shows no change."""

from __future__ import annotations

import pytest

from lpf_contract.core.bundle import bundle_document
from lpf_contract.core.errors import ContractError
from lpf_contract.diff import Subject, diff_subject, schema_side

from .suite_data import neighbours, suite_groups

GROUPS = dict(suite_groups())


def _bundled(schema):
    try:
        return bundle_document(schema, neighbours=neighbours())
    except ContractError as exc:
        assert "$ref loop" in str(exc), exc  # every suite ref resolves (remotes given): only loops stay
        return None


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_a_suite_schema_diffed_with_itself_shows_no_change(name):
    schema = GROUPS[name]["schema"]
    bundled = _bundled(schema)
    if bundled is None:
        return  # a recursive schema cannot be inlined: diff refuses it (exit 2), tested in test_diff.py
    side = schema_side(bundled, bundled=True)
    assert diff_subject(Subject(name, "payload", side, side)) == []
    # A $ref-refactored copy: the schema moved under definitions and named by a $ref.
    moved = {"definitions": {"moved": bundled}, "allOf": [{"$ref": "#/definitions/moved"}]}
    refactored = schema_side(bundle_document(moved), bundled=True)
    assert diff_subject(Subject(name, "commands", side, refactored)) == []
    assert diff_subject(Subject(name, "payload", refactored, side)) == []


def test_the_suite_is_all_there():
    assert len(GROUPS) >= 250
    assert sum(_bundled(g["schema"]) is not None for g in GROUPS.values()) >= 240
