"""Normalised schema nodes to Hypothesis strategies.

Why not ``fixed_dictionaries``/``sampled_from``/``lists`` all the way down: Hypothesis costs tens of
µs per choice and more per nested ``draw`` (every public strategy is a lazy wrapper it re-resolves on
each draw), and ``fixed_dictionaries(optional=...)`` spends a boolean, an index and a shuffle per
optional key (about 130 choices for one survey payload). The compiled form below makes fewer choices:
one integer for how many optional keys an object gets and one per key for which, one "more?" boolean
per list item (each key and item in a span, the shape the shrinker deletes), one integer per enum,
and strings and wide integers picked from a per-location pool (schema examples, awkward strings,
boundary numbers) or, for a share of draws, drawn fresh. Keywords that are rare in contracts
(``pattern`` beyond literals and bounded character classes, floats, free-form ``{}`` values) are
drawn through Hypothesis' own strategies (``from_regex``, ``floats``, ``recursive``).

The compiled drawers ask a :class:`Source` for their choices. Two sources exist:

- :class:`PublicSource` (here): every choice is a draw of a public strategy inside ``st.composite``.
  Correct on any Hypothesis, about five times slower (the per-draw overhead above).
- ``_fast.FastSource``: the same choices straight from Hypothesis' ConjectureData. It is the only
  module that touches Hypothesis internals; it is used when its self-check passes on the installed
  Hypothesis (``tests/test_variants.py`` fails loudly when it does not, so the fallback is never silent
  in our CI).

Either way the choices, spans and rejections are Hypothesis' own, so shrinking, ``@seed``, replay
and the example database work as usual.
"""

from __future__ import annotations

import copy
import functools
import math
import string
from collections.abc import Callable
from typing import Any, Protocol

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..core.ecma import compile_ecma_pattern
from .ir import (
    MAX_SAFE,
    AnyNode,
    ArrayNode,
    BoolNode,
    EnumNode,
    NullNode,
    NumberNode,
    ObjectNode,
    StringNode,
    TypedNode,
    UnionNode,
)
from .patterns import segment_pattern, simple_pattern

# Payloads are about 3 KB: random strings and arrays stay short; the systematic set covers the
# boundaries (empty, 10 000 characters, long arrays) instead.
STRING_CAP = 10
ARRAY_CAP = 2
EXTRA_KEYS_CAP = 2

# Mostly ASCII, with non-ASCII of every awkward kind: Latin-1, CJK, Cyrillic, RTL (Arabic, Hebrew),
# astral-plane emoji (surrogate pairs in JavaScript), a combining accent, zero-width joiner, RTL mark,
# and characters JSON must escape. A small alphabet is drawn as one string choice, whatever the length.
ALPHABET = string.ascii_letters + string.digits + " -_.,:/@#'\"\\\n\t" + "éßüñ中文жم\u05e9😀👍\u0301\u200d\u200f"
KEY_ALPHABET = string.ascii_letters + string.digits + "_-é"


class Source(Protocol):
    """Where a compiled drawer gets its choices from (one instance per drawn value)."""

    def integer(self, lo: int, hi: int) -> int: ...
    def boolean(self) -> bool: ...  # even odds
    def text(self, alphabet: str, lo: int, hi: int) -> str: ...
    def span(self, drawer: Callable[..., Any], *args: Any) -> Any: ...  # drawer(self, *args) as one unit the shrinker deletes
    def strategy(self, strategy: SearchStrategy) -> Any: ...
    def reject(self, why: str) -> Any: ...  # never returns: this draw is invalid, Hypothesis draws again


Drawer = Callable[[Source], Any]


class PublicSource:
    """A :class:`Source` over ``st.composite``'s ``draw``: public API only."""

    __slots__ = ("_draw",)

    def __init__(self, draw: st.DrawFn):
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(_integers(lo, hi))

    def boolean(self) -> bool:
        return self._draw(_BOOLEANS)

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        return self._draw(_texts(alphabet, lo, hi))

    def span(self, drawer: Callable[..., Any], *args: Any) -> Any:
        return self._draw(_public_span(drawer)(*args))

    def strategy(self, strategy: SearchStrategy) -> Any:
        return self._draw(strategy)

    def reject(self, why: str) -> Any:
        reject()


