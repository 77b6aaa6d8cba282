"""Values a subschema probably accepts, for the witness search and the rules' witness recipes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core.minimal import minimal
from ..core.schema import KINDS, Node, canon, kinds
from .bounds import bound

_STRINGS = ("x", "", "0", "123", "abc", "ABC", "a-b", " ", "x\n", "-1", "a1b2", "!!!", "OTHER", "xx", "1.5")
_SCALARS: tuple[Any, ...] = (0, 1, -1, 0.5, 1.5, True, False, None, {}, [], "x")
_KIND_SAMPLE: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "string": "x",
    "object": {},
    "array": [],
    "integer": 1,
    "fraction": 0.5,
}


def short(value: Any) -> str:
    """A value as a note: canonical JSON, cut at 100 characters."""
    text = canon(value)
    return text if len(text) <= 100 else text[:97] + "..."


def samples(node: Node, value: Any = None) -> Iterator[Any]:
    """Values ``node`` probably accepts, most typical first (the caller verifies each one)."""
    if node.false:
        return
    yield minimal(node.schema())
    yield from node.kw.get("enum", ())
    if value is not None:
        yield value
    found = kinds(node)
    if "string" in found:
        yield from _STRINGS
    if "integer" in found or "fraction" in found:
        lo = bound(node, "minimum", "exclusiveMinimum", "lower")
        hi = bound(node, "maximum", "exclusiveMaximum", "upper")
        for b in (lo, hi):
            if b:
                yield from (b[0], b[0] + 1, b[0] - 1, b[0] + 0.5, b[0] - 0.5)
    for kind in sorted(found):
        yield _KIND_SAMPLE[kind]
    if found == KINDS:
        yield from _SCALARS


def noted(values: Iterator[Any]) -> Iterator[tuple[Any, str]]:
    """``values`` with their notes."""
    for v in values:
        yield v, short(v)
