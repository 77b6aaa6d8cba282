"""ECMA-262 patterns in Python (core/ecma.py): the translation, and agreement with jsonschema-rs on the
JSON-Schema-Test-Suite's draft-07 optional/ecmascript-regex.json (tests/fixtures/json-schema-test-suite)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest

from lpf_contract.core.ecma import EcmaPatternError, compile_ecma_pattern, validator_class

SUITE = Path(__file__).resolve().parent / "fixtures" / "json-schema-test-suite" / "tests" / "draft7"
REGEX_FILE = SUITE / "optional" / "ecmascript-regex.json"
CASES = [
    (g["description"], g["schema"], t["description"], t["data"], t["valid"])
    for g in json.loads(REGEX_FILE.read_text(encoding="utf-8"))
    for t in g["tests"]
]


@pytest.mark.parametrize(("group", "schema", "test", "data", "valid"), CASES, ids=[f"{c[0]}: {c[2]}" for c in CASES])
def test_both_validators_agree_with_the_suite_on_ecma_regexes(group, schema, test, data, valid):
    ours = validator_class()(schema).is_valid(data)
    theirs = jsonschema_rs.validator_for(schema).is_valid(data)
    assert ours == theirs == valid


def test_the_suite_file_is_all_there():
    # A truncated copy would make the test above pass vacuously.
    assert len(CASES) >= 70


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"^\s$", "\u00a0", True),  # ECMA WhiteSpace: Unicode spaces...
        (r"^\s$", "\ufeff", True),
        (r"^\s$", "\x1c", False),  # ...but not Python's extra separators
        (r"^\S$", "\u2003", False),
        (r"^\w$", "é", False),  # ASCII word characters
        (r"^\W$", "é", True),
        (r"^\d$", "٣", False),  # ASCII digits
        (r"^[\d\s]+$", "1 \u3000", True),
        (r"^\cC$", "\x03", True),
        (r"^\cc$", "\x03", True),
        (r"^a.b$", "a\nb", False),  # "." is anything but "\n", as jsonschema-rs reads it
        (r"^abc$", "abc\n", False),  # "$" is the end of input
        (r"^(?<y>\d{4})$", "2024", True),
        (r"^\P{L}+$", "12", True),
    ],
)
def test_translation_keeps_ecma_semantics(pattern, text, matches):
    assert (compile_ecma_pattern(pattern).search(text) is not None) is matches
    assert jsonschema_rs.validator_for({"pattern": pattern}).is_valid(text) is matches


def test_empty_classes_follow_ecma():
    # jsonschema-rs refuses these patterns as invalid; ECMA-262 reads "[^]" as any character, "[]" as none.
    assert compile_ecma_pattern(r"^[^]$").search("\n")
    assert not compile_ecma_pattern(r"x[]").search("x")


@pytest.mark.parametrize("pattern", [r"\p{Script=Greek}", r"[\S]", r"\k<x>", r"\u{1F600}"])
def test_what_cannot_be_translated_is_refused_by_name(pattern):
    with pytest.raises(EcmaPatternError, match="unsupported ECMA-262 regex feature="):
        compile_ecma_pattern(pattern)
