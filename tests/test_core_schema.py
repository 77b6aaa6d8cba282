"""core/schema.py: the one schema model both the diff and the generator read (kinds, disjointness,
the minimal instance)."""

from __future__ import annotations

import pytest
from jsonschema import Draft7Validator

from lpf_contract.core.minimal import minimal
from lpf_contract.core.schema import ANNOTATIONS, CONTENT, NOT_ASSERTED, all_disjoint, disjoint, kinds, norm

TAGGED_A = {"type": "object", "required": ["type"], "properties": {"type": {"const": "a"}}}
TAGGED_B = {"type": "object", "required": ["type"], "properties": {"type": {"const": "b"}}}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"type": "string"}, {"type": "integer"}, True),
        ({"type": "number"}, {"type": "integer"}, False),
        ({"enum": ["x", "y"]}, {"enum": ["z"]}, True),
        ({"enum": [1]}, {"enum": [1.0]}, False),  # JSON equality: 1 == 1.0
        (TAGGED_A, TAGGED_B, True),
        (TAGGED_A, TAGGED_A, False),
        # An untagged object ({}) matches both when the tag is optional: not disjoint.
        ({**TAGGED_A, "required": []}, {**TAGGED_B, "required": []}, False),
        # The tag behind an allOf (how bundling and merging spell it) still counts.
        (
            {**TAGGED_A, "properties": {"type": {"allOf": [{"type": "string"}, {"const": "a"}]}}},
            TAGGED_B,
            True,
        ),
        # A union of objects is an object: disjoint from a string.
        ({"oneOf": [TAGGED_A, TAGGED_B]}, {"const": "ok"}, True),
        ({}, {"type": "string"}, False),
    ],
)
def test_disjoint(a, b, expected):
    assert disjoint(norm(a), norm(b)) is expected
    assert disjoint(norm(b), norm(a)) is expected


def test_all_disjoint_needs_every_pair():
    assert all_disjoint([norm(TAGGED_A), norm(TAGGED_B), norm({"type": "string"})])
    assert not all_disjoint([norm(TAGGED_A), norm(TAGGED_B), norm({"type": "object"})])


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "object",
            "required": ["id", "n"],
            "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}, "n": {"type": "integer", "exclusiveMinimum": 4}},
        },
        {"type": "array", "minItems": 2, "items": {"enum": ["A", "B"]}},
        {"oneOf": [TAGGED_A, TAGGED_B]},
        {"allOf": [{"type": "object", "required": ["a"]}, {"properties": {"a": {"type": "boolean"}}}]},
        {"type": "number", "minimum": 2.5},
        {"type": "string", "minLength": 3},
        {"type": ["null", "string"]},
    ],
)
def test_minimal_builds_a_small_valid_instance(schema):
    value = minimal(schema)
    assert Draft7Validator(schema).is_valid(value), value


def test_kinds_read_type_and_enum_together():
    assert kinds(norm({"type": "number"})) == {"integer", "fraction"}
    assert kinds(norm({"type": ["string", "null"], "enum": ["a", 1]})) == {"string"}
    assert kinds(norm(False)) == frozenset()


def test_one_annotation_vocabulary():
    # The diff ignores what no validator asserts; the generator skips only pure annotations and
    # refuses content keywords (tests/fixtures/variants/unsupported.json) and reads x-lpf-generate.
    assert ANNOTATIONS < NOT_ASSERTED and CONTENT < NOT_ASSERTED and not (ANNOTATIONS & CONTENT)
    assert norm({"type": "string", "contentEncoding": "base64", "x-lpf-generate": {"minLength": 1}}).kw == {"type": ("string",)}
