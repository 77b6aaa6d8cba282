"""The systematic variant set: boundaries and every enum value / optional presence, built from the schema."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..core.pointer import escape
from .ir import (
    AnyNode,
    ArrayNode,
    BoolNode,
    EnumNode,
    NodeChecks,
    NullNode,
    NumberNode,
    ObjectNode,
    StringNode,
    TypedNode,
    UnionNode,
    UnsupportedSchema,
)
from .patterns import simple_pattern
from .strategy import integer_bounds

SEED_SURVEY_ID = 3387141511  # the seed document's surveyId: above 2^32, below 2^53
BOUNDARY_NUMBERS = (0, 2**31 - 1, 2**31, 2**32, SEED_SURVEY_ID, 2**53 - 1)
LONG_STRING = 10_000
LONG_ARRAY = 100
# Emoji (astral plane, a skin-tone modifier), right-to-left scripts, a combining accent, CJK.
UNICODE_STRING = "😀👍🏽 مرحبا שלום e\u0301 中文 ✓"
EXTRA_KEY = "extraKey"

# Stable order of the kinds in the systematic set (golden examples come before all of them).
KINDS = ("base", "enum", "absent", "present", "boundary", "string", "array", "branch")


@dataclass(frozen=True)
class Variant:
    """One named payload of the systematic set, e.g. ``enum:/closeReason=AGENT``."""

    name: str
    payload: dict


def _join(pointer: str, part: str) -> str:
    return pointer + "/" + escape(part)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


class Builder:
    """Representative, maximal and minimal instances of schema nodes, and the variants around them."""

    def __init__(self, root: TypedNode):
        self.root = root
        self._max: dict[int, Any] = {}
        self._min: dict[int, Any] = {}
        self._checks = NodeChecks()

    # -- instances -----------------------------------------------------------------------------
    def maximal(self, node: TypedNode) -> Any:
        """Every property present, one item per array, leaves from the schema's examples."""
        if id(node) not in self._max:
            self._max[id(node)] = self._build(node, maximal=True)
        return copy.deepcopy(self._max[id(node)])

    def minimal(self, node: TypedNode) -> Any:
        """Only required properties, arrays at minItems, the same leaves as :meth:`maximal`."""
        if id(node) not in self._min:
            self._min[id(node)] = self._build(node, maximal=False)
        return copy.deepcopy(self._min[id(node)])

    def _build(self, node: TypedNode, *, maximal: bool) -> Any:
        pick = self.maximal if maximal else self.minimal
        if isinstance(node, ObjectNode):
            names = node.properties if maximal else node.required
            out = {name: pick(node.properties[name]) for name in names}
            if maximal and isinstance(node.additional, TypedNode):
                out.update(self._extras(node))
            return out
        if isinstance(node, ArrayNode):
            n = max(1, node.min_items) if maximal else node.min_items
            if node.max_items is not None:
                n = min(n, node.max_items)
            return [pick(node.items) for _ in range(n)]
        if isinstance(node, UnionNode):
            for i, branch in enumerate(node.branches):
                value = pick(branch)
                if self._exclusive_ok(node, i, value):
                    return value
            raise UnsupportedSchema(node.kind, "", "no branch yields a value that matches only itself")
        return self.leaf(node)

    def _extras(self, node: ObjectNode) -> dict:
        assert isinstance(node.additional, TypedNode)  # the caller checked: extra keys follow a schema
        for example in node.examples:
            if isinstance(example, dict):
                extras = {k: v for k, v in example.items() if k not in node.properties}
                if extras and all(self._valid(node.additional, v) for v in extras.values()):
                    return copy.deepcopy(extras)
        return {EXTRA_KEY: self.maximal(node.additional)}

    def leaf(self, node: TypedNode) -> Any:
        for example in node.examples:
            if self._valid(node, example):
                return copy.deepcopy(example)
        if isinstance(node, EnumNode):
            return copy.deepcopy(node.values[0])
        if isinstance(node, NullNode):
            return None
        if isinstance(node, BoolNode):
            return True
        if isinstance(node, NumberNode):
            lo, hi = integer_bounds(node)
            if lo <= hi:
                return min(max(1, lo), hi)
            assert node.minimum is not None and node.maximum is not None  # unbounded sides hold integers
            return (node.minimum + node.maximum) / 2
        if isinstance(node, StringNode):
            return _sample_string(node)
        if isinstance(node, AnyNode):
            return "any"
        raise TypeError(type(node).__name__)  # pragma: no cover

    def _valid(self, node: TypedNode, value: Any) -> bool:
        return self._checks.accepts(node, value)

    def _exclusive_ok(self, node: UnionNode, i: int, value: Any) -> bool:
        if not node.exclusive or node.disjoint:
            return True
        return not any(self._valid(b, value) for j, b in enumerate(node.branches) if j != i)

    # -- variants ------------------------------------------------------------------------------
    def variants(self, node: TypedNode, pointer: str) -> Iterator[tuple[str, str, Any, bool]]:
        """(kind, name, value, minimal_context) for every variant at or below ``node``.

        minimal_context: the value belongs in an otherwise minimal parent ("present" variants);
        else in a maximal one.
        """
        if isinstance(node, EnumNode):
            if not node.is_const:
                for v in node.values:
                    yield "enum", f"enum:{pointer}={_label(v)}", copy.deepcopy(v), False
        elif isinstance(node, NumberNode):
            for v in _boundaries(node):
                yield "boundary", f"boundary:{pointer}={_label(v)}", v, False
        elif isinstance(node, StringNode):
            for label, v in _awkward_strings(node):
                yield "string", f"string:{pointer}={label}", v, False
        elif isinstance(node, ArrayNode):
            yield from self._array_variants(node, pointer)
        elif isinstance(node, ObjectNode):
            yield from self._object_variants(node, pointer)
        elif isinstance(node, UnionNode):
            for i, branch in enumerate(node.branches):
                if i > 0:
                    value = self.maximal(branch)
                    if self._exclusive_ok(node, i, value):
                        yield "branch", f"{node.kind}:{pointer}={i}", value, False
                for kind, name, value, in_min in self.variants(branch, pointer):
                    if self._exclusive_ok(node, i, value):
                        yield kind, name, value, in_min

    def _array_variants(self, node: ArrayNode, pointer: str):
        if node.min_items == 0:
            yield "array", f"array:{pointer}=empty", [], False
        long = LONG_ARRAY if node.max_items is None else min(LONG_ARRAY, node.max_items)
        if long > max(1, node.min_items):
            yield "array", f"array:{pointer}=long", [self.maximal(node.items) for _ in range(long)], False
        n = max(1, node.min_items)
        if node.max_items is not None and node.max_items < 1:
            return
        for kind, name, value, in_min in self.variants(node.items, pointer + "/*"):
            rest = self.minimal(node.items) if in_min else self.maximal(node.items)
            yield kind, name, [value] + [copy.deepcopy(rest) for _ in range(n - 1)], in_min

    def _object_variants(self, node: ObjectNode, pointer: str):
        for name, sub in node.properties.items():
            where = _join(pointer, name)
            if name not in node.required:
                absent = self.maximal(node)
                del absent[name]
                yield "absent", f"absent:{where}", absent, False
                present = self.minimal(node)
                present[name] = self.minimal(sub)
                yield "present", f"present:{where}", present, True
            for kind, vname, value, in_min in self.variants(sub, where):
                obj = self.minimal(node) if in_min else self.maximal(node)
                obj[name] = value
                yield kind, vname, obj, in_min
        if isinstance(node.additional, TypedNode):
            base = self.maximal(node)
            key = next(k for k in base if k not in node.properties)
            for kind, vname, value, _in_min in self.variants(node.additional, pointer + "/*"):
                obj = self.maximal(node)
                obj[key] = value
                yield kind, vname, obj, False


