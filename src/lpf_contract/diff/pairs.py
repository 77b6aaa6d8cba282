"""How the old and new sides of a schema are lined up: the branches of a oneOf/anyOf or an allOf,
matched old to new, and a few words naming what a branch accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.schema import Node, all_of_branches, as_all_of, canon, disjunction, distribute, kinds, norm, siblings, type_names
from .model import Pair


def branch_sides(pair: Pair) -> tuple[str, list[Node], str, list[Node], bool] | None:
    """(old kind, old branches, new kind, new branches, distributed) of the oneOf/anyOf at ``pair``.

    When only one side has a disjunction, the other side is one branch and the parent's other
    keywords are distributed into the branches (``distributed`` is True): only branches are compared.
    """
    do, dn = disjunction(pair.old), disjunction(pair.new)
    if do is None and dn is None:
        return None
    if do is not None and dn is not None:
        return do[0], do[1], dn[0], dn[1], False
    if do is not None:
        outer = siblings(pair.old, do[0])
        return do[0], [distribute(outer, b) for b in do[1]], do[0], [pair.new], True
    assert dn is not None
    outer = siblings(pair.new, dn[0])
    return dn[0], [pair.old], dn[0], [distribute(outer, b) for b in dn[1]], True


def all_of_sides(pair: Pair) -> tuple[list[Node], list[Node]] | None:
    """The allOf branches of both sides, when both have an allOf."""
    o, n = all_of_branches(pair.old), all_of_branches(pair.new)
    if o is None or n is None:
        return None
    return o, n


def align_all_of(pair: Pair) -> Pair:
    """When one side has an ``allOf`` and the other not (a one-branch allOf folded by ``norm``, or
    keywords moved into an allOf), the other side is spelt as an allOf too, so branches are compared
    with branches and the same keywords are not read as removed on one side."""
    o, n = isinstance(pair.old.kw.get("allOf"), list), isinstance(pair.new.kw.get("allOf"), list)
    if o and not n:
        return Pair(pair.old, as_all_of(pair.new, pair.old), pair.trail, pair.where)
    if n and not o:
        return Pair(as_all_of(pair.old, pair.new), pair.new, pair.trail, pair.where)
    return pair


def signature(node: Node) -> tuple | None:
    """The properties fixed to one value (a const ``type``...): what names a branch across versions."""
    props = node.kw.get("properties") or {}
    sig = []
    for name in sorted(props):
        sub = norm(props[name])
        if len(sub.kw.get("enum", ())) == 1:
            sig.append((name, canon(sub.kw["enum"][0])))
    return tuple(sig) or None


def _kind_signature(node: Node) -> tuple:
    return tuple(sorted(kinds(node)))


def match_branches(old: list[Node], new: list[Node]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair old and new branches: identical first, then by signature (a const property), then by kind."""
    pairs: list[tuple[int, int]] = []
    lo, ln = list(range(len(old))), list(range(len(new)))
    for i in list(lo):
        for j in ln:
            if old[i].same_as(new[j]):
                pairs.append((i, j))
                lo.remove(i)
                ln.remove(j)
                break
    signatures: tuple[Callable[[Node], Any], ...] = (signature, _kind_signature)
    for sign in signatures:
        by_old: dict[Any, list[int]] = {}
        by_new: dict[Any, list[int]] = {}
        for i in lo:
            by_old.setdefault(sign(old[i]), []).append(i)
        for j in ln:
            by_new.setdefault(sign(new[j]), []).append(j)
        for sig, olds in by_old.items():
            news = by_new.get(sig, [])
            if sig is not None and len(olds) == 1 and len(news) == 1:
                pairs.append((olds[0], news[0]))
                lo.remove(olds[0])
                ln.remove(news[0])
    return sorted(pairs), lo, ln


def describe(node: Node) -> str:
    """A few words naming what a branch accepts (for messages)."""
    if "enum" in node.kw:
        return "value " + " or ".join(canon(v) for v in node.kw["enum"][:3]) + (" ..." if len(node.kw["enum"]) > 3 else "")
    sig = signature(node)
    if sig:
        return ", ".join(f"{k}={v}" for k, v in sig)
    d = disjunction(node)
    if d:
        return " | ".join(describe(b) for b in d[1][:4]) + (" | ..." if len(d[1]) > 4 else "")
    found = kinds(node)
    if found == frozenset({"array"}) and isinstance(node.kw.get("items"), dict):
        return f"array of ({describe(norm(node.kw['items']))})"
    return type_names(found)
