"""Bounds (minimum, maxLength, minItems, ...) read so that equivalent spellings compare equal."""

from __future__ import annotations

import math

from ..core.schema import Node

# (rule stem, inclusive keyword, exclusive keyword, lower or upper bound, family)
BOUNDS = (
    ("minimum", "minimum", "exclusiveMinimum", "lower", "numbers"),
    ("maximum", "maximum", "exclusiveMaximum", "upper", "numbers"),
    ("min-length", "minLength", None, "lower", "strings"),
    ("max-length", "maxLength", None, "upper", "strings"),
    ("min-items", "minItems", None, "lower", "arrays"),
    ("max-items", "maxItems", None, "upper", "arrays"),
    ("min-properties", "minProperties", None, "lower", "objects"),
    ("max-properties", "maxProperties", None, "upper", "objects"),
)
BOUND_KEYWORDS = frozenset({b[1] for b in BOUNDS} | {b[2] for b in BOUNDS if b[2]})
_NUMERIC = frozenset({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"})

Bound = tuple[float, bool, str, float]  # (value, exclusive, keyword, value as written)


def bound(node: Node, inclusive: str, exclusive: str | None, side: str) -> Bound | None:
    """The tightest (value, exclusive, keyword, value as written) bound of ``node``, or None.

    On an integer-only node a bound is compared as the inclusive integer bound it amounts to, so
    that ``minimum: 5`` and ``exclusiveMinimum: 4`` are the same bound (they accept the same values).
    """
    found: list[Bound] = []
    for key, excl in ((inclusive, False), (exclusive, True)):
        v = node.kw.get(key) if key else None
        if key and isinstance(v, (int, float)) and not isinstance(v, bool):
            if _integer_only(node) and key in _NUMERIC:
                found.append(_integer_bound(v, excl, side) + (key, v))
            else:
                found.append((v, excl, key, v))
    if not found:
        return None
    return max(found, key=lambda b: tightness(b, side))


def _integer_only(node: Node) -> bool:
    t = node.kw.get("type")
    return t == "integer" or (isinstance(t, (list, tuple, set, frozenset)) and set(t) == {"integer"})


def _integer_bound(v: float, exclusive: bool, side: str) -> tuple[int, bool]:
    if side == "lower":
        return (math.floor(v) + 1 if exclusive and float(v).is_integer() else math.ceil(v)), False
    return (math.ceil(v) - 1 if exclusive and float(v).is_integer() else math.floor(v)), False


def tightness(b: Bound, side: str) -> tuple[float, bool]:
    """Larger is tighter, for lower and upper bounds alike."""
    return (b[0], b[1]) if side == "lower" else (-b[0], b[1])


def spelt(b: Bound) -> str:
    return f"{b[2]}={b[3]}"
