"""The four rules of each bound (added, removed, lowered, raised), declared by the family that owns the
bound (numbers, strings, arrays, objects), and the witness recipes that probe around a bound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.minimal import minimal
from ..bounds import BOUNDS, bound, spelt, tightness
from ..catalogue import Recipe, rule
from ..model import Hit, Pair
from ..samples import short

_NUMBER_KEYWORDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf")
_COUNT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")


def declare_bound_rules(stem: str, witness: Recipe) -> None:
    """Declare ``<stem>-added``, ``-removed``, ``-lowered`` and ``-raised`` (``stem`` from BOUNDS)."""
    _, inclusive, exclusive, side, family = next(b for b in BOUNDS if b[0] == stem)

    def get(pair: Pair):
        return bound(pair.old, inclusive, exclusive, side), bound(pair.new, inclusive, exclusive, side)

    def ptrs(pair: Pair, o, n) -> tuple[str, str]:
        return (pair.old.kp(o[2]) if o else pair.old.ptr), (pair.new.kp(n[2]) if n else pair.new.ptr)

    def added(pair: Pair) -> Iterator[Hit]:
        o, n = get(pair)
        if stem == "min-properties" and o is None and n is not None and n[0] <= len(set(pair.old.kw.get("required") or ())):
            return  # the old side's required names already imply as many properties: nothing narrows
        if o is None and n is not None:
            yield Hit(f"{spelt(n)} added", *ptrs(pair, o, n), hint=(o, n))

    def removed(pair: Pair) -> Iterator[Hit]:
        o, n = get(pair)
        if o is not None and n is None:
            yield Hit(f"{spelt(o)} removed", *ptrs(pair, o, n), hint=(o, n))

    def moved(direction: str):
        def detect(pair: Pair) -> Iterator[Hit]:
            o, n = get(pair)
            if o is None or n is None or tightness(o, side) == tightness(n, side):
                return
            looser = tightness(n, side) < tightness(o, side)
            lowered = looser if side == "lower" else not looser
            if lowered == (direction == "lowered"):
                yield Hit(f"{spelt(o)} -> {spelt(n)}", *ptrs(pair, o, n), hint=(o, n))

        detect.__name__ = f"detect_{stem.replace('-', '_')}_{direction}"
        return detect

    what = stem.replace("-", " ")
    lower = side == "lower"
    rule(f"{stem}-added", family=family, effect="narrowing", summary=f"a {what} bound was added", witness=witness)(added)
    rule(f"{stem}-removed", family=family, effect="widening", summary=f"the {what} bound was dropped", witness=witness)(removed)
    lowered_effect, raised_effect = ("widening", "narrowing") if lower else ("narrowing", "widening")
    rule(f"{stem}-lowered", family=family, effect=lowered_effect, summary=f"the {what} bound was lowered", witness=witness)(
        moved("lowered")
    )
    rule(f"{stem}-raised", family=family, effect=raised_effect, summary=f"the {what} bound was raised", witness=witness)(
        moved("raised")
    )


def _counts(pair: Pair) -> list[int]:
    return sorted(
        {int(v) for node in (pair.old, pair.new) for key in _COUNT_KEYWORDS if isinstance((v := node.kw.get(key)), int)}
    )


def _around(n: int) -> Iterator[int]:
    for d in (0, 1, -1):
        if n + d >= 0:
            yield n + d


def numbers_around_bounds(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    """Numbers at, just beside and at multiples of every bound and multipleOf of both sides."""
    numbers = [
        v for node in (pair.old, pair.new) for key in _NUMBER_KEYWORDS
        if isinstance((v := node.kw.get(key)), (int, float)) and not isinstance(v, bool)
    ]  # fmt: skip
    candidates: list[Any] = [n + d for n in numbers for d in (0, 1, -1, 0.5, -0.5, 2, -2)]
    for n in numbers:
        candidates += [n * 2, n * 3, n / 2]
    for v in candidates:
        yield v, short(v)


def strings_around_lengths(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    ch = value[0] if isinstance(value, str) and value else "x"
    for n in _counts(pair):
        for size in _around(n):
            yield ch * size, short(ch * size)


def arrays_around_counts(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    item = value[0] if isinstance(value, list) and value else minimal(_items_schema(pair))
    for n in _counts(pair):
        for size in _around(n):
            yield [item] * size, short([item] * size)


def _items_schema(pair: Pair) -> Any:
    for node in (pair.new, pair.old):
        items = node.kw.get("items")
        if isinstance(items, dict):
            return items
    return {}


def objects_around_counts(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    base = value if isinstance(value, dict) else {}
    for n in _counts(pair):
        for size in _around(n):
            obj = {k: base[k] for k in list(base)[:size]}
            for i in range(size - len(obj)):
                obj[f"x{i}"] = "x"
            yield obj, short(obj)
