"""Which keywords the payload generator honours, and the loud refusal of every other one."""

from __future__ import annotations

from typing import Any

from ..core.errors import ContractError
from ..core.pointer import escape
from ..core.schema import ANNOTATIONS, GENERATE, JSON_TYPES

SUPPORTED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "minItems", "maxItems", "pattern", "allOf", "oneOf", "anyOf", "uniqueItems",
    }
)  # fmt: skip


class UnsupportedSchema(ContractError):
    """The generator cannot honour a schema keyword (or combination); never skipped silently."""

    def __init__(self, keyword: str, pointer: str, why: str = ""):
        self.keyword = keyword
        self.pointer = pointer
        detail = f": {why}" if why else ""
        super().__init__(
            f"unsupported schema keyword={keyword} at schema pointer={pointer or '/'}{detail}; "
            "the payload generator cannot honour it: simplify the contract or extend lpf_contract.variants"
        )


def at(base: str, *parts: Any) -> str:
    return base + "".join("/" + escape(p) for p in parts)


_NUMERIC = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_COUNTS = frozenset({"minLength", "maxLength", "minItems", "maxItems"})


# -- keyword check ---------------------------------------------------------------------------------
def check_keywords(schema: Any, pointer: str = "") -> None:
    """Raise UnsupportedSchema for the first keyword (in document order) the generator does not honour."""
    if isinstance(schema, bool):
        if schema is False:
            raise UnsupportedSchema("false", pointer, "the schema false admits no value to generate")
        return
    if not isinstance(schema, dict):
        raise UnsupportedSchema("(not a schema)", pointer, f"expected an object or boolean, got {type(schema).__name__}")
    for key, value in schema.items():
        where = at(pointer, key)
        if key in ANNOTATIONS:
            continue
        if key == "$ref":
            raise UnsupportedSchema(key, where, "bundle the schema first (Registry.bundled)")
        if key == GENERATE:
            check_keywords(value, where)
            continue
        if key not in SUPPORTED:
            raise UnsupportedSchema(key, where)
        if key == "type":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not names or any(n not in JSON_TYPES for n in names):
                raise UnsupportedSchema(key, where, f"expected one of {', '.join(JSON_TYPES)} or a list of them, got {value!r}")
        if key in _NUMERIC and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise UnsupportedSchema(key, where, f"expected a number (draft-07), got {value!r}")
        if key in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise UnsupportedSchema(key, where, f"expected a non-negative integer, got {value!r}")
        if key == "pattern":
            _check_pattern(value, where)
        if key == "uniqueItems" and value is True:
            raise UnsupportedSchema(key, where, "uniqueItems=true is not generated")
        if key == "items" and isinstance(value, list):
            raise UnsupportedSchema(key, where, "tuple form of items (a list of schemas)")
        if key == "properties":
            for name, sub in value.items():
                check_keywords(sub, at(where, name))
        elif key in ("items", "additionalProperties"):
            if not (key == "additionalProperties" and isinstance(value, bool)):
                check_keywords(value, where)
        elif key in ("allOf", "oneOf", "anyOf"):
            if not value:
                raise UnsupportedSchema(key, where, "an empty list")
            for i, sub in enumerate(value):
                check_keywords(sub, at(where, i))


def _check_pattern(pattern: Any, where: str) -> None:
    from ..core.ecma import EcmaPatternError, compile_ecma_pattern

    if not isinstance(pattern, str):
        raise UnsupportedSchema("pattern", where, f"expected a string, got {pattern!r}")
    try:
        compile_ecma_pattern(pattern)
    except EcmaPatternError as exc:
        # Python's re cannot match it as ECMA-262 does: refuse rather than draw wrong strings.
        raise UnsupportedSchema("pattern", where, f"ECMA-262 regex feature {exc.feature} in {pattern!r}") from None
