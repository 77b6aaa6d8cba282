"""Schema to intermediate form: one normalised node per schema location.

Every part of the package (strategy compiler, coverage, systematic variants) walks these nodes, so the
rules of which keywords mean what are written once, here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ContractError

# Keywords that describe but never constrain: skipped without a word.
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "$schema", "$id", "default", "readOnly", "writeOnly", "deprecated", "$defs", "definitions"}
)
SUPPORTED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "minItems", "maxItems", "pattern", "allOf", "oneOf", "anyOf", "uniqueItems",
    }
)  # fmt: skip
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
# Vendor keyword (decided here): a schema fragment that narrows what the generator draws at this
# location to values the platform really sends (real id forms, plausible timestamps, realistic
# sizes). Validators ignore unknown keywords and the contract diff treats "x-" keywords as
# annotations, so validation can stay looser than generation where the evidence is thin. The
# compiler applies it as an allOf with the location's own schema: it can only narrow, never widen.
GENERATE = "x-lpf-generate"
MAX_SAFE = 2**53 - 1


class UnsupportedSchema(ContractError):
    """The generator cannot honour a schema keyword (or combination); never skipped silently."""

    def __init__(self, keyword: str, pointer: str, why: str = ""):
        self.keyword = keyword
        self.pointer = pointer
        detail = f": {why}" if why else ""
        super().__init__(
            f"unsupported schema keyword={keyword} at schema pointer={pointer or '/'}{detail}; "
            "the payload generator cannot honour it: simplify the contract or extend lpf_contract.variants"
        )


def _ptr(base: str, *parts: Any) -> str:
    return base + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@functools.lru_cache(maxsize=512)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    # ECMA "$" matches only at the very end; Python's also before a final newline. ASCII \d \w as in ECMA.
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern), re.ASCII)


# -- nodes -----------------------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    schema: Any  # the (merged) schema this node stands for, without allOf
    examples: tuple = ()
    # True when only x-lpf-generate names this location or its values (an open string drawn from a
    # list of real values, metaData keys): generated, but not a coverage target of the contract.
    generation_only: bool = False


@dataclass(eq=False)
class AnyNode(Node):
    pass


@dataclass(eq=False)
class EnumNode(Node):
    values: tuple = ()
    is_const: bool = False


@dataclass(eq=False)
class NullNode(Node):
    pass


@dataclass(eq=False)
class BoolNode(Node):
    pass


@dataclass(eq=False)
class NumberNode(Node):
    integer: bool = False
    minimum: float | None = None  # inclusive bounds after folding exclusive ones for integers
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False

    def accepts(self, x: Any) -> bool:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return False
        if self.integer and not (isinstance(x, int) or float(x).is_integer()):
            return False
        if self.minimum is not None and (x < self.minimum or (self.exclusive_min and x == self.minimum)):
            return False
        if self.maximum is not None and (x > self.maximum or (self.exclusive_max and x == self.maximum)):
            return False
        return True


@dataclass(eq=False)
class StringNode(Node):
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None
    guards: tuple[str, ...] = ()  # more patterns a value must match (a location's own under x-lpf-generate's)

    def accepts(self, s: Any) -> bool:
        if not isinstance(s, str) or len(s) < self.min_length:
            return False
        if self.max_length is not None and len(s) > self.max_length:
            return False
        if any(ecma_regex(g).search(s) is None for g in self.guards):
            return False
        return self.pattern is None or ecma_regex(self.pattern).search(s) is not None


@dataclass(eq=False)
class ArrayNode(Node):
    items: Node | None = None
    min_items: int = 0
    max_items: int | None = None


@dataclass(eq=False)
class ObjectNode(Node):
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # None: no extra keys are generated (additionalProperties absent or true);
    # False: closed object; a Node: extra keys whose values follow it.
    additional: Node | bool | None = None


@dataclass(eq=False)
class UnionNode(Node):
    branches: tuple[Node, ...] = ()
    exclusive: bool = False  # oneOf: a value must match exactly one branch
    disjoint: bool = True  # branches can never match the same value (no filtering needed)
    kind: str = "anyOf"  # "oneOf", "anyOf" or "type"


_NUMERIC = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_COUNTS = frozenset({"minLength", "maxLength", "minItems", "maxItems"})


# -- keyword check ---------------------------------------------------------------------------------
def check_keywords(schema: Any, pointer: str = "") -> None:
    """Raise UnsupportedSchema for the first keyword (in document order) the generator does not honour."""
    if isinstance(schema, bool):
        if schema is False:
            raise UnsupportedSchema("false", pointer, "the schema false admits no value to generate")
        return
    if not isinstance(schema, dict):
        raise UnsupportedSchema("(not a schema)", pointer, f"expected an object or boolean, got {type(schema).__name__}")
    for key, value in schema.items():
        where = _ptr(pointer, key)
        if key in ANNOTATIONS:
            continue
        if key == "$ref":
            raise UnsupportedSchema(key, where, "bundle the schema first (Registry.bundled)")
        if key == GENERATE:
            check_keywords(value, where)
            continue
        if key not in SUPPORTED:
            raise UnsupportedSchema(key, where)
        if key == "type":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not names or any(n not in JSON_TYPES for n in names):
                raise UnsupportedSchema(key, where, f"expected one of {', '.join(JSON_TYPES)} or a list of them, got {value!r}")
        if key in _NUMERIC and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise UnsupportedSchema(key, where, f"expected a number (draft-07), got {value!r}")
        if key in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise UnsupportedSchema(key, where, f"expected a non-negative integer, got {value!r}")
        if key == "uniqueItems" and value is True:
            raise UnsupportedSchema(key, where, "uniqueItems=true is not generated")
        if key == "items" and isinstance(value, list):
            raise UnsupportedSchema(key, where, "tuple form of items (a list of schemas)")
        if key == "properties":
            for name, sub in value.items():
                check_keywords(sub, _ptr(where, name))
        elif key in ("items", "additionalProperties"):
            if not (key == "additionalProperties" and isinstance(value, bool)):
                check_keywords(value, where)
        elif key in ("allOf", "oneOf", "anyOf"):
            if not value:
                raise UnsupportedSchema(key, where, "an empty list")
            for i, sub in enumerate(value):
                check_keywords(sub, _ptr(where, i))


# -- merging (allOf) -------------------------------------------------------------------------------
def _types(schema: dict) -> set[str] | None:
    t = schema.get("type")
    if t is None:
        return None
    return {t} if isinstance(t, str) else set(t)


def _merge_types(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    if a is None or b is None:
        return a if b is None else b
    out = a & b
    if "integer" in a and "number" in b or "integer" in b and "number" in a:
        out.add("integer")
    return out


def merge(a: dict, b: dict, pointer: str) -> dict:
    """The schema that accepts exactly what both ``a`` and ``b`` accept (``allOf``), for the keywords we support."""
    out: dict = {}
    keys = list(a) + [k for k in b if k not in a]
    for key in keys:
        if key in ANNOTATIONS:
            if key == "examples":
                out[key] = list(a.get(key, [])) + list(b.get(key, []))
            continue
        if key in ("properties", "additionalProperties"):
            continue  # handled together below
        if key not in a or key not in b:
            out[key] = a[key] if key in a else b[key]
            continue
        va, vb = a[key], b[key]
        if key == GENERATE:
            out[key] = {"allOf": [va, vb]}  # both narrowings apply
        elif key == "type":
            t = _merge_types(_types(a), _types(b))
            if not t:
                raise UnsupportedSchema("allOf", pointer, f"branches allow no common type ({va} and {vb})")
            out[key] = sorted(t, key=JSON_TYPES.index)
        elif key == "required":
            out[key] = list(va) + [r for r in vb if r not in va]
        elif key == "enum":
            out[key] = [v for v in va if any(_json_equal(v, w) for w in vb)]
        elif key in ("minimum", "minLength", "minItems"):
            out[key] = max(va, vb)
        elif key in ("maximum", "maxLength", "maxItems"):
            out[key] = min(va, vb)
        elif key in ("exclusiveMinimum",):
            out[key] = max(va, vb)
        elif key in ("exclusiveMaximum",):
            out[key] = min(va, vb)
        elif key == "items":
            out[key] = {"allOf": [va, vb]}
        elif key == "allOf":
            out[key] = list(va) + list(vb)
        elif _json_equal(va, vb):
            out[key] = va
        else:
            raise UnsupportedSchema("allOf", pointer, f"branches disagree on keyword={key} ({va!r} vs {vb!r}) and cannot be merged")
    if any(k in a or k in b for k in ("properties", "additionalProperties")):
        _merge_properties(a, b, out)
    return out


def _merge_properties(a: dict, b: dict, out: dict) -> None:
    props_a, props_b = a.get("properties", {}), b.get("properties", {})
    names = list(props_a) + [n for n in props_b if n not in props_a]
    merged: dict = {}
    for name in names:
        parts = []
        forbidden = False
        for side, props in ((a, props_a), (b, props_b)):
            if name in props:
                parts.append(props[name])
            else:
                extra = side.get("additionalProperties", True)
                if extra is False:
                    forbidden = True  # one branch is closed and does not name it: the key must stay absent
                elif extra is not True and extra != {}:
                    parts.append(extra)
        if forbidden:
            continue
        merged[name] = parts[0] if len(parts) == 1 else {"allOf": parts}
    out["properties"] = merged
    extras = [s.get("additionalProperties", True) for s in (a, b)]
    if False in extras:
        out["additionalProperties"] = False
    else:
        extras = [e for e in extras if e is not True and e != {}]
        if extras:
            out["additionalProperties"] = extras[0] if len(extras) == 1 else {"allOf": extras}
        elif "additionalProperties" in a or "additionalProperties" in b:
            out["additionalProperties"] = True


def _json_equal(x: Any, y: Any) -> bool:
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return x == y
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_json_equal(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_json_equal(i, j) for i, j in zip(x, y))
    return type(x) is type(y) and x == y


def flatten_all_of(schema: dict, pointer: str) -> dict:
    """Fold ``allOf`` (and nested ones) into the enclosing schema."""
    if "allOf" not in schema:
        return schema
    base = {k: v for k, v in schema.items() if k != "allOf"}
    for i, branch in enumerate(schema["allOf"]):
        where = _ptr(pointer, "allOf", i)
        if branch is True or branch == {}:
            continue
        branch = flatten_all_of(branch, where)
        base = merge(base, branch, where)
        if "allOf" in base:  # a merged "items"/nested allOf surfaced again at this level
            base = flatten_all_of(base, where)
    return base


# -- normalisation ---------------------------------------------------------------------------------
_TYPE_HINTS = {
    "object": ("properties", "required", "additionalProperties"),
    "array": ("items", "minItems", "maxItems"),
    "string": ("minLength", "maxLength", "pattern"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}


def normalize(schema: Any, pointer: str = "") -> Node:
    """Check and normalise a bundled draft-07 schema; raises UnsupportedSchema."""
    check_keywords(schema, pointer)
    return _node(schema, pointer)


def _node(schema: Any, pointer: str) -> Node:
    node, gen_only = _build_node(schema, pointer)
    if gen_only:
        node.generation_only = True
    return node


_GEN_ONLY = "x-lpf-generation-only"  # internal marker on subschemas that only x-lpf-generate names


def _mark_generation_only(rest: dict, merged: dict) -> None:
    known = rest.get("properties", {})
    for name, sub in merged.get("properties", {}).items():
        if name not in known and isinstance(sub, dict):
            merged["properties"][name] = {**sub, _GEN_ONLY: True}


def _build_node(schema: Any, pointer: str) -> tuple[Node, bool]:
    if schema is True:
        return AnyNode(schema={}), False
    schema = flatten_all_of(schema, pointer)
    generated = GENERATE in schema
    gen_only = bool(schema.get(_GEN_ONLY))
    if generated:
        where = _ptr(pointer, GENERATE)
        rest = {k: v for k, v in schema.items() if k != GENERATE}
        narrow = flatten_all_of(schema[GENERATE], where)
        guard = None
        if "pattern" in rest and "pattern" in narrow and rest["pattern"] != narrow["pattern"]:
            # Two patterns cannot be merged into one: the generator draws the narrower one and
            # keeps the location's own as a guard (checked by accepts() and the node's schema).
            guard = rest.pop("pattern")
        schema = merge(rest, narrow, where)
        if guard is not None:
            schema["allOf"] = [{"pattern": guard}]
        _mark_generation_only(rest, schema)
        if ("enum" in narrow or "const" in narrow) and not ("enum" in rest or "const" in rest):
            gen_only = True
    examples = tuple(schema.get("examples", ()))
    constraints = {k: v for k, v in schema.items() if k not in ANNOTATIONS}
    if not constraints:
        return AnyNode(schema=schema, examples=examples), gen_only
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if "oneOf" in schema and "anyOf" in schema:
                raise UnsupportedSchema("anyOf", _ptr(pointer, "anyOf"), "oneOf and anyOf side by side")
            rest = {k: v for k, v in schema.items() if k != key and k != "examples"}
            branches = []
            for i, b in enumerate(schema[key]):
                where = _ptr(pointer, key, i)
                merged = merge(rest, flatten_all_of(b, where) if isinstance(b, dict) else {}, where)
                branch = _node(merged, where)
                if generated and not branch.examples:
                    # A generation-only union of real forms: the field's examples seed each branch
                    # (a branch keeps only those it accepts).
                    branch.examples = examples
                branches.append(branch)
            return _union(schema, branches, key, examples), gen_only
    if "const" in schema or "enum" in schema:
        return _enum(schema, pointer, examples), gen_only
    types = _types(schema)
    if types is None:
        types = [t for t, hints in _TYPE_HINTS.items() if any(h in schema for h in hints)] or list(JSON_TYPES)
        if len(types) == len(JSON_TYPES):
            return AnyNode(schema=schema, examples=examples), gen_only
    types = sorted(types, key=JSON_TYPES.index)
    if "integer" in types and "number" in types:
        types.remove("integer")  # number already allows integers
    if len(types) == 1:
        return _typed(schema, types[0], pointer, examples), gen_only
    branches = [_typed(dict(schema, type=t), t, pointer, examples) for t in types]
    return UnionNode(schema=schema, examples=examples, branches=tuple(branches), kind="type", disjoint=True), gen_only


def _enum(schema: dict, pointer: str, examples: tuple) -> Node:
    from jsonschema import Draft7Validator

    if "const" in schema:
        values = [schema["const"]]
        if "enum" in schema and not any(_json_equal(values[0], v) for v in schema["enum"]):
            values = []
    else:
        values = list(schema["enum"])
    # Other keywords still apply (e.g. a type next to an enum): keep only the values they accept.
    rest = {k: v for k, v in schema.items() if k not in ("enum", "const")}
    check = Draft7Validator(rest)
    kept = tuple(v for v in values if check.is_valid(v))
    if not kept:
        key = "const" if "const" in schema else "enum"
        raise UnsupportedSchema(key, _ptr(pointer, key), "no listed value satisfies the other keywords of this schema")
    return EnumNode(schema=schema, examples=examples, values=kept, is_const="const" in schema and "enum" not in schema)


def _typed(schema: dict, t: str, pointer: str, examples: tuple) -> Node:
    if t == "null":
        return NullNode(schema=schema, examples=examples)
    if t == "boolean":
        return BoolNode(schema=schema, examples=examples)
    if t in ("integer", "number"):
        return _number(schema, t == "integer", pointer, examples)
    if t == "string":
        node = StringNode(
            schema=schema,
            examples=examples,
            min_length=int(schema.get("minLength", 0)),
            max_length=schema.get("maxLength"),
            pattern=schema.get("pattern"),
            guards=tuple(b["pattern"] for b in schema.get("allOf", ()) if isinstance(b, dict) and "pattern" in b),
        )
        if node.max_length is not None and node.max_length < node.min_length:
            raise UnsupportedSchema("maxLength", _ptr(pointer, "maxLength"), "maxLength below minLength")
        return node
    if t == "array":
        items = schema.get("items", True)
        node = ArrayNode(
            schema=schema,
            examples=examples,
            items=_node(items, _ptr(pointer, "items")),
            min_items=int(schema.get("minItems", 0)),
            max_items=schema.get("maxItems"),
        )
        if node.max_items is not None and node.max_items < node.min_items:
            raise UnsupportedSchema("maxItems", _ptr(pointer, "maxItems"), "maxItems below minItems")
        return node
    if t == "object":
        props = {name: _node(sub, _ptr(pointer, "properties", name)) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        if extra is False:
            additional: Node | bool | None = False
        elif extra is True:
            additional = None
        else:
            additional = _node(extra, _ptr(pointer, "additionalProperties"))
        required = tuple(schema.get("required", ()))
        for name in required:
            if name not in props:
                if additional is False:
                    raise UnsupportedSchema("required", _ptr(pointer, "required"), f"property {name!r} is required but not allowed")
                props[name] = additional if isinstance(additional, Node) else AnyNode(schema={})
        return ObjectNode(schema=schema, examples=examples, properties=props, required=required, additional=additional)
    raise UnsupportedSchema("type", _ptr(pointer, "type"), f"unknown type {t!r}")


def _number(schema: dict, integer: bool, pointer: str, examples: tuple) -> NumberNode:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    ex_lo = ex_hi = False
    if xlo is not None and (lo is None or xlo >= lo):
        lo, ex_lo = xlo, True
    if xhi is not None and (hi is None or xhi <= hi):
        hi, ex_hi = xhi, True
    if integer:
        import math

        if lo is not None:
            lo = math.floor(lo) + 1 if ex_lo and float(lo).is_integer() else math.ceil(lo)
            ex_lo = False
        if hi is not None:
            hi = math.ceil(hi) - 1 if ex_hi and float(hi).is_integer() else math.floor(hi)
            ex_hi = False
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (ex_lo or ex_hi))):
        raise UnsupportedSchema("maximum", _ptr(pointer, "maximum"), f"no number lies between {lo} and {hi}")
    return NumberNode(schema=schema, examples=examples, integer=integer, minimum=lo, maximum=hi, exclusive_min=ex_lo, exclusive_max=ex_hi)


def base_types(node: Node) -> set[str] | None:
    """The JSON types a node's values can have (None: any)."""
    if isinstance(node, AnyNode):
        return None
    if isinstance(node, EnumNode):
        return {_json_type(v) for v in node.values}
    if isinstance(node, UnionNode):
        out: set[str] = set()
        for b in node.branches:
            t = base_types(b)
            if t is None:
                return None
            out |= t
        return out
    if isinstance(node, NumberNode):
        return {"number"}
    return {_NODE_TYPES[type(node)]}


