"""Rules about arrays: item-count bounds and ``uniqueItems`` (``items`` itself is walked into)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.minimal import minimal
from ..catalogue import rule
from ..model import Hit, Pair
from ..samples import short
from ._bounds import arrays_around_counts, declare_bound_rules

declare_bound_rules("min-items", arrays_around_counts)
declare_bound_rules("max-items", arrays_around_counts)


def _a_repeated_item(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    schema = pair.side(side).schema()
    item = value[0] if isinstance(value, list) and value else minimal(schema.get("items", {}) if isinstance(schema, dict) else {})
    yield [item, item], short([item, item])


@rule(
    "unique-items-added", family="arrays", effect="narrowing", summary="array items must now be unique", witness=_a_repeated_item
)
def unique_items_added(pair: Pair) -> Iterator[Hit]:
    if not pair.old.kw.get("uniqueItems") and pair.new.kw.get("uniqueItems"):
        yield Hit("uniqueItems added", pair.old.ptr, pair.new.kp("uniqueItems"))


@rule(
    "unique-items-removed",
    family="arrays",
    effect="widening",
    summary="array items no longer need to be unique",
    witness=_a_repeated_item,
)
def unique_items_removed(pair: Pair) -> Iterator[Hit]:
    if pair.old.kw.get("uniqueItems") and not pair.new.kw.get("uniqueItems"):
        yield Hit("uniqueItems removed", pair.old.kp("uniqueItems"), pair.new.ptr)