_BOOLEANS = st.booleans()


@functools.lru_cache(maxsize=1024)
def _integers(lo: int, hi: int) -> SearchStrategy:
    # Cached: building a public strategy costs more than drawing from it. (st.integers weights the
    # bounds of ranges wider than 127, FastSource does not: the same choices, other odds.)
    return st.integers(lo, hi)


@functools.lru_cache(maxsize=1024)
def _texts(alphabet: str, lo: int, hi: int) -> SearchStrategy:
    return st.text(alphabet=alphabet, min_size=lo, max_size=hi)


@functools.cache
def _public_span(drawer: Callable[..., Any]) -> Callable[..., SearchStrategy]:
    @st.composite
    def drawn(draw: st.DrawFn, *args: Any) -> Any:
        return drawer(PublicSource(draw), *args)

    return drawn


def public_strategy(drawer: Drawer) -> SearchStrategy:
    """The strategy drawing ``drawer``'s values through :class:`PublicSource`."""
    return _public_span(drawer)()


def compile_node(node: TypedNode, name: str = "schema") -> SearchStrategy:
    """The strategy of the values ``node`` accepts: the fast source when it works on the installed
    Hypothesis, the public one otherwise (``name`` labels it in reprs)."""
    drawer = compile_drawer(node)
    from . import _fast

    if _fast.AVAILABLE:
        return _fast.fast_strategy(drawer, name)
    return public_strategy(drawer)


def compile_drawer(node: TypedNode) -> Drawer:
    """The drawer of the values ``node`` accepts."""
    if isinstance(node, EnumNode):
        return _enum(node.values)
    if isinstance(node, StringNode):
        return _string(node)
    if isinstance(node, NumberNode):
        return _number(node)
    if isinstance(node, BoolNode):
        return lambda src: src.boolean()
    if isinstance(node, NullNode):
        return lambda src: None
    if isinstance(node, ArrayNode):
        return _array(node)
    if isinstance(node, ObjectNode):
        return _object(node)
    if isinstance(node, UnionNode):
        return _union(node)
    if isinstance(node, AnyNode):
        return _via(any_json())
    raise TypeError(f"no strategy for {type(node).__name__}")  # pragma: no cover - every node kind is handled


def _via(strategy: SearchStrategy) -> Drawer:
    return lambda src: src.strategy(strategy)


def _enum(values: tuple) -> Drawer:
    mutable = any(isinstance(v, (dict, list)) for v in values)
    if len(values) == 1:
        value = values[0]
        return (lambda src: copy.deepcopy(value)) if mutable else (lambda src: value)
    top = len(values) - 1
    if mutable:  # a handler that mutates its payload must not change the next one
        return lambda src: copy.deepcopy(values[src.integer(0, top)])
    return lambda src: values[src.integer(0, top)]


# Strings a handler most often trips over, offered at every string location the schema allows them.
AWKWARD_STRINGS = ("", " ", "a", "Ünïcödé ✓", "😀👍🏽", "مرحبا שלום", "e\u0301", "line\nbreak", '"quoted" \\ back')
# Indices past the pool mean "draw a fresh value": about one draw in six for a pool of ten (weighted
# integer draws cost twice as much as plain ones, so the share comes from the index range).
FRESH_SLOTS_PER_POOL_ENTRY = 0.2


def _pooled(pool: tuple, fresh: Drawer) -> Drawer:
    # A pool pick costs one small integer choice; a fresh string costs a choice per character inside
    # Hypothesis' provider. Index 0 is the schema's own example (or the shortest allowed value), so a
    # shrunk failure shows the most ordinary value that still fails.
    if not pool:
        return fresh
    n, top = len(pool), _pool_top(pool)
    return lambda src: pool[i] if (i := src.integer(0, top)) < n else fresh(src)


