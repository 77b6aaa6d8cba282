"""Rules about objects: required names, which properties may appear, and property-count bounds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.minimal import minimal
from ...core.pointer import escape
from ...core.schema import Node, effective_property, norm
from ..catalogue import rule
from ..model import Hit, Pair
from ..samples import samples, short
from ._bounds import declare_bound_rules, objects_around_counts

declare_bound_rules("min-properties", objects_around_counts)
declare_bound_rules("max-properties", objects_around_counts)


def _without_it(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    if isinstance(value, dict):
        yield {k: v for k, v in value.items() if k != hit.hint}, f"without {hit.hint!r}"


def _base(pair: Pair, side: str, value: Any) -> Any:
    return value if isinstance(value, dict) else minimal(pair.side(side).schema())


def _with_it(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    base = _base(pair, side, value)
    if isinstance(base, dict):
        for v in samples(effective_property(pair.side(side), hit.hint)):
            yield {**base, hit.hint: v}, f"{hit.hint!r}: {short(v)}"


def _with_an_undeclared_one(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    base = _base(pair, side, value)
    if isinstance(base, dict):
        extra = pair.side(side).kw.get("additionalProperties", True)
        for v in samples(norm(extra if extra is not False else True)):
            yield {**base, "x-witness": v}, f"undeclared 'x-witness': {short(v)}"


@rule("required-property-added", family="objects", effect="narrowing", summary="a property became required", witness=_without_it)
def required_property_added(pair: Pair) -> Iterator[Hit]:
    o, n = set(pair.old.kw.get("required", ())), set(pair.new.kw.get("required", ()))
    for name in sorted(n - o):
        yield Hit(
            f"property {name!r} is now required",
            pair.old.kp("required"),
            pair.new.kp("required"),
            hint=name,
            where="/" + escape(name),
        )


@rule(
    "required-property-removed",
    family="objects",
    effect="widening",
    summary="a required property became optional",
    witness=_without_it,
)
def required_property_removed(pair: Pair) -> Iterator[Hit]:
    o, n = set(pair.old.kw.get("required", ())), set(pair.new.kw.get("required", ()))
    for name in sorted(o - n):
        yield Hit(
            f"property {name!r} is no longer required",
            pair.old.kp("required"),
            pair.new.kp("required"),
            hint=name,
            where="/" + escape(name),
        )


def _property_names(pair: Pair) -> list[str]:
    return sorted(set(pair.old.kw.get("properties") or {}) | set(pair.new.kw.get("properties") or {}))


@rule(
    "property-added",
    family="objects",
    effect="widening",
    summary="a property the old schema forbade (additionalProperties false) is now allowed",
    witness=_with_it,
)
def property_added(pair: Pair) -> Iterator[Hit]:
    for name in _property_names(pair):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if eo.false and not en.false:
            yield Hit(f"property {name!r} added", eo.ptr, en.ptr, hint=name, where="/" + escape(name))


@rule(
    "property-removed",
    family="objects",
    effect="narrowing",
    summary="a property is no longer allowed (additionalProperties false)",
    witness=_with_it,
)
def property_removed(pair: Pair) -> Iterator[Hit]:
    for name in _property_names(pair):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if en.false and not eo.false:
            yield Hit(f"property {name!r} removed", eo.ptr, en.ptr, hint=name, where="/" + escape(name))


def _extra(node: Node) -> Any:
    return node.kw.get("additionalProperties", True)


@rule(
    "additional-properties-allowed",
    family="objects",
    effect="widening",
    summary="undeclared properties are now allowed",
    witness=_with_an_undeclared_one,
)
def additional_properties_allowed(pair: Pair) -> Iterator[Hit]:
    if _extra(pair.old) is False and _extra(pair.new) is not False:
        yield Hit(
            "undeclared properties are now allowed", pair.old.kp("additionalProperties"), pair.new.kp("additionalProperties")
        )


@rule(
    "additional-properties-forbidden",
    family="objects",
    effect="narrowing",
    summary="undeclared properties are no longer allowed",
    witness=_with_an_undeclared_one,
)
def additional_properties_forbidden(pair: Pair) -> Iterator[Hit]:
    if _extra(pair.old) is not False and _extra(pair.new) is False:
        yield Hit(
            "undeclared properties are no longer allowed",
            pair.old.kp("additionalProperties"),
            pair.new.kp("additionalProperties"),
        )
