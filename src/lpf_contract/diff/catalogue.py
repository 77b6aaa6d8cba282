"""The catalogue of contract-diff rules: each rule declared once, with how to detect the change and how
to show it (its witness recipe).

A rule looks at one pair of subschemas (old and new, at the same place; or the event ids, or one
event's result policy) and yields :class:`~.model.Hit` values; the walk (``walk.py``) recurses into
properties, items and branches and turns hits into changes. Its ``effect`` says what the new schema
does to the set of accepted values (``widening``, ``narrowing`` or ``incompatible``), from which the
role (payload or commands) decides who it breaks. Its ``witness`` recipe proposes values that show the
change; the witness search (``witness.py``) places them where the change is, adds generic samples,
and keeps the first one both validators agree on.

New rule: add it to the family module of ``rules/`` it belongs to (copy a neighbour), with a positive
and a negative case in ``tests/fixtures/diff/cases/`` (a test walks every rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..core.catalogue import Catalogue
from .model import EFFECTS, Hit, Pair

SCOPES = ("schema", "events", "policy")
FAMILIES = (
    "types",
    "enums",
    "objects",
    "numbers",
    "strings",
    "arrays",
    "branches",
    "annotations",
    "keywords",
    "events",
    "policy",
)

# (hit, pair, side, value at the change's location) -> (candidate value, note) pairs, most telling first.
Recipe = Callable[[Hit, Pair, str, Any], Iterable[tuple[Any, str]]]


def no_recipe(hit: Hit, pair: Pair, side: str, value: Any) -> Iterable[tuple[Any, str]]:
    """The generic samples of the witness search are enough (or the rule never breaks anybody)."""
    return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A catalogue entry. ``level`` is ``error`` (can break a side) or ``info`` (never breaks)."""

    id: str
    family: str
    level: str = "error"
    effect: str
    summary: str
    detect: Callable[[Any], Iterable[Hit]]
    witness: Recipe = no_recipe
    scope: str = "schema"  # "schema": runs on a Pair; "events": on an EventsPair; "policy": on a PolicyPair
    breaks: tuple[str, ...] | None = None  # fixed breaking_for, whatever the role
    # Runs where a parent's keywords were distributed into oneOf/anyOf branches (one side has a
    # disjunction, the other not): only rules about branches make sense there.
    on_distributed_branches: bool = False

    def __post_init__(self) -> None:
        if self.effect not in EFFECTS or self.level not in ("error", "info"):
            raise ValueError(f"diff rule id={self.id}: bad effect={self.effect} or level={self.level}")
        if self.scope not in SCOPES or self.family not in FAMILIES:
            raise ValueError(f"diff rule id={self.id}: bad scope={self.scope} or family={self.family}")

    def breaking_for(self, role: str) -> tuple[str, ...]:
        """Who the change breaks: existing ``handlers``, the ``platform`` side, both, or nobody."""
        if self.level == "info":
            return ()
        if self.breaks is not None:
            return self.breaks
        if self.effect == "incompatible":
            return ("handlers", "platform")
        # Payloads flow platform -> handler: a handler breaks on values it was never promised.
        # Results flow handler -> platform: a handler breaks when values it returns stop being accepted.
        hurts_handlers = self.effect == ("widening" if role == "payload" else "narrowing")
        return ("handlers",) if hurts_handlers else ("platform",)


DIFF_RULES: Catalogue[Rule] = Catalogue("diff rule")


def declare(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`DIFF_RULES` (a duplicate id raises ValueError)."""
    return DIFF_RULES.add(rule)


def rules_for(scope: str) -> list[Rule]:
    """The rules that run on one kind of pair, in catalogue order."""
    return [r for r in DIFF_RULES if r.scope == scope]


def rule(
    rule_id: str,
    *,
    family: str,
    effect: str,
    summary: str,
    witness: Recipe = no_recipe,
    level: str = "error",
    scope: str = "schema",
    breaks: tuple[str, ...] | None = None,
    on_distributed_branches: bool = False,
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Declare the decorated function as the ``detect`` of rule ``rule_id``."""

    def register(detect: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        declare(
            Rule(
                id=rule_id, family=family, level=level, effect=effect, summary=summary, detect=detect, witness=witness,
                scope=scope, breaks=breaks, on_distributed_branches=on_distributed_branches,
            )
        )  # fmt: skip
        return detect

    return register
