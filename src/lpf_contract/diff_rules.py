"""The catalogue of contract-diff rules and the normalised schema model they read.

A rule is a plain function registered under a stable id with a level and an effect (what the new
schema does to the set of accepted values: ``widening``, ``narrowing`` or ``incompatible``). It looks
at one pair of subschemas (old and new, at the same place) and yields :class:`Hit` values; the walker
in :mod:`lpf_contract.diff` recurses into properties, items and branches and turns hits into changes.

Schemas are compared after :func:`norm`: annotations dropped, single-branch ``allOf``/``anyOf``/
``oneOf`` folded into their parent, ``const`` read as a one-value ``enum``, ``type`` as a set of
value kinds, defaults (``minLength: 0``, ``additionalProperties: true``...) removed, so that a pure
refactor compares equal.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

EFFECTS = ("widening", "narrowing", "incompatible")
ROLES = ("payload", "commands")
LEVELS = ("error", "warning", "info")

# Keywords that never change the set of accepted values under draft-07 (beside "$ref" every keyword
# is ignored anyway, and bundling has already inlined the "$ref"s).
ANNOTATIONS = frozenset(
    {
        "description", "title", "examples", "default", "$comment", "$id", "$schema", "$defs",
        "definitions", "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding",
        # What the payload generator draws (contracts/v1/events/survey-common.schema.json): never
        # what a validator accepts.
        "x-lpf-generate",
    }
)
COMBINATORS = ("allOf", "anyOf", "oneOf")
_LITERALS = frozenset({"enum", "const", "default", "examples"})
_NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependencies"})

ALL_ATOMS = frozenset({"null", "boolean", "string", "object", "array", "integer", "fraction"})
_TYPE_ATOMS = {
    "null": {"null"},
    "boolean": {"boolean"},
    "string": {"string"},
    "object": {"object"},
    "array": {"array"},
    "integer": {"integer"},
    "number": {"integer", "fraction"},
}


# -- the normalised model ------------------------------------------------------------------------
def esc(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


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


def strip(schema: Any) -> Any:
    """``schema`` without annotations, at any depth (property names and literal values kept)."""
    if isinstance(schema, list):
        return [strip(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k in ANNOTATIONS:
            continue
        if k in _LITERALS:
            out[k] = v
        elif k in _NAMED_SUBSCHEMAS and isinstance(v, dict):
            out[k] = {name: strip(sub) for name, sub in v.items()}
        else:
            out[k] = strip(v)
    return out


@dataclass(frozen=True)
class Node:
    """One subschema, normalised; ``at`` maps each keyword to the pointer of the subschema holding it."""

    kw: Mapping[str, Any]
    at: Mapping[str, str]
    ptr: str
    false: bool = False
    const_form: bool = False

    def kp(self, keyword: str) -> str:
        """Pointer to ``keyword`` in the bundled schema, or to this subschema when it is absent."""
        if keyword in self.kw:
            return f"{self.at[keyword]}/{esc(keyword)}"
        return self.ptr

    def schema(self) -> Any:
        """A plain JSON Schema accepting the same values (for validation and example building)."""
        if self.false:
            return False
        out = {k: (list(v) if k == "type" else v) for k, v in self.kw.items()}
        if "enum" in out and self.const_form and len(out["enum"]) == 1:
            out["const"] = out.pop("enum")[0]
        return out

    def same_as(self, other: "Node") -> bool:
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
        allowed = atoms_of_types(kw["type"]) if "type" in kw else ALL_ATOMS
        for v in kw["enum"]:
            if canon(v) not in seen and value_atom(v) in allowed:
                seen.add(canon(v))
                values.append(v)
        kw["enum"] = values
    for key, default in _DEFAULTS:
        if key in kw and type(kw[key]) is type(default) and kw[key] == default:
            del kw[key], at[key]
    if "required" in kw:
        kw["required"] = sorted(set(kw["required"]))
    return Node(kw, at, ptr, const_form=const_form)


_DEFAULTS = (
    ("additionalProperties", True), ("additionalProperties", {}), ("items", True), ("items", {}),
    ("required", []), ("minLength", 0), ("minItems", 0), ("minProperties", 0), ("uniqueItems", False),
    ("properties", {}),
)


def _absorb(raw: Mapping[str, Any], ptr: str, kw: dict, at: dict) -> None:
    own = {k: v for k, v in raw.items() if k not in ANNOTATIONS}
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
        sub_keys = {k for k in sub if k not in ANNOTATIONS}
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
            if not isinstance(b, dict) or {k for k in b if k not in ANNOTATIONS} != {"type"}:
                return
            types += [b["type"]] if isinstance(b["type"], str) else list(b["type"])
        if comb == "oneOf" and len(atoms_of_types(types)) != sum(len(atoms_of_types([t])) for t in types):
            return  # overlapping types under oneOf reject the overlap: not a plain type list
        del kw[comb]
        kw["type"], at["type"] = types, at.pop(comb)


def atoms_of_types(types: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for t in types:
        out |= _TYPE_ATOMS.get(t, set())
    return frozenset(out)


def value_atom(v: Any) -> str:
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


def atoms(node: Node) -> frozenset[str]:
    """The kinds of JSON value a subschema can accept, judged by ``type`` and ``enum``."""
    if node.false:
        return frozenset()
    out = atoms_of_types(node.kw["type"]) if "type" in node.kw else ALL_ATOMS
    if "enum" in node.kw:
        out = out & {value_atom(v) for v in node.kw["enum"]}
    return frozenset(out)


def type_names(a: frozenset[str]) -> str:
    if a == ALL_ATOMS:
        return "any"
    names = set(a)
    if {"integer", "fraction"} <= names:
        names -= {"integer", "fraction"}
        names.add("number")
    names.discard("fraction")
    return "|".join(sorted(names)) or "nothing"


def effective_property(node: Node, name: str) -> Node:
    """What ``node`` says of property ``name``: its own schema, else additionalProperties."""
    props = node.kw.get("properties") or {}
    if name in props:
        return norm(props[name], f"{node.at['properties']}/properties/{esc(name)}")
    extra = node.kw.get("additionalProperties", True)
    if extra is False:
        return false_node(node.kp("additionalProperties"))
    return norm(extra, node.kp("additionalProperties"))


def disjunction(node: Node) -> tuple[str, list[Node]] | None:
    for comb in ("oneOf", "anyOf"):
        branches = node.kw.get(comb)
        if isinstance(branches, list):
            base = node.at[comb]
            return comb, [norm(b, f"{base}/{comb}/{i}") for i, b in enumerate(branches)]
    return None


def siblings(node: Node, comb: str) -> Node:
    return Node({k: v for k, v in node.kw.items() if k != comb}, {k: v for k, v in node.at.items() if k != comb}, node.ptr)


def merge(outer: Node, branch: Node) -> Node:
    """A branch with its parent's other keywords distributed into it (branch keywords win)."""
    kw = dict(outer.kw)
    at = dict(outer.at)
    kw.update(branch.kw)
    at.update(branch.at)
    return Node(kw, at, branch.ptr, branch.false, branch.const_form)


