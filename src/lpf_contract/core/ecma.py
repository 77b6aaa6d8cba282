"""ECMA-262 regular expressions (JSON Schema's "pattern") in Python, and a draft-07 validator using them."""

from __future__ import annotations

import functools
import re


def _ecma_pattern(validator, pattern, instance, schema):
    # JSON Schema patterns are ECMA-262: "$" matches only at the very end, while Python's "$" also
    # matches before a trailing newline. Without this, "123\n" would pass "^[0-9]+$" here but not
    # in jsonschema-rs, and the fast and explaining validators would disagree.
    if not validator.is_type(instance, "string"):
        return
    if compile_ecma_pattern(pattern).search(instance) is None:
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.lru_cache(maxsize=256)
def compile_ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A Python regex with ECMA-262 semantics for a trailing "$" (end of input only)."""
    translated = re.sub(r"(?<!\\)\$$", r"\\Z", pattern)
    # ECMA-262's \d, \w and \b are ASCII-only, Python's Unicode (re.ASCII also narrows \s, which
    # ECMA keeps Unicode: the contracts use none of these, jsonschema-rs gives the verdicts anyway).
    return re.compile(translated, re.ASCII)


@functools.lru_cache(maxsize=1)
def validator_class():
    """Draft-07 python-jsonschema validator class with ECMA-262 "pattern" semantics."""
    from jsonschema import Draft7Validator, validators

    return validators.extend(Draft7Validator, {"pattern": _ecma_pattern})