def _text(alphabet: str, lo: int, hi: int) -> Drawer:
    return lambda src: src.text(alphabet, lo, hi)


def string_pool(node: StringNode) -> tuple[str, ...]:
    """The fixed strings a location draws from besides fresh ones: its examples, then awkward ones."""
    candidates = [e for e in node.examples if isinstance(e, str)] + list(AWKWARD_STRINGS)
    return tuple(dict.fromkeys(c for c in candidates if node.accepts(c)))


def _string(node: StringNode) -> Drawer:
    pool = string_pool(node)
    if node.pattern is None:
        hi = node.min_length + STRING_CAP
        if node.max_length is not None:
            hi = min(hi, node.max_length)
        return _pooled(pool, _text(ALPHABET, node.min_length, hi))
    simple = simple_pattern(node.pattern)
    if simple is not None:
        alphabet, lo, most = simple
        lo = max(lo, node.min_length)
        top = max(lo, 1) + STRING_CAP
        hi = top if most is None else min(most, top)
        if node.max_length is not None:
            hi = min(hi, node.max_length)
        if lo <= hi:
            return _pooled(pool, _checked(_text(alphabet, lo, hi), node) if node.guards else _text(alphabet, lo, hi))
    segments = segment_pattern(node.pattern)
    if segments is not None:
        regex = _checked(_segments(segments), node)
    else:
        regex = _via(st.from_regex(compile_ecma_pattern(node.pattern), fullmatch=True).filter(node.accepts))
    return _pooled(pool, regex)


def _checked(drawer: Drawer, node: StringNode) -> Drawer:
    # A length bound or guard pattern the drawn pattern alone does not imply: reject the draw.
    def draw(src: Source) -> Any:
        value = drawer(src)
        if not node.accepts(value):
            src.reject(f"pattern {node.pattern!r} drew a value its location rejects")
        return value

    return draw


INTEGER_POOL = (0, 1, 2**31 - 1, 2**31, 2**32, 3387141511, 2**53 - 1)


def number_pool(node: NumberNode) -> tuple:
    lo, hi = integer_bounds(node)
    candidates = [e for e in node.examples if isinstance(e, int) and not isinstance(e, bool)] + [lo, *INTEGER_POOL, hi]
    return tuple(dict.fromkeys(c for c in candidates if node.accepts(c)))


def _pool_top(pool: tuple) -> int:
    return len(pool) + max(1, round(len(pool) * FRESH_SLOTS_PER_POOL_ENTRY)) - 1


def _segments(segments: tuple[tuple[str, int, int], ...]) -> Drawer:
    # One string choice per segment: a UUID costs five choices instead of one per character through
    # from_regex (which made id-heavy payloads four times slower to draw). A single literal costs none.
    parts = [chars if len(chars) == 1 and lo == hi == 1 else (chars, lo, hi) for chars, lo, hi in segments]
    return lambda src: "".join(p if isinstance(p, str) else src.text(*p) for p in parts)


def integer_bounds(node: NumberNode) -> tuple[int, int]:
    # Unbounded numbers stay within JavaScript's safe integers: beyond them JS rounds silently and
    # orjson refuses integers above 64 bits.
    lo = node.minimum if node.minimum is not None else -MAX_SAFE
    hi = node.maximum if node.maximum is not None else MAX_SAFE
    int_lo = math.floor(lo) + 1 if node.exclusive_min and float(lo).is_integer() else math.ceil(lo)
    int_hi = math.ceil(hi) - 1 if node.exclusive_max and float(hi).is_integer() else math.floor(hi)
    return int_lo, int_hi


def _number(node: NumberNode) -> Drawer:
    int_lo, int_hi = integer_bounds(node)
    if node.integer:
        fresh: Drawer = lambda src: src.integer(int_lo, int_hi)  # noqa: E731
        if int_hi - int_lo < 256:
            return fresh
        # Wide ranges cost Hypothesis about three times a small choice: pick from the location's
        # examples and boundaries first, fresh integers for a share of draws.
        return _pooled(number_pool(node), fresh)
    lo = node.minimum if node.minimum is not None else -float(MAX_SAFE)
    hi = node.maximum if node.maximum is not None else float(MAX_SAFE)
    floats = st.floats(
        min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False,
        exclude_min=node.exclusive_min, exclude_max=node.exclusive_max,
    )  # fmt: skip
    if int_lo > int_hi:
        return _via(floats)
    return _via(st.one_of(floats, st.integers(int_lo, int_hi)))