@dataclass(frozen=True)
class Step:
    """One move from a subschema to a child (``prop``, ``additional``, ``items``, ``branch``, ``allof``)."""

    kind: str
    key: str | None
    old: Node
    new: Node


@dataclass(frozen=True)
class Pair:
    """Old and new subschemas at the same place; ``where`` is the data location (``*`` = any item)."""

    old: Node
    new: Node
    trail: tuple[Step, ...] = ()
    where: str = ""

    def side(self, name: str) -> Node:
        return self.new if name == "new" else self.old


@dataclass(frozen=True)
class EventsPair:
    """The event ids of two contract versions."""

    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class PolicyPair:
    """One event's result_policy (registry.yaml) in two contract versions."""

    event_id: str
    old: str
    new: str


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
        return do[0], [merge(outer, b) for b in do[1]], do[0], [pair.new], True
    outer = siblings(pair.new, dn[0])
    return dn[0], [pair.old], dn[0], [merge(outer, b) for b in dn[1]], True


def _discriminator(node: Node) -> tuple | None:
    props = node.kw.get("properties") or {}
    sig = []
    for name in sorted(props):
        sub = norm(props[name])
        if len(sub.kw.get("enum", ())) == 1:
            sig.append((name, canon(sub.kw["enum"][0])))
    return tuple(sig) or None