def _boundaries(node: NumberNode) -> list:
    lo, hi = integer_bounds(node)
    candidates: list = [*BOUNDARY_NUMBERS, -1]
    if node.minimum is not None:
        candidates.append(lo if node.integer or node.exclusive_min else node.minimum)
    if node.maximum is not None:
        candidates.append(hi if node.integer or node.exclusive_max else node.maximum)
    if not node.integer:
        candidates.append(0.5)
    out: list = []
    for v in candidates:
        if node.accepts(v) and not any(v == w and type(v) is type(w) for w in out):
            out.append(v)
    return sorted(out)


def _awkward_strings(node: StringNode) -> list[tuple[str, str]]:
    out = []
    if node.accepts(""):
        out.append(("empty", ""))
    long = _long_string(node)
    if long is not None:
        out.append((f"long{len(long)}", long))
    if node.accepts(UNICODE_STRING):
        out.append(("unicode", UNICODE_STRING))
    return out


def _long_string(node: StringNode) -> str | None:
    size = LONG_STRING if node.max_length is None else min(LONG_STRING, node.max_length)
    if size <= max(node.min_length, 1):
        return None
    if node.pattern is None:
        unit = "Lorem ipsum dolor sit amet, ünïcödé ✓ 😀. "
    else:
        simple = simple_pattern(node.pattern)
        if simple is None:
            return None
        unit, lo, hi = simple
        if hi is not None:
            size = min(size, hi)
        if size < lo:
            return None
    value = (unit * (size // len(unit) + 1))[:size]
    return value if node.accepts(value) else None


def _sample_string(node: StringNode) -> str:
    candidates = ["sample", "x" * max(node.min_length, 1)]
    if node.pattern is not None:
        simple = simple_pattern(node.pattern)
        if simple is not None:
            alphabet, lo, _ = simple
            candidates.insert(0, alphabet[0] * max(lo, node.min_length, 1))
    for c in candidates:
        if node.accepts(c):
            return c
    if node.pattern is not None:
        return _minimal_regex_match(node)
    raise UnsupportedSchema("maxLength", "", f"cannot build a sample string for {node.schema}")  # pragma: no cover


def _minimal_regex_match(node: StringNode) -> str:
    return _minimal_match(node.pattern, node.guards, node.min_length, node.max_length)


@functools.lru_cache(maxsize=256)
def _minimal_match(pattern: str, guards: tuple[str, ...], min_length: int, max_length: int | None) -> str:
    # The shrunk (hence stable) smallest match Hypothesis finds: deterministic for a given pattern.
    # Cached: a search costs about half a second, and contracts repeat their id patterns.
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis import strategies as st

    from ..core.ecma import compile_ecma_pattern

    node = StringNode(schema={}, min_length=min_length, max_length=max_length, pattern=pattern, guards=guards)
    strategy = st.from_regex(compile_ecma_pattern(pattern), fullmatch=True).filter(node.accepts)
    return find(
        strategy,
        lambda s: True,
        settings=settings(
            database=None, derandomize=True, phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck)
        ),
    )


@functools.lru_cache(maxsize=64)
def _kind_rank(kind: str) -> int:
    return KINDS.index(kind)


def build_variants(root: TypedNode) -> list[Variant]:
    """The schema-derived part of the systematic set (no golden examples), in a stable order."""
    b = Builder(root)
    found: list[tuple[int, int, Variant]] = [
        (_kind_rank("base"), 0, Variant("base:maximal", b.maximal(root))),
        (_kind_rank("base"), 1, Variant("base:minimal", b.minimal(root))),
    ]
    for i, (kind, name, value, _) in enumerate(b.variants(root, "")):
        found.append((_kind_rank(kind), i + 2, Variant(name, value)))
    found.sort(key=lambda t: (t[0], t[1]))
    seen: set[str] = set()
    out = []
    for _, _, v in found:
        if v.name not in seen:  # the same location reached through two union branches
            seen.add(v.name)
            out.append(v)
    return out
