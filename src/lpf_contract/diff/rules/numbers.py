"""Rules about numbers: their bounds and ``multipleOf``."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..catalogue import rule
from ..model import Hit, Pair
from ._bounds import declare_bound_rules, numbers_around_bounds

declare_bound_rules("minimum", numbers_around_bounds)
declare_bound_rules("maximum", numbers_around_bounds)


@rule(
    "multiple-of-added",
    family="numbers",
    effect="narrowing",
    summary="numbers must now be a multiple of a value",
    witness=numbers_around_bounds,
)
def multiple_of_added(pair: Pair) -> Iterator[Hit]:
    if "multipleOf" not in pair.old.kw and "multipleOf" in pair.new.kw:
        yield Hit(f"multipleOf={pair.new.kw['multipleOf']} added", pair.old.ptr, pair.new.kp("multipleOf"))


@rule(
    "multiple-of-removed",
    family="numbers",
    effect="widening",
    summary="numbers no longer need to be a multiple of a value",
    witness=numbers_around_bounds,
)
def multiple_of_removed(pair: Pair) -> Iterator[Hit]:
    if "multipleOf" in pair.old.kw and "multipleOf" not in pair.new.kw:
        yield Hit(f"multipleOf={pair.old.kw['multipleOf']} removed", pair.old.kp("multipleOf"), pair.new.ptr)


def _multiple_effect(o: float, n: float) -> str | None:
    if o == n:
        return None
    ratio_on = o / n  # new divides old: every old multiple is a new multiple
    if math.isclose(ratio_on, round(ratio_on)):
        return "widening"
    ratio_no = n / o
    if math.isclose(ratio_no, round(ratio_no)):
        return "narrowing"
    return "incompatible"


def _multiple_rule(effect: str, rule_id: str, summary: str) -> None:
    def detect(pair: Pair) -> Iterator[Hit]:
        o, n = pair.old.kw.get("multipleOf"), pair.new.kw.get("multipleOf")
        if o is not None and n is not None and _multiple_effect(o, n) == effect:
            yield Hit(f"multipleOf={o} -> {n}", pair.old.kp("multipleOf"), pair.new.kp("multipleOf"))

    detect.__name__ = "detect_" + rule_id.replace("-", "_")
    rule(rule_id, family="numbers", effect=effect, summary=summary, witness=numbers_around_bounds)(detect)


_multiple_rule("widening", "multiple-of-relaxed", "multipleOf changed to a divisor of the old one")
_multiple_rule("narrowing", "multiple-of-tightened", "multipleOf changed to a multiple of the old one")
_multiple_rule("incompatible", "multiple-of-changed", "multipleOf changed to an unrelated value")