def match_branches(old: list[Node], new: list[Node]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair old and new branches: identical first, then by discriminator (a const property), then by kind."""
    pairs: list[tuple[int, int]] = []
    lo, ln = list(range(len(old))), list(range(len(new)))
    for i in list(lo):
        for j in ln:
            if old[i].same_as(new[j]):
                pairs.append((i, j))
                lo.remove(i)
                ln.remove(j)
                break
    for signature in (_discriminator, lambda n: tuple(sorted(atoms(n)))):
        by_old: dict[Any, list[int]] = {}
        by_new: dict[Any, list[int]] = {}
        for i in lo:
            by_old.setdefault(signature(old[i]), []).append(i)
        for j in ln:
            by_new.setdefault(signature(new[j]), []).append(j)
        for sig, olds in by_old.items():
            news = by_new.get(sig, [])
            if sig is not None and len(olds) == 1 and len(news) == 1:
                pairs.append((olds[0], news[0]))
                lo.remove(olds[0])
                ln.remove(news[0])
    return sorted(pairs), lo, ln


def _disjoint(branches: list[Node]) -> bool:
    """True when no value can match two branches (distinct kinds, or distinct discriminators)."""
    for i, a in enumerate(branches):
        for b in branches[i + 1 :]:
            if not (atoms(a) & atoms(b)):
                continue
            da, db = dict(_discriminator(a) or ()), dict(_discriminator(b) or ())
            if any(k in db and db[k] != v for k, v in da.items()):
                continue
            return False
    return True


# -- the registry --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found: a message, pointers into both bundled schemas, and data for the witness."""

    message: str
    path_old: str | None
    path_new: str | None
    hint: Any = None
    where: str = ""  # appended to the pair's data location
    # For rules whose verdict depends on the direction of the change (result-policy-changed):
    # the effect and who it breaks for this hit, instead of the rule's.
    effect: str | None = None
    breaks: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogue entry. ``level`` is ``error`` (can break a side) or ``info`` (never breaks)."""

    id: str
    level: str
    effect: str
    summary: str
    check: Callable[[Any], Iterable[Hit]]
    scope: str = "schema"  # "schema": runs on a Pair; "events": on an EventsPair; "policy": on a PolicyPair
    breaks: tuple[str, ...] | None = None  # fixed breaking_for, whatever the role

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


class RuleRegistry:
    """Rules by id, in registration order; a duplicate id is a programming error."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"duplicate diff rule id={rule.id}")
        if rule.effect not in EFFECTS or rule.level not in ("error", "info"):
            raise ValueError(f"diff rule id={rule.id}: bad effect={rule.effect} or level={rule.level}")
        self._rules[rule.id] = rule
        return rule

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def ids(self) -> list[str]:
        return list(self._rules)

    def scoped(self, scope: str) -> list[Rule]:
        return [r for r in self._rules.values() if r.scope == scope]


RULES = RuleRegistry()


def rule(rule_id: str, *, effect: str, summary: str, level: str = "error", scope: str = "schema", breaks=None):
    """Register the decorated function as rule ``rule_id``."""

    def register(fn: Callable[[Any], Iterable[Hit]]):
        RULES.add(Rule(rule_id, level, effect, summary, fn, scope, breaks))
        return fn

    return register


# Rules that still run where a parent's keywords were distributed into oneOf/anyOf branches.
BRANCH_RULES = frozenset({"branch-added", "branch-removed", "combinator-widened", "combinator-narrowed"})


# -- type ----------------------------------------------------------------------------------------
def _type_delta(pair: Pair) -> tuple[str, frozenset, frozenset] | None:
    if "enum" in pair.old.kw and "enum" in pair.new.kw:
        return None  # the enum rules judge exactly which values are accepted
    o, n = atoms(pair.old), atoms(pair.new)
    if o == n or pair.old.false or pair.new.false:
        return None
    return ("widened" if o < n else "narrowed" if n < o else "changed"), o, n


def _type_rule(kind: str, effect: str, summary: str) -> None:
    def check(pair: Pair) -> Iterator[Hit]:
        delta = _type_delta(pair)
        if delta and delta[0] == kind:
            _, o, n = delta
            key_o = "type" if "type" in pair.old.kw else "enum"
            key_n = "type" if "type" in pair.new.kw else "enum"
            yield Hit(
                f"type {kind}: {type_names(o)} -> {type_names(n)}",
                pair.old.kp(key_o),
                pair.new.kp(key_n),
                hint=(o, n),
            )

    check.__name__ = f"check_type_{kind}"
    rule(f"type-{kind}", effect=effect, summary=summary)(check)


_type_rule("widened", "widening", "the new schema accepts more kinds of value (e.g. integer -> number, a type made nullable)")
_type_rule("narrowed", "narrowing", "the new schema accepts fewer kinds of value (e.g. number -> integer, a type added)")
_type_rule("changed", "incompatible", "the kinds of value accepted changed both ways (e.g. string -> integer)")


# -- enum / const --------------------------------------------------------------------------------
def _enum_values(pair: Pair):
    return pair.old.kw.get("enum"), pair.new.kw.get("enum")


def _is_const_change(pair: Pair) -> bool:
    o, n = _enum_values(pair)
    return (
        pair.old.const_form and pair.new.const_form and o is not None and n is not None
        and len(o) == 1 and len(n) == 1 and canon(o[0]) != canon(n[0])
    )


@rule("enum-value-added", effect="widening", summary="a value was added to an enum (e.g. a new close reason)")
def enum_value_added(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None or n is None or _is_const_change(pair):
        return
    known = {canon(v) for v in o}
    for v in n:
        if canon(v) not in known:
            yield Hit(f"value {canon(v)} added to the enum", pair.old.kp("enum"), pair.new.kp("enum"), hint=v)


@rule("enum-value-removed", effect="narrowing", summary="a value was removed from an enum")
def enum_value_removed(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None or n is None or _is_const_change(pair):
        return
    kept = {canon(v) for v in n}
    for v in o:
        if canon(v) not in kept:
            yield Hit(f"value {canon(v)} removed from the enum", pair.old.kp("enum"), pair.new.kp("enum"), hint=v)


@rule("const-changed", effect="incompatible", summary="a const value was replaced by another")
def const_changed(pair: Pair) -> Iterator[Hit]:
    if _is_const_change(pair):
        o, n = _enum_values(pair)
        yield Hit(f"const {canon(o[0])} -> {canon(n[0])}", pair.old.kp("enum"), pair.new.kp("enum"), hint=(o[0], n[0]))


@rule("enum-added", effect="narrowing", summary="an enum or const now restricts a value that was free")
def enum_added(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is None and n is not None and not pair.old.false:
        yield Hit(f"only {canon(n)} accepted now", pair.old.ptr, pair.new.kp("enum"), hint=n)


@rule("enum-removed", effect="widening", summary="an enum or const no longer restricts the value")
def enum_removed(pair: Pair) -> Iterator[Hit]:
    o, n = _enum_values(pair)
    if o is not None and n is None and not pair.new.false:
        yield Hit(f"no longer restricted to {canon(o)}", pair.old.kp("enum"), pair.new.ptr, hint=o)


# -- required / properties -----------------------------------------------------------------------
@rule("required-property-added", effect="narrowing", summary="a property became required")
def required_property_added(pair: Pair) -> Iterator[Hit]:
    o, n = set(pair.old.kw.get("required", ())), set(pair.new.kw.get("required", ()))
    for name in sorted(n - o):
        yield Hit(f"property {name!r} is now required", pair.old.kp("required"), pair.new.kp("required"), hint=name, where="/" + esc(name))


@rule("required-property-removed", effect="widening", summary="a required property became optional")
def required_property_removed(pair: Pair) -> Iterator[Hit]:
    o, n = set(pair.old.kw.get("required", ())), set(pair.new.kw.get("required", ()))
    for name in sorted(o - n):
        yield Hit(f"property {name!r} is no longer required", pair.old.kp("required"), pair.new.kp("required"), hint=name, where="/" + esc(name))


def _property_names(pair: Pair) -> list[str]:
    return sorted(set(pair.old.kw.get("properties") or {}) | set(pair.new.kw.get("properties") or {}))


@rule("property-added", effect="widening", summary="a property the old schema forbade (additionalProperties false) is now allowed")
def property_added(pair: Pair) -> Iterator[Hit]:
    for name in _property_names(pair):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if eo.false and not en.false:
            yield Hit(f"property {name!r} added", eo.ptr, en.ptr, hint=name, where="/" + esc(name))


@rule("property-removed", effect="narrowing", summary="a property is no longer allowed (additionalProperties false)")
def property_removed(pair: Pair) -> Iterator[Hit]:
    for name in _property_names(pair):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if en.false and not eo.false:
            yield Hit(f"property {name!r} removed", eo.ptr, en.ptr, hint=name, where="/" + esc(name))


def _extra(node: Node) -> Any:
    return node.kw.get("additionalProperties", True)


@rule("additional-properties-allowed", effect="widening", summary="undeclared properties are now allowed")
def additional_properties_allowed(pair: Pair) -> Iterator[Hit]:
    if _extra(pair.old) is False and _extra(pair.new) is not False:
        yield Hit("undeclared properties are now allowed", pair.old.kp("additionalProperties"), pair.new.kp("additionalProperties"))


@rule("additional-properties-forbidden", effect="narrowing", summary="undeclared properties are no longer allowed")
def additional_properties_forbidden(pair: Pair) -> Iterator[Hit]:
    if _extra(pair.old) is not False and _extra(pair.new) is False:
        yield Hit("undeclared properties are no longer allowed", pair.old.kp("additionalProperties"), pair.new.kp("additionalProperties"))


# -- bounds --------------------------------------------------------------------------------------
# (rule stem, inclusive keyword, exclusive keyword, lower or upper bound)
BOUNDS = (
    ("minimum", "minimum", "exclusiveMinimum", "lower"),
    ("maximum", "maximum", "exclusiveMaximum", "upper"),
    ("min-length", "minLength", None, "lower"),
    ("max-length", "maxLength", None, "upper"),
    ("min-items", "minItems", None, "lower"),
    ("max-items", "maxItems", None, "upper"),
    ("min-properties", "minProperties", None, "lower"),
    ("max-properties", "maxProperties", None, "upper"),
)


def bound(node: Node, inclusive: str, exclusive: str | None, side: str) -> tuple[float, bool, str, float] | None:
    """The tightest (value, exclusive, keyword, value as written) bound of ``node``, or None.

    On an integer-only node a bound is compared as the inclusive integer bound it amounts to, so
    that ``minimum: 5`` and ``exclusiveMinimum: 4`` are the same bound (they accept the same values).
    """
    found = []
    for key, excl in ((inclusive, False), (exclusive, True)):
        v = node.kw.get(key) if key else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            found.append(_integer_bound(v, excl, side) + (key, v) if _integer_only(node) and key in _NUMERIC else (v, excl, key, v))
    if not found:
        return None
    return max(found, key=lambda b: _tightness(b, side))


_NUMERIC = frozenset({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"})


def _integer_only(node: Node) -> bool:
    t = node.kw.get("type")
    return t == "integer" or (isinstance(t, (list, tuple, set, frozenset)) and set(t) == {"integer"})


def _integer_bound(v: float, exclusive: bool, side: str) -> tuple[int, bool]:
    if side == "lower":
        return (math.floor(v) + 1 if exclusive and float(v).is_integer() else math.ceil(v)), False
    return (math.ceil(v) - 1 if exclusive and float(v).is_integer() else math.floor(v)), False


def _tightness(b: tuple, side: str) -> tuple[float, bool]:
    return (b[0], b[1]) if side == "lower" else (-b[0], b[1])


def _fmt_bound(b: tuple) -> str:
    return f"{b[2]}={b[3]}"


def _bound_rules(stem: str, inclusive: str, exclusive: str | None, side: str) -> None:
    def get(pair: Pair):
        return bound(pair.old, inclusive, exclusive, side), bound(pair.new, inclusive, exclusive, side)

    def ptrs(pair: Pair, o, n):
        return (pair.old.kp(o[2]) if o else pair.old.ptr), (pair.new.kp(n[2]) if n else pair.new.ptr)

    def added(pair: Pair) -> Iterator[Hit]:
        o, n = get(pair)
        if stem == "min-properties" and o is None and n is not None and n[0] <= len(set(pair.old.kw.get("required") or ())):
            return  # the old side's required names already imply as many properties: nothing narrows
        if o is None and n is not None:
            yield Hit(f"{_fmt_bound(n)} added", *ptrs(pair, o, n), hint=(o, n))

    def removed(pair: Pair) -> Iterator[Hit]:
        o, n = get(pair)
        if o is not None and n is None:
            yield Hit(f"{_fmt_bound(o)} removed", *ptrs(pair, o, n), hint=(o, n))

    def moved(direction: str):
        def check(pair: Pair) -> Iterator[Hit]:
            o, n = get(pair)
            if o is None or n is None or _tightness(o, side) == _tightness(n, side):
                return
            looser = _tightness(n, side) < _tightness(o, side)
            lowered = looser if side == "lower" else not looser
            if lowered == (direction == "lowered"):
                yield Hit(f"{_fmt_bound(o)} -> {_fmt_bound(n)}", *ptrs(pair, o, n), hint=(o, n))

        check.__name__ = f"check_{stem.replace('-', '_')}_{direction}"
        return check

    looser = "widening"
    tighter = "narrowing"
    what = stem.replace("-", " ")
    rule(f"{stem}-added", effect=tighter, summary=f"a {what} bound was added")(added)
    rule(f"{stem}-removed", effect=looser, summary=f"the {what} bound was dropped")(removed)
    rule(f"{stem}-lowered", effect=looser if side == "lower" else tighter, summary=f"the {what} bound was lowered")(moved("lowered"))
    rule(f"{stem}-raised", effect=tighter if side == "lower" else looser, summary=f"the {what} bound was raised")(moved("raised"))


for _stem, _inc, _exc, _side in BOUNDS:
    _bound_rules(_stem, _inc, _exc, _side)


@rule("multiple-of-added", effect="narrowing", summary="numbers must now be a multiple of a value")
def multiple_of_added(pair: Pair) -> Iterator[Hit]:
    if "multipleOf" not in pair.old.kw and "multipleOf" in pair.new.kw:
        yield Hit(f"multipleOf={pair.new.kw['multipleOf']} added", pair.old.ptr, pair.new.kp("multipleOf"))


@rule("multiple-of-removed", effect="widening", summary="numbers no longer need to be a multiple of a value")
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
    def check(pair: Pair) -> Iterator[Hit]:
        o, n = pair.old.kw.get("multipleOf"), pair.new.kw.get("multipleOf")
        if o is not None and n is not None and _multiple_effect(o, n) == effect:
            yield Hit(f"multipleOf={o} -> {n}", pair.old.kp("multipleOf"), pair.new.kp("multipleOf"))

    check.__name__ = "check_" + rule_id.replace("-", "_")
    rule(rule_id, effect=effect, summary=summary)(check)


_multiple_rule("widening", "multiple-of-relaxed", "multipleOf changed to a divisor of the old one")
_multiple_rule("narrowing", "multiple-of-tightened", "multipleOf changed to a multiple of the old one")
_multiple_rule("incompatible", "multiple-of-changed", "multipleOf changed to an unrelated value")


@rule("unique-items-added", effect="narrowing", summary="array items must now be unique")
def unique_items_added(pair: Pair) -> Iterator[Hit]:
    if not pair.old.kw.get("uniqueItems") and pair.new.kw.get("uniqueItems"):
        yield Hit("uniqueItems added", pair.old.ptr, pair.new.kp("uniqueItems"))


@rule("unique-items-removed", effect="widening", summary="array items no longer need to be unique")
def unique_items_removed(pair: Pair) -> Iterator[Hit]:
    if pair.old.kw.get("uniqueItems") and not pair.new.kw.get("uniqueItems"):
        yield Hit("uniqueItems removed", pair.old.kp("uniqueItems"), pair.new.ptr)


# -- strings -------------------------------------------------------------------------------------
@rule("pattern-added", effect="narrowing", summary="strings must now match a pattern")
def pattern_added(pair: Pair) -> Iterator[Hit]:
    if "pattern" not in pair.old.kw and "pattern" in pair.new.kw:
        yield Hit(f"pattern {pair.new.kw['pattern']!r} added", pair.old.ptr, pair.new.kp("pattern"))


@rule("pattern-removed", effect="widening", summary="strings no longer need to match a pattern")
def pattern_removed(pair: Pair) -> Iterator[Hit]:
    if "pattern" in pair.old.kw and "pattern" not in pair.new.kw:
        yield Hit(f"pattern {pair.old.kw['pattern']!r} removed", pair.old.kp("pattern"), pair.new.ptr)


@rule("pattern-changed", effect="incompatible", summary="the pattern changed (judged incompatible unless identical)")
def pattern_changed(pair: Pair) -> Iterator[Hit]:
    o, n = pair.old.kw.get("pattern"), pair.new.kw.get("pattern")
    if o is not None and n is not None and o != n:
        yield Hit(f"pattern {o!r} -> {n!r}", pair.old.kp("pattern"), pair.new.kp("pattern"))


_FORMAT_NOTE = "format is an annotation here: no contract validator asserts it (one format policy, see contracts/v1)"


@rule("format-added", effect="narrowing", level="info", summary=f"a format was added; {_FORMAT_NOTE}")
def format_added(pair: Pair) -> Iterator[Hit]:
    if "format" not in pair.old.kw and "format" in pair.new.kw:
        yield Hit(f"format {pair.new.kw['format']!r} added (not asserted)", pair.old.ptr, pair.new.kp("format"))


@rule("format-removed", effect="widening", level="info", summary=f"a format was removed; {_FORMAT_NOTE}")
def format_removed(pair: Pair) -> Iterator[Hit]:
    if "format" in pair.old.kw and "format" not in pair.new.kw:
        yield Hit(f"format {pair.old.kw['format']!r} removed (not asserted)", pair.old.kp("format"), pair.new.ptr)


@rule("format-changed", effect="incompatible", level="info", summary=f"the format changed; {_FORMAT_NOTE}")
def format_changed(pair: Pair) -> Iterator[Hit]:
    o, n = pair.old.kw.get("format"), pair.new.kw.get("format")
    if o is not None and n is not None and o != n:
        yield Hit(f"format {o!r} -> {n!r} (not asserted)", pair.old.kp("format"), pair.new.kp("format"))


# -- branches ------------------------------------------------------------------------------------
def describe(node: Node) -> str:
    """A few words naming what a branch accepts (for messages)."""
    if "enum" in node.kw:
        return "value " + " or ".join(canon(v) for v in node.kw["enum"][:3]) + (" ..." if len(node.kw["enum"]) > 3 else "")
    sig = _discriminator(node)
    if sig:
        return ", ".join(f"{k}={v}" for k, v in sig)
    d = disjunction(node)
    if d:
        return " | ".join(describe(b) for b in d[1][:4]) + (" | ..." if len(d[1]) > 4 else "")
    kinds = atoms(node)
    if kinds == frozenset({"array"}) and isinstance(node.kw.get("items"), dict):
        return f"array of ({describe(norm(node.kw['items']))})"
    return type_names(kinds)


@rule("branch-added", effect="widening", summary="a oneOf/anyOf branch was added (e.g. a new command type)")
def branch_added(pair: Pair) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if sides:
        _, bo, kn, bn, _ = sides
        for j in match_branches(bo, bn)[2]:
            yield Hit(f"{kn} branch {j} added: {describe(bn[j])}", pair.old.ptr, bn[j].ptr, hint=j)


@rule("branch-removed", effect="narrowing", summary="a oneOf/anyOf branch was removed (e.g. a command type dropped)")
def branch_removed(pair: Pair) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if sides:
        ko, bo, _, bn, _ = sides
        for i in match_branches(bo, bn)[1]:
            yield Hit(f"{ko} branch {i} removed: {describe(bo[i])}", bo[i].ptr, pair.new.ptr, hint=i)


def _combinator(pair: Pair, before: str, after: str) -> Iterator[Hit]:
    sides = branch_sides(pair)
    if sides and not sides[4] and sides[0] == before and sides[2] == after and not (_disjoint(sides[1]) and _disjoint(sides[3])):
        yield Hit(f"{before} -> {after} over overlapping branches", pair.old.kp(before), pair.new.kp(after))


@rule("combinator-widened", effect="widening", summary="oneOf became anyOf over branches that overlap")
def combinator_widened(pair: Pair) -> Iterator[Hit]:
    yield from _combinator(pair, "oneOf", "anyOf")


@rule("combinator-narrowed", effect="narrowing", summary="anyOf became oneOf over branches that overlap")
def combinator_narrowed(pair: Pair) -> Iterator[Hit]:
    yield from _combinator(pair, "anyOf", "oneOf")


def all_of_sides(pair: Pair) -> tuple[list[Node], list[Node]] | None:
    o, n = pair.old.kw.get("allOf"), pair.new.kw.get("allOf")
    if not (isinstance(o, list) and isinstance(n, list)):
        return None
    return (
        [norm(b, f"{pair.old.at['allOf']}/allOf/{i}") for i, b in enumerate(o)],
        [norm(b, f"{pair.new.at['allOf']}/allOf/{i}") for i, b in enumerate(n)],
    )


@rule("all-of-branch-added", effect="narrowing", summary="an allOf branch was added: one more schema must hold")
def all_of_branch_added(pair: Pair) -> Iterator[Hit]:
    sides = all_of_sides(pair)
    if sides:
        for j in match_branches(*sides)[2]:
            yield Hit(f"allOf branch {j} added", pair.old.kp("allOf"), sides[1][j].ptr, hint=j)


@rule("all-of-branch-removed", effect="widening", summary="an allOf branch was removed: one schema fewer must hold")
def all_of_branch_removed(pair: Pair) -> Iterator[Hit]:
    sides = all_of_sides(pair)
    if sides:
        for i in match_branches(*sides)[1]:
            yield Hit(f"allOf branch {i} removed", sides[0][i].ptr, pair.new.kp("allOf"), hint=i)


# -- anything else -------------------------------------------------------------------------------
HANDLED = frozenset(
    {"type", "enum", "required", "properties", "additionalProperties", "pattern", "format", "uniqueItems", "multipleOf"}
    | {b[1] for b in BOUNDS}
    | {b[2] for b in BOUNDS if b[2]}
)


def unhandled_keywords(pair: Pair) -> list[str]:
    """Keywords no specific rule judges at this pair (compared as opaque values)."""
    out = []
    for key in sorted(set(pair.old.kw) | set(pair.new.kw)):
        if key in HANDLED:
            continue
        o, n = pair.old.kw.get(key), pair.new.kw.get(key)
        if key == "items" and not isinstance(o, list) and not isinstance(n, list):
            continue
        if key == "allOf" and all_of_sides(pair):
            continue
        if key in ("oneOf", "anyOf"):
            sides = branch_sides(pair)
            if sides and key in (sides[0], sides[2]):
                continue
        if canon(strip(o)) != canon(strip(n)):
            out.append(key)
    return out


@rule("keyword-changed", effect="incompatible", summary="a keyword with no specific rule changed (not, if/then/else, patternProperties, ...): judged incompatible")
def keyword_changed(pair: Pair) -> Iterator[Hit]:
    for key in unhandled_keywords(pair):
        yield Hit(f"{key} changed (no specific rule: assumed incompatible)", pair.old.kp(key), pair.new.kp(key))


# -- events --------------------------------------------------------------------------------------
@rule("event-added", effect="widening", level="info", scope="events", summary="the new version defines an event the old one did not; existing handlers are not invoked for it")
def event_added(pair: EventsPair) -> Iterator[Hit]:
    for event_id in sorted(set(pair.new) - set(pair.old)):
        yield Hit(f"event {event_id!r} added", None, f"/events/{esc(event_id)}", hint=event_id)


@rule("event-removed", effect="narrowing", scope="events", breaks=("handlers",), summary="an event is gone: existing handlers for it are never invoked again")
def event_removed(pair: EventsPair) -> Iterator[Hit]:
    for event_id in sorted(set(pair.old) - set(pair.new)):
        yield Hit(f"event {event_id!r} removed", f"/events/{esc(event_id)}", None, hint=event_id)


# -- result policy -------------------------------------------------------------------------------
@rule(
    "result-policy-changed",
    effect="narrowing",
    scope="policy",
    breaks=("handlers",),
    summary=(
        "an event's result_policy changed: ignored -> acted-on breaks handlers whose results the result "
        "contract rejects (they were harmless); acted-on -> ignored breaks nobody, but commands stop happening (info)"
    ),
)
def result_policy_changed(pair: PolicyPair) -> Iterator[Hit]:
    if pair.old == pair.new:
        return
    where = f"/events/{esc(pair.event_id)}/result_policy"
    if pair.new == "ignored":
        yield Hit(
            f"event {pair.event_id!r}: result_policy {pair.old} -> {pair.new}: the platform no longer acts on "
            "results; any result is harmless, and commands handlers return will not happen",
            where, where, hint=pair.event_id, effect="widening", breaks=(),
        )
    else:
        yield Hit(
            f"event {pair.event_id!r}: result_policy {pair.old} -> {pair.new}: results are now enforced; "
            "a handler returning anything the result contract rejects (or no result) now fails",
            where, where, hint=pair.event_id,
        )
