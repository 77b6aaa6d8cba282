"""The one schema model: what a bundled draft-07 subschema accepts, normalised so that a refactor
compares equal, with a pointer for every keyword.

Both readers of schemas build on it: the contract diff (``diff/``) compares two :class:`Node` trees
keyword by keyword, and the payload generator (``variants/ir.py``) types the same vocabulary into a
generation plan. What they share lives here, once: which keywords are annotations, the kinds of JSON
value, JSON equality and when two branches can never match the same value (:func:`disjoint`); the one
minimal-instance builder is next door (``core/minimal.py``).

Normalisation (:func:`norm`): annotations dropped, single-branch ``allOf``/``anyOf``/``oneOf``
folded into their parent, ``anyOf`` of bare types read as a type list, ``const`` read as a one-value
``enum``, ``type`` as a sorted tuple, defaults (``minLength: 0``, ``additionalProperties: true``...)
removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .pointer import escape

# Keywords that describe but never constrain under draft-07 (bundling has already inlined "$ref").
ANNOTATIONS = frozenset(
    {
        "title", "description", "examples", "default", "$comment", "$id", "$schema", "$defs", "definitions",
        "readOnly", "writeOnly", "deprecated",
    }
)  # fmt: skip
# Draft-07 content keywords: no validator asserts them, yet they promise something about the value
# (base64 text, embedded JSON) that a generator drawing random strings would break, so the payload
# generator refuses them while the diff reads them as annotations.
CONTENT = frozenset({"contentMediaType", "contentEncoding"})
# Vendor keyword (decided here): a schema fragment that narrows what the payload generator draws at a
# location to values the platform really sends (real id forms, plausible timestamps). Validators
# ignore it, so for everything but generation it is an annotation.
GENERATE = "x-lpf-generate"
# What no validator asserts: the diff compares schemas without them.
NOT_ASSERTED = ANNOTATIONS | CONTENT | {GENERATE}
COMBINATORS = ("allOf", "anyOf", "oneOf")
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
MAX_SAFE = 2**53 - 1  # JavaScript's largest safe integer: ids and timestamps fit, orjson takes it

# The kinds of JSON value: "number" is integer + fraction, so that integer -> number reads as widening.
KINDS = frozenset({"null", "boolean", "string", "object", "array", "integer", "fraction"})
_TYPE_KINDS = {
    "null": {"null"},
    "boolean": {"boolean"},
    "string": {"string"},
    "object": {"object"},
    "array": {"array"},
    "integer": {"integer"},
    "number": {"integer", "fraction"},
}
_LITERALS = frozenset({"enum", "const", "default", "examples"})
_NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependencies"})


# -- JSON values -----------------------------------------------------------------------------------
def canon(value: Any) -> str:
    """A canonical JSON text: equal texts mean equal JSON values (key order ignored, 1.0 == 1)."""
    return json.dumps(_whole_numbers(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _whole_numbers(value: Any) -> Any:
    # JSON Schema compares numbers by value: enum [1.0] accepts 1.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    return value


def json_equal(x: Any, y: Any) -> bool:
    """JSON Schema's equality: 1 == 1.0, True != 1, objects regardless of key order."""
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return x == y
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(json_equal(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(json_equal(i, j) for i, j in zip(x, y))
    return type(x) is type(y) and x == y


def value_kind(v: Any) -> str:
    """The kind (one of :data:`KINDS`) of a JSON value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if v.is_integer() else "fraction"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def kinds_of_types(types: Iterable[str]) -> frozenset[str]:
    """The kinds a ``type`` keyword's names allow."""
    out: set[str] = set()
    for t in types:
        out |= _TYPE_KINDS.get(t, set())
    return frozenset(out)


def type_names(kinds: frozenset[str]) -> str:
    """Kinds spelt as JSON Schema type names (``integer|string``, ``number``, ``any``)."""
    if kinds == KINDS:
        return "any"
    names = set(kinds)
    if {"integer", "fraction"} <= names:
        names -= {"integer", "fraction"}
        names.add("number")
    names.discard("fraction")
    return "|".join(sorted(names)) or "nothing"


def strip(schema: Any) -> Any:
    """``schema`` without what no validator asserts, at any depth (property names and literals kept)."""
    if isinstance(schema, list):
        return [strip(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k in NOT_ASSERTED:
            continue
        if k in _LITERALS:
            out[k] = v
        elif k in _NAMED_SUBSCHEMAS and isinstance(v, dict):
            out[k] = {name: strip(sub) for name, sub in v.items()}
        else:
            out[k] = strip(v)
    return out


# -- the model -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One subschema, normalised; ``at`` maps each keyword to the pointer of the subschema holding it."""

    kw: Mapping[str, Any]
    at: Mapping[str, str]
    ptr: str
    false: bool = False  # the schema ``false``: accepts nothing
    const_form: bool = False  # the one-value enum was written as ``const``
    # The allOf branches when this node's allOf was rebuilt from folded keywords (see
    # :func:`as_all_of`), so their pointers stay where the keywords really are.
    all_of: tuple[Node, ...] | None = field(default=None, compare=False)

    def kp(self, keyword: str) -> str:
        """Pointer to ``keyword`` in the bundled schema, or to this subschema when it is absent."""
        if keyword in self.kw:
            return f"{self.at[keyword]}/{escape(keyword)}"
        return self.ptr

    def schema(self) -> Any:
        """A plain JSON Schema accepting the same values (for validation and example building)."""
        if self.false:
            return False
        out = {k: (list(v) if k == "type" else v) for k, v in self.kw.items()}
        if "enum" in out and self.const_form and len(out["enum"]) == 1:
            out["const"] = out.pop("enum")[0]
        return out

    def same_as(self, other: Node) -> bool:
        """Whether both accept the same values as far as their keywords tell."""
        return self.false == other.false and canon(strip(dict(self.kw))) == canon(strip(dict(other.kw)))


def false_node(ptr: str) -> Node:
    return Node({}, {}, ptr, false=True)


def norm(raw: Any, ptr: str = "") -> Node:
    """Normalise a bundled (``$ref``-free) subschema found at ``ptr``."""
    if raw is False:
        return false_node(ptr)
    if not isinstance(raw, dict):
        raw = {}
    kw: dict[str, Any] = {}
    at: dict[str, str] = {}
    _absorb(raw, ptr, kw, at)
    _fold_type_branches(kw, at)
    const_form = False
    if "const" in kw:
        value, where = kw.pop("const"), at.pop("const")
        if "enum" in kw:
            kw["enum"] = [v for v in kw["enum"] if canon(v) == canon(value)]
        else:
            kw["enum"], at["enum"] = [value], where
            const_form = True
    if "type" in kw:
        types = {kw["type"]} if isinstance(kw["type"], str) else set(kw["type"])
        if "number" in types:
            types.discard("integer")
        kw["type"] = tuple(sorted(types))
    if "enum" in kw:
        seen, values = set(), []
        allowed = kinds_of_types(kw["type"]) if "type" in kw else KINDS
        for v in kw["enum"]:
            if canon(v) not in seen and value_kind(v) in allowed:
                seen.add(canon(v))
                values.append(v)
        kw["enum"] = values
    for key, default in _DEFAULTS:
        if key in kw and type(kw[key]) is type(default) and kw[key] == default:
            del kw[key], at[key]
    if "required" in kw:
        kw["required"] = sorted(set(kw["required"]))
    _no_items(kw, at)
    if not _satisfiable(kw):
        return false_node(ptr)
    return Node(kw, at, ptr, const_form=const_form)


def _no_items(kw: dict, at: dict) -> None:
    # ``items: false`` and ``maxItems: 0`` accept the same arrays (the empty one): one spelling, maxItems.
    if kw.get("items") is False:
        where = at.pop("items")
        del kw["items"]
        if not (isinstance(kw.get("maxItems"), int) and kw["maxItems"] == 0):
            kw["maxItems"], at["maxItems"] = 0, where
    if isinstance(kw.get("maxItems"), (int, float)) and kw["maxItems"] == 0:
        for key in ("items", "additionalItems", "contains", "uniqueItems"):
            if key in kw and key != "contains":
                del kw[key], at[key]


def _num(kw: Mapping[str, Any], key: str) -> float | None:
    v = kw.get(key)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _accepts_nothing(sub: Any) -> bool:
    return sub is False or (isinstance(sub, dict) and norm(sub).false)


def _satisfiable(kw: Mapping[str, Any]) -> bool:
    """False when no value can match (``not: {}``, an empty enum, contradictory bounds for every kind
    the schema allows); True when some value may (a sound over-approximation)."""
    nt = kw.get("not")
    if nt is True or (isinstance(nt, dict) and not any(k not in NOT_ASSERTED for k in nt)):
        return False
    if "enum" in kw and not kw["enum"]:
        return False
    # allOf needs every branch, anyOf/oneOf one: a branch that accepts nothing decides.
    if isinstance(kw.get("allOf"), list) and any(_accepts_nothing(b) for b in kw["allOf"]):
        return False
    for comb in ("anyOf", "oneOf"):
        if isinstance(kw.get(comb), list) and kw[comb] and all(_accepts_nothing(b) for b in kw[comb]):
            return False
    allowed = set(kinds_of_types(kw["type"]) if "type" in kw else KINDS)
    if "enum" in kw:
        allowed &= {value_kind(v) for v in kw["enum"]}
    lo_s, hi_s = _num(kw, "minLength"), _num(kw, "maxLength")
    if lo_s is not None and hi_s is not None and lo_s > hi_s:
        allowed.discard("string")
    lo_a, hi_a = _num(kw, "minItems"), _num(kw, "maxItems")
    if lo_a is not None and hi_a is not None and lo_a > hi_a:
        allowed.discard("array")
    lo_o, hi_o = _num(kw, "minProperties"), _num(kw, "maxProperties")
    req = kw.get("required")
    n_req = len(set(req)) if isinstance(req, list) else 0
    if hi_o is not None and ((lo_o is not None and lo_o > hi_o) or n_req > hi_o):
        allowed.discard("object")
    lo, hi = _num(kw, "minimum"), _num(kw, "maximum")
    xlo, xhi = _num(kw, "exclusiveMinimum"), _num(kw, "exclusiveMaximum")
    lows = [(v, False) for v in (lo,) if v is not None] + [(v, True) for v in (xlo,) if v is not None]
    highs = [(v, False) for v in (hi,) if v is not None] + [(v, True) for v in (xhi,) if v is not None]
    for lv, lx in lows:
        for hv, hx in highs:
            if lv > hv or (lv == hv and (lx or hx)):
                allowed -= {"integer", "fraction"}
    return bool(allowed)


_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("additionalProperties", True), ("additionalProperties", {}), ("items", True), ("items", {}),
    ("required", []), ("minLength", 0), ("minItems", 0), ("minProperties", 0), ("uniqueItems", False),
    ("properties", {}),
)  # fmt: skip


def _absorb(raw: Mapping[str, Any], ptr: str, kw: dict, at: dict) -> None:
    own = {k: v for k, v in raw.items() if k not in NOT_ASSERTED}
    for comb in COMBINATORS:
        branches = own.get(comb)
        if not (isinstance(branches, list) and len(branches) == 1):
            continue
        sub = branches[0]
        if sub is True or sub == {}:
            del own[comb]
            continue
        if not isinstance(sub, dict):
            continue
        sub_keys = {k for k in sub if k not in NOT_ASSERTED}
        # A one-branch combinator is its branch; fold it in unless keywords would collide.
        if not (sub_keys & (set(own) - {comb})) and not (sub_keys & set(kw)):
            del own[comb]
            _absorb(sub, f"{ptr}/{comb}/0", kw, at)
    for k, v in own.items():
        kw[k] = v
        at[k] = ptr


def _fold_type_branches(kw: dict, at: dict) -> None:
    """``anyOf: [{type: string}, {type: null}]`` is ``type: [string, null]`` (a common nullable spelling)."""
    for comb in ("anyOf", "oneOf"):
        branches = kw.get(comb)
        if "type" in kw or not isinstance(branches, list) or len(branches) < 2:
            continue
        types: list[str] = []
        for b in branches:
            if not isinstance(b, dict) or {k for k in b if k not in NOT_ASSERTED} != {"type"}:
                return
            types += [b["type"]] if isinstance(b["type"], str) else list(b["type"])
        if comb == "oneOf" and len(kinds_of_types(types)) != sum(len(kinds_of_types([t])) for t in types):
            return  # overlapping types under oneOf reject the overlap: not a plain type list
        del kw[comb]
        kw["type"], at["type"] = types, at.pop(comb)


def kinds(node: Node) -> frozenset[str]:
    """The kinds of JSON value a subschema can accept, judged by ``type`` and ``enum``."""
    if node.false:
        return frozenset()
    out = kinds_of_types(node.kw["type"]) if "type" in node.kw else KINDS
    if "enum" in node.kw:
        out = out & {value_kind(v) for v in node.kw["enum"]}
    return frozenset(out)


def effective_property(node: Node, name: str) -> Node:
    """What ``node`` says of property ``name``: its own schema, else additionalProperties."""
    props = node.kw.get("properties") or {}
    if name in props:
        return norm(props[name], f"{node.at['properties']}/properties/{escape(name)}")
    extra = node.kw.get("additionalProperties", True)
    if extra is False:
        return false_node(node.kp("additionalProperties"))
    return norm(extra, node.kp("additionalProperties"))


def disjunction(node: Node) -> tuple[str, list[Node]] | None:
    """(``oneOf`` or ``anyOf``, its branches) of ``node``, or None."""
    for comb in ("oneOf", "anyOf"):
        branches = node.kw.get(comb)
        if isinstance(branches, list):
            base = node.at[comb]
            return comb, [norm(b, f"{base}/{comb}/{i}") for i, b in enumerate(branches)]
    return None


def all_of_branches(node: Node) -> list[Node] | None:
    """The normalised ``allOf`` branches of ``node``, or None when it has no allOf."""
    if node.all_of is not None:
        return list(node.all_of)
    branches = node.kw.get("allOf")
    if not isinstance(branches, list):
        return None
    return [norm(b, f"{node.at['allOf']}/allOf/{i}") for i, b in enumerate(branches)]


def as_all_of(node: Node, shape: Node) -> Node:
    """``node`` (which has no ``allOf``) spelt like ``shape`` (which has one): the keywords ``shape``
    keeps beside its allOf stay, the rest become one allOf branch. The same values are accepted; it
    lines up a one-branch ``allOf`` that :func:`norm` folded on one side with an allOf on the other."""
    keep = set(shape.kw) - {"allOf"}
    rest = {k: v for k, v in node.kw.items() if k not in keep}
    if not rest or "allOf" in node.kw or node.false:
        return node
    rest_at = {k: node.at[k] for k in rest}
    places = set(rest_at.values())
    branch = Node(rest, rest_at, places.pop() if len(places) == 1 else node.ptr, const_form=node.const_form)
    kw = {k: v for k, v in node.kw.items() if k in keep}
    at = {k: v for k, v in node.at.items() if k in keep}
    kw["allOf"], at["allOf"] = [branch.schema()], node.ptr
    return Node(kw, at, node.ptr, all_of=(branch,))


def siblings(node: Node, comb: str) -> Node:
    """``node`` without its ``comb`` keyword."""
    return Node({k: v for k, v in node.kw.items() if k != comb}, {k: v for k, v in node.at.items() if k != comb}, node.ptr)


def distribute(outer: Node, branch: Node) -> Node:
    """A branch with its parent's other keywords distributed into it (branch keywords win)."""
    kw = dict(outer.kw)
    at = dict(outer.at)
    kw.update(branch.kw)
    at.update(branch.at)
    return Node(kw, at, branch.ptr, branch.false, branch.const_form)


def closed_properties(node: Node) -> dict[str, tuple]:
    """Required properties whose values are fixed to a closed set (``const``/``enum``): a branch's tag."""
    props = node.kw.get("properties") or {}
    out = {}
    for name in node.kw.get("required", ()):
        if name in props:
            values = _closed_values(norm(props[name]))
            if values is not None:
                out[name] = values
    return out


def _closed_values(node: Node, depth: int = 0) -> tuple | None:
    # A superset of the values a subschema allows, when it is closed: its enum, or any allOf branch's
    # (each branch must hold, so any one's set contains them all). Sound for disjointness.
    if "enum" in node.kw:
        return tuple(node.kw["enum"])
    branches = node.kw.get("allOf")
    if isinstance(branches, list) and depth < 20:
        for i, b in enumerate(branches):
            found = _closed_values(norm(b, f"{node.at['allOf']}/allOf/{i}"), depth + 1)
            if found is not None:
                return found
    return None


def deep_kinds(node: Node, depth: int = 0) -> frozenset[str]:
    """:func:`kinds`, narrowed by what the branches of a oneOf/anyOf accept (a union of objects is an object)."""
    out = kinds(node)
    d = disjunction(node) if depth < 20 else None
    if d is not None:
        out = out & frozenset().union(*(deep_kinds(b, depth + 1) for b in d[1]))
    return out


def disjoint(a: Node, b: Node) -> bool:
    """True when no value can match both: distinct kinds, enums without a common value, or a required
    property each fixes to values the other never allows (a oneOf tag such as ``type: "text"``)."""
    if not (deep_kinds(a) & deep_kinds(b)):
        return True
    ea, eb = a.kw.get("enum"), b.kw.get("enum")
    if ea is not None and eb is not None and not any(json_equal(x, y) for x in ea for y in eb):
        return True
    ta, tb = closed_properties(a), closed_properties(b)
    return any(not any(json_equal(x, y) for x in ta[name] for y in tb[name]) for name in ta.keys() & tb.keys())


def all_disjoint(branches: list[Node]) -> bool:
    """True when no value can match two of ``branches``."""
    return all(disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1 :])
