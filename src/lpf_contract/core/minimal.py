"""The one minimal-instance builder: a small value a bundled schema most likely accepts.

The contract diff starts its witnesses from it; callers that need certainty validate the result.
"""

from __future__ import annotations

import math
from typing import Any

_PATTERN_TRIES = ("x", "0", "1", "123", "a", "A", "abc", "x-1", "00", "a1", "-", "_")
_KIND_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")


def minimal(schema: Any, depth: int = 0) -> Any:
    """A small value the (bundled) ``schema`` most likely accepts: required fields only, lowest bounds.

    Best effort on any schema (callers that need certainty validate the result).
    """
    if depth > 20 or schema is True or not isinstance(schema, dict):
        return "x"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for comb in ("oneOf", "anyOf"):
        if schema.get(comb):
            rest = {k: v for k, v in schema.items() if k != comb}
            first = schema[comb][0]
            return minimal({**rest, **first} if isinstance(first, dict) else rest, depth + 1)
    if schema.get("allOf"):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema["allOf"]:
            if isinstance(branch, dict):
                for k, v in branch.items():
                    if k == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **v}
                    elif k == "required":
                        merged["required"] = sorted(set(merged.get("required", [])) | set(v))
                    else:
                        merged.setdefault(k, v)
        return minimal(merged, depth + 1)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if not types:
        if "properties" in schema or "required" in schema:
            types = ["object"]
        elif "items" in schema:
            types = ["array"]
        elif any(k in schema for k in ("minLength", "maxLength", "pattern")):
            types = ["string"]
        elif any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            types = ["number"]
        else:
            return "x"
    kind = next((t for t in _KIND_ORDER if t in types), types[0])
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: minimal(props.get(name, {}), depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema.get("items", {}), depth + 1) for _ in range(int(schema.get("minItems", 0)))]
    if kind == "string":
        n = int(schema.get("minLength", 0))
        pattern = schema.get("pattern")
        if pattern:
            from .ecma import compile_ecma_pattern

            rx = compile_ecma_pattern(pattern)
            for s in _PATTERN_TRIES:
                s = s * max(1, n)
                if rx.search(s) and len(s) >= n:
                    return s
        return "x" * max(n, 1) if n else "x"
    if kind in ("integer", "number"):
        return _lowest(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    return None


def _lowest(schema: dict, *, integer: bool) -> Any:
    """0, or the lowest value the lower bound allows (an exclusive bound plus one)."""
    found = []
    for key, exclusive in (("minimum", False), ("exclusiveMinimum", True)):
        v = schema.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if integer:  # an integer-only bound is the inclusive integer it amounts to
                v, exclusive = (math.floor(v) + 1 if exclusive and float(v).is_integer() else math.ceil(v)), False
            found.append((v, exclusive))
    if not found:
        return 0
    v, exclusive = max(found)
    v = v + (1 if exclusive else 0)
    return int(v) if integer and float(v).is_integer() else v
