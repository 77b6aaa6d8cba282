"""Rules about alternatives (``oneOf``/``anyOf`` branches, the combinator itself) and ``allOf`` branches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.schema import all_disjoint
from ..catalogue import rule
from ..model import Hit, Pair
from ..pairs import all_of_sides, branch_sides, describe, match_branches
from ..samples import noted, samples


def _values_of_the_branch(hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    sides = branch_sides(pair)
    if sides:
        branches = sides[3] if side == "new" else sides[1]
        yield from noted(samples(branches[hit.hint]))


@rule(
    "branch-added", family="branches", effect="widening", summary="a oneOf/anyOf branch was added (e.g. a new command type)",
    witness=_values_of_the_branch, on_distributed_branches=True,
)  # fmt: skip
def branch_added(pair: Pair) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if sides:
        _, bo, kn, bn, _ = sides
        for j in match_branches(bo, bn)[2]:
            yield Hit(f"{kn} branch {j} added: {describe(bn[j])}", pair.old.ptr, bn[j].ptr, hint=j)


@rule(
    "branch-removed", family="branches", effect="narrowing", summary="a oneOf/anyOf branch was removed (e.g. a command type dropped)",
    witness=_values_of_the_branch, on_distributed_branches=True,
)  # fmt: skip
def branch_removed(pair: Pair) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if sides:
        ko, bo, _, bn, _ = sides
        for i in match_branches(bo, bn)[1]:
            yield Hit(f"{ko} branch {i} removed: {describe(bo[i])}", bo[i].ptr, pair.new.ptr, hint=i)


def _combinator(pair: Pair, before: str, after: str) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if (
        sides
        and not sides[4]
        and sides[0] == before
        and sides[2] == after
        and not (all_disjoint(sides[1]) and all_disjoint(sides[3]))
    ):
        yield Hit(f"{before} -> {after} over overlapping branches", pair.old.kp(before), pair.new.kp(after))


# A value two branches accept: the generic samples find one (the first branch's minimal instance).
@rule(
    "combinator-widened",
    family="branches",
    effect="widening",
    summary="oneOf became anyOf over branches that overlap",
    on_distributed_branches=True,
)
def combinator_widened(pair: Pair) -> Iterator[Hit]:
    yield from _combinator(pair, "oneOf", "anyOf")


@rule(
    "combinator-narrowed",
    family="branches",
    effect="narrowing",
    summary="anyOf became oneOf over branches that overlap",
    on_distributed_branches=True,
)
def combinator_narrowed(pair: Pair) -> Iterator[Hit]:
    yield from _combinator(pair, "anyOf", "oneOf")


@rule(
    "all-of-branch-added", family="branches", effect="narrowing", summary="an allOf branch was added: one more schema must hold"
)
def all_of_branch_added(pair: Pair) -> Iterator[Hit]:
    sides = all_of_sides(pair)
    if sides:
        for j in match_branches(*sides)[2]:
            yield Hit(f"allOf branch {j} added", pair.old.kp("allOf"), sides[1][j].ptr, hint=j)


@rule(
    "all-of-branch-removed",
    family="branches",
    effect="widening",
    summary="an allOf branch was removed: one schema fewer must hold",
)
def all_of_branch_removed(pair: Pair) -> Iterator[Hit]:
    sides = all_of_sides(pair)
    if sides:
        for i in match_branches(*sides)[1]:
            yield Hit(f"allOf branch {i} removed", sides[0][i].ptr, pair.new.kp("allOf"), hint=i)
