"""Rules about closed sets of values (``enum``, and ``const`` read as a one-value enum)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.schema import canon
from ..catalogue import rule
from ..model import Hit, Pair
from ..samples import short


def _enum_values(pair: Pair) -> tuple[Any, Any]:
    return pair.old.kw.get("enum"), pair.new.kw.get("enum")


def _is_const_change(pair: Pair) -> bool:
    o, n = _enum_values(pair)
    return (
        pair.old.const_form and pair.new.const_form and o is not None and n is not None
        and len(o) == 1 and len(n) == 1 and canon(o[0]) != canon(n[0])
    )  # fmt: skip


def _the_value(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    yield hit.hint, short(hit.hint)


def _this_sides_const(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    v = hit.hint[1] if side == "new" else hit.hint[0]
    yield v, short(v)


@rule(
    "enum-value-added",
    family="enums",
    effect="widening",
    summary="a value was added to an enum (e.g. a new close reason)",
    witness=_the_value,
)
def enum_value_added(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None or n is None or _is_const_change(pair):
        return
    known = {canon(v) for v in o}
    for v in n:
        if canon(v) not in known:
            yield Hit(f"value {canon(v)} added to the enum", pair.old.kp("enum"), pair.new.kp("enum"), hint=v)


@rule("enum-value-removed", family="enums", effect="narrowing", summary="a value was removed from an enum", witness=_the_value)
def enum_value_removed(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None or n is None or _is_const_change(pair):
        return
    kept = {canon(v) for v in n}
    for v in o:
        if canon(v) not in kept:
            yield Hit(f"value {canon(v)} removed from the enum", pair.old.kp("enum"), pair.new.kp("enum"), hint=v)


@rule(
    "const-changed",
    family="enums",
    effect="incompatible",
    summary="a const value was replaced by another",
    witness=_this_sides_const,
)
def const_changed(pair: Pair) -> Iterator[Hit]:
    if _is_const_change(pair):
        o, n = _enum_values(pair)
        yield Hit(f"const {canon(o[0])} -> {canon(n[0])}", pair.old.kp("enum"), pair.new.kp("enum"), hint=(o[0], n[0]))


# A free value versus a closed set: the generic samples (the other side's enum values, kinds) show it.
@rule("enum-added", family="enums", effect="narrowing", summary="an enum or const now restricts a value that was free")
def enum_added(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None and n is not None and not pair.old.false:
        yield Hit(f"only {canon(n)} accepted now", pair.old.ptr, pair.new.kp("enum"), hint=n)


@rule("enum-removed", family="enums", effect="widening", summary="an enum or const no longer restricts the value")
def enum_removed(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is not None and n is None and not pair.new.false:
        yield Hit(f"no longer restricted to {canon(o)}", pair.old.kp("enum"), pair.new.ptr, hint=o)
