"""Rules about the kinds of value accepted (``type``, and the kinds an ``enum``'s values have)."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.schema import kinds, type_names
from ..catalogue import rule
from ..model import Hit, Pair


def _type_delta(pair: Pair) -> tuple[str, frozenset, frozenset] | None:
    if "enum" in pair.old.kw and "enum" in pair.new.kw:
        return None  # the enum rules judge exactly which values are accepted
    o, n = kinds(pair.old), kinds(pair.new)
    if o == n:
        return None
    return ("widened" if o < n else "narrowed" if n < o else "changed"), o, n


def _detect(kind: str):
    def detect(pair: Pair) -> Iterator[Hit]:
        delta = _type_delta(pair)
        if delta and delta[0] == kind:
            _, o, n = delta
            key_o = "type" if "type" in pair.old.kw else "enum"
            key_n = "type" if "type" in pair.new.kw else "enum"
            yield Hit(f"type {kind}: {type_names(o)} -> {type_names(n)}", pair.old.kp(key_o), pair.new.kp(key_n), hint=(o, n))

    detect.__name__ = f"detect_type_{kind}"
    return detect


# The witness search's generic samples (one per kind the side accepts) show a type change.
rule(
    "type-widened",
    family="types",
    effect="widening",
    summary="the new schema accepts more kinds of value (e.g. integer -> number, a type made nullable)",
)(_detect("widened"))
rule(
    "type-narrowed",
    family="types",
    effect="narrowing",
    summary="the new schema accepts fewer kinds of value (e.g. number -> integer, a type added)",
)(_detect("narrowed"))
rule(
    "type-changed",
    family="types",
    effect="incompatible",
    summary="the kinds of value accepted changed both ways (e.g. string -> integer)",
)(_detect("changed"))