_NODE_TYPES = {NullNode: "null", BoolNode: "boolean", StringNode: "string", ArrayNode: "array", ObjectNode: "object"}


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _discriminators(node: Node) -> dict[str, tuple]:
    """Required properties whose values are fixed to a closed set (const/enum) in an object branch."""
    if not isinstance(node, ObjectNode):
        return {}
    return {n: node.properties[n].values for n in node.required if isinstance(node.properties.get(n), EnumNode)}


def _branches_disjoint(a: Node, b: Node) -> bool:
    ta, tb = base_types(a), base_types(b)
    if ta is not None and tb is not None and not (ta & tb):
        return True
    if isinstance(a, EnumNode) and isinstance(b, EnumNode):
        return not any(_json_equal(x, y) for x in a.values for y in b.values)
    da, db = _discriminators(a), _discriminators(b)
    for name in da.keys() & db.keys():
        if not any(_json_equal(x, y) for x in da[name] for y in db[name]):
            return True
    return False


def _union(schema: dict, branches: list[Node], key: str, examples: tuple) -> UnionNode:
    disjoint = all(_branches_disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1 :])
    return UnionNode(schema=schema, examples=examples, branches=tuple(branches), exclusive=key == "oneOf", disjoint=disjoint, kind=key)


class NodeChecks:
    """Whether a value satisfies a node's own schema, with one jsonschema-rs validator per node.

    Keyed by node identity: the owner keeps the node tree alive as long as this cache.
    """

    def __init__(self) -> None:
        self._checks: dict[int, Any] = {}

    def accepts(self, node: Node, value: Any) -> bool:
        if isinstance(node, AnyNode):
            return True
        check = self._checks.get(id(node))
        if check is None:
            import jsonschema_rs

            check = self._checks[id(node)] = jsonschema_rs.validator_for(node.schema)
        try:
            return check.is_valid(value)
        except (ValueError, TypeError):  # values jsonschema-rs cannot take (huge ints, non-JSON)
            return False
