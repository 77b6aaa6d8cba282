"""Witnesses: a concrete value one side accepts and the other rejects, placed where the change is and
checked with the python-jsonschema validators of both sides.

Candidates at the change's location come from the rule's own recipe (``Rule.witness``) first, then
from generic samples of that side's subschema; they are placed into an instance valid on both sides
(golden examples first, else a minimal instance) along the walk's trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..core.minimal import minimal
from ..core.pointer import escape, json_pointer
from ..core.schema import Node
from .catalogue import Rule
from .model import Hit, Pair, Step, Witness
from .samples import noted, samples
from .walk import SchemaSide, Subject, validator_for

MAX_TRIES = 120


def find_witness(rule: Rule, hit: Hit, pair: Pair, subject: Subject) -> Witness | None:
    """A value accepted by one side and rejected by the other, placed where the change is."""
    order = {"widening": ("new",), "narrowing": ("old",), "incompatible": ("new", "old")}[rule.effect]
    for a in order:
        b = "old" if a == "new" else "new"
        side_a, side_b = getattr(subject, a), getattr(subject, b)
        root = _root(side_a, side_b)
        tries = 0
        leaf = _leaf(rule, hit, pair, a)
        for instance, at, note in _place(root, pair.trail, a, leaf, ""):
            tries += 1
            if tries > MAX_TRIES:
                break
            if side_a.validator.is_valid(instance) and _blames(side_b.validator, instance, at):
                return Witness(a, b, instance, at or "/", note)
    return None


def _leaf(rule: Rule, hit: Hit, pair: Pair, side: str) -> Callable[[Any], Iterator[tuple[Any, str]]]:
    def candidates(value: Any) -> Iterator[tuple[Any, str]]:
        yield from rule.witness(hit, pair, side, value)
        yield from noted(samples(pair.side(side), value))

    return candidates


def _root(side_a: SchemaSide, side_b: SchemaSide) -> Any:
    """A starting instance: valid on both sides if we can find one, so the mutation alone decides."""
    candidates = [*side_a.examples, *side_b.examples, minimal(side_a.doc), minimal(side_b.doc)]
    valid_a = [c for c in candidates if side_a.validator.is_valid(c)]
    both = next((c for c in valid_a if side_b.validator.is_valid(c)), None)
    if both is not None:
        return both
    return valid_a[0] if valid_a else candidates[-2]


def _blames(validator: Any, instance: Any, at: str) -> bool:
    """True when ``validator`` rejects ``instance`` at (or around) the data location ``at``."""
    found = False
    for err in validator.iter_errors(instance):
        where = json_pointer(err.absolute_path)
        if not (where.startswith(at) or at.startswith(where)):
            return False  # rejected for another reason: the witness would not show this change
        found = True
    return found


def _place(value: Any, trail: tuple[Step, ...], side: str, leaf: Callable, at: str) -> Iterator[tuple[Any, str, str]]:
    if not trail:
        for candidate, note in leaf(value):
            yield candidate, at, note
        return
    step, rest = trail[0], trail[1:]
    node = step.new if side == "new" else step.old
    if step.kind == "prop":
        assert step.key is not None
        obj = value if isinstance(value, dict) else {}
        child = obj[step.key] if step.key in obj else minimal(node.schema())
        for c, a, n in _place(child, rest, side, leaf, f"{at}/{escape(step.key)}"):
            yield {**obj, step.key: c}, a, n
    elif step.kind == "additional":
        extra = value if isinstance(value, dict) else {}
        key = "x-witness"
        child = extra.get(key, minimal(node.schema()))
        for c, a, n in _place(child, rest, side, leaf, f"{at}/{key}"):
            yield {**extra, key: c}, a, n
    elif step.kind == "items":
        items = value if isinstance(value, list) and value else [minimal(node.schema())]
        for c, a, n in _place(items[0], rest, side, leaf, f"{at}/0"):
            yield [c] + list(items[1:]), a, n
    elif step.kind == "branch":
        # Data stays where it is; it has to be an instance of the branch we descend into.
        start = value if _fits(node, value) else minimal(node.schema())
        yield from _place(start, rest, side, leaf, at)
    else:  # allof: every branch holds for the same value
        yield from _place(value, rest, side, leaf, at)


def _fits(node: Node, value: Any) -> bool:
    try:
        return bool(validator_for(node.schema()).is_valid(value))
    except Exception:  # a branch schema that does not stand alone (should not happen once bundled)
        return False