def _array(node: ArrayNode) -> Drawer:
    item = compile_drawer(node.items)
    lo = node.min_items
    hi = lo + ARRAY_CAP if node.max_items is None else min(lo + ARRAY_CAP, node.max_items)
    stop = object()

    def maybe_item(src: Source) -> Any:
        return item(src) if src.boolean() else stop

    def draw(src: Source) -> list:
        # Like Hypothesis' own lists: each item sits in a span together with the "one more?" boolean
        # before it, so the shrinker can delete any item without misaligning the choices after it.
        out = [src.span(item) for _ in range(lo)]
        while len(out) < hi:
            value = src.span(maybe_item)
            if value is stop:
                break
            out.append(value)
        return out

    return draw


def _object(node: ObjectNode) -> Drawer:
    required = [(name, compile_drawer(node.properties[name])) for name in node.required]
    optional = [(name, compile_drawer(sub)) for name, sub in node.properties.items() if name not in node.required]
    extra = _extras(node) if isinstance(node.additional, TypedNode) else None
    k = len(optional)

    def entry(src: Source, out: dict) -> None:
        pick = src.integer(0, k)
        if pick:
            name, value = optional[pick - 1]
            if name not in out:
                out[name] = value(src)

    def draw(src: Source) -> dict:
        out = {name: f(src) for name, f in required}
        if k:
            # How many optional keys (one choice), then per key a span holding which key (an absolute
            # index, 0 meaning none: deleting another span keeps every index's meaning) and the key's
            # value. Hypothesis' shrinker lowers the count and deletes a span together, as for list
            # lengths, so a shrunk payload keeps only the optional keys the failure needs; indices past
            # a deleted span read as 0 ("none"), not as some other key. A repeat adds nothing.
            for _ in range(src.integer(0, k)):
                src.span(entry, out)
        if extra is not None:
            out.update(extra(src))
        return out

    return draw


def _extras(node: ObjectNode) -> Drawer:
    assert isinstance(node.additional, TypedNode)
    value = compile_drawer(node.additional)
    known = frozenset(node.properties)

    def draw(src: Source) -> dict:
        out = {}
        for _ in range(src.integer(0, EXTRA_KEYS_CAP)):
            key = src.text(KEY_ALPHABET, 1, 8)
            v = value(src)
            if key not in known:  # a declared name would have to follow its own schema
                out[key] = v
        return out

    return draw


def _union(node: UnionNode) -> Drawer:
    branches = [compile_drawer(b) for b in node.branches]
    top = len(branches) - 1
    if not (node.exclusive and not node.disjoint):
        return lambda src: branches[src.integer(0, top)](src)
    # oneOf whose branches overlap: a value from one branch must not also match another.
    import jsonschema_rs

    checks = [jsonschema_rs.validator_for(b.schema) for b in node.branches]

    def draw(src: Source) -> Any:
        for _ in range(3):
            i = src.integer(0, top)
            value = branches[i](src)
            if not any(c.is_valid(value) for j, c in enumerate(checks) if j != i):
                return value
        return src.reject(f"oneOf branches overlap at {node.kind}")

    return draw


def any_json() -> SearchStrategy:
    """Small JSON values of every type (for ``{}``/``true`` schemas)."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-MAX_SAFE, MAX_SAFE),
        st.floats(allow_nan=False, allow_infinity=False), st.text(ALPHABET, max_size=STRING_CAP),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=ARRAY_CAP), st.dictionaries(st.text(KEY_ALPHABET, max_size=8), inner, max_size=ARRAY_CAP)
        ),
        max_leaves=6,
    )
