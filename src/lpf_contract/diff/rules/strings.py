"""Rules about strings: length bounds and ``pattern``."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import rule
from ..model import Hit, Pair
from ._bounds import declare_bound_rules, strings_around_lengths

declare_bound_rules("min-length", strings_around_lengths)
declare_bound_rules("max-length", strings_around_lengths)

# Patterns: the generic string samples of the witness search are tried against both sides.


@rule("pattern-added", family="strings", effect="narrowing", summary="strings must now match a pattern")
def pattern_added(pair: Pair) -> Iterator[Hit]:
    if "pattern" not in pair.old.kw and "pattern" in pair.new.kw:
        yield Hit(f"pattern {pair.new.kw['pattern']!r} added", pair.old.ptr, pair.new.kp("pattern"))


@rule("pattern-removed", family="strings", effect="widening", summary="strings no longer need to match a pattern")
def pattern_removed(pair: Pair) -> Iterator[Hit]:
    if "pattern" in pair.old.kw and "pattern" not in pair.new.kw:
        yield Hit(f"pattern {pair.old.kw['pattern']!r} removed", pair.old.kp("pattern"), pair.new.ptr)


@rule(
    "pattern-changed",
    family="strings",
    effect="incompatible",
    summary="the pattern changed (judged incompatible unless identical)",
)
def pattern_changed(pair: Pair) -> Iterator[Hit]:
    o, n = pair.old.kw.get("pattern"), pair.new.kw.get("pattern")
    if o is not None and n is not None and o != n:
        yield Hit(f"pattern {o!r} -> {n!r}", pair.old.kp("pattern"), pair.new.kp("pattern"))
