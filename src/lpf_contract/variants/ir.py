"""The generation plan: one typed node per schema location, what the payload generator draws from.

It types ``core.schema``'s model for generation: ``allOf`` merged into one schema per location,
``x-lpf-generate`` narrowings applied, and every keyword the generator cannot honour refused loudly
(:class:`UnsupportedSchema`). The vocabulary (annotations, JSON types, equality, when branches are
disjoint) is core's, shared with the contract diff. Every part of this package (strategy compiler,
coverage, systematic variants) walks these nodes, so what a keyword means for generation is written
once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.ecma import compile_ecma_pattern
from ..core.schema import ANNOTATIONS, GENERATE, JSON_TYPES, MAX_SAFE, all_disjoint, json_equal, norm
from .keywords import UnsupportedSchema, check_keywords
from .keywords import at as _ptr
from .merge import declared_types, flatten_all_of, merge

__all__ = ["MAX_SAFE", "UnsupportedSchema", "check_keywords", "merge", "normalize"]  # MAX_SAFE: core's, for the compiler


# -- nodes -----------------------------------------------------------------------------------------
@dataclass(eq=False)
class TypedNode:
    """A schema location typed for generation (the subclasses say which kind of value it holds)."""

    schema: Any  # the (merged) schema this node stands for, without allOf
    examples: tuple = ()
    # True when only x-lpf-generate names this location or its values (an open string drawn from a
    # list of real values, metaData keys): generated, but not a coverage target of the contract.
    generation_only: bool = False


@dataclass(eq=False)
class AnyNode(TypedNode):
    pass


@dataclass(eq=False)
class EnumNode(TypedNode):
    values: tuple = ()
    is_const: bool = False


@dataclass(eq=False)
class NullNode(TypedNode):
    pass


@dataclass(eq=False)
class BoolNode(TypedNode):
    pass


@dataclass(eq=False)
class NumberNode(TypedNode):
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
class StringNode(TypedNode):
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None
    guards: tuple[str, ...] = ()  # more patterns a value must match (a location's own under x-lpf-generate's)

    def accepts(self, s: Any) -> bool:
        if not isinstance(s, str) or len(s) < self.min_length:
            return False
        if self.max_length is not None and len(s) > self.max_length:
            return False
        if any(compile_ecma_pattern(g).search(s) is None for g in self.guards):
            return False
        return self.pattern is None or compile_ecma_pattern(self.pattern).search(s) is not None


@dataclass(eq=False)
class ArrayNode(TypedNode):
    items: TypedNode = field(default_factory=lambda: AnyNode(schema={}))  # normalize() always sets it
    min_items: int = 0
    max_items: int | None = None


@dataclass(eq=False)
class ObjectNode(TypedNode):
    properties: dict[str, TypedNode] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # None: no extra keys are generated (additionalProperties absent or true);
    # False: closed object; a TypedNode: extra keys whose values follow it.
    additional: TypedNode | bool | None = None


@dataclass(eq=False)
class UnionNode(TypedNode):
    branches: tuple[TypedNode, ...] = ()
    exclusive: bool = False  # oneOf: a value must match exactly one branch
    disjoint: bool = True  # branches can never match the same value (no filtering needed)
    kind: str = "anyOf"  # "oneOf", "anyOf" or "type"


# -- normalisation ---------------------------------------------------------------------------------
_TYPE_HINTS = {
    "object": ("properties", "required", "additionalProperties"),
    "array": ("items", "minItems", "maxItems"),
    "string": ("minLength", "maxLength", "pattern"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}


def normalize(schema: Any, pointer: str = "") -> TypedNode:
    """Check and normalise a bundled draft-07 schema; raises UnsupportedSchema."""
    schema = _spelled_plainly(schema)
    check_keywords(schema, pointer)
    return _node(schema, pointer)


_COUNT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems")
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_NAMED_MAPS = frozenset({"properties", "patternProperties", "definitions", "dependencies"})


def _spelled_plainly(schema: Any) -> Any:
    """``schema`` with equivalent spellings the keyword check would refuse rewritten (a copy): counts
    written ``2.0`` as ``2``, ``items: false`` as ``maxItems: 0``, and an optional property whose schema
    is ``false`` dropped (the generator names only declared properties, so it never draws it)."""
    if isinstance(schema, list):
        return [_spelled_plainly(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k in _DATA_KEYWORDS:
            out[k] = v
        elif k in _NAMED_MAPS and isinstance(v, dict):
            out[k] = {name: _spelled_plainly(sub) for name, sub in v.items()}
        else:
            out[k] = _spelled_plainly(v)
    for key in _COUNT_KEYWORDS:
        v = out.get(key)
        if isinstance(v, float) and v.is_integer():
            out[key] = int(v)
    if out.get("items") is False:
        del out["items"]
        out["maxItems"] = 0
    props, required = out.get("properties"), out.get("required")
    if isinstance(props, dict):
        needed = set(required) if isinstance(required, list) else set()
        out["properties"] = {k: v for k, v in props.items() if not (v is False and k not in needed)}
    return out


def _node(schema: Any, pointer: str) -> TypedNode:
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


def _build_node(schema: Any, pointer: str) -> tuple[TypedNode, bool]:
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
            if key == "oneOf" and sum(isinstance(b, AnyNode) for b in branches) >= 2:
                # Every value matches both: none matches exactly one branch.
                raise UnsupportedSchema(
                    key, _ptr(pointer, key), "two branches accept every value, so no value matches exactly one"
                )
            return _union(schema, branches, key, examples), gen_only
    if "const" in schema or "enum" in schema:
        return _enum(schema, pointer, examples), gen_only
    declared = declared_types(schema)
    if declared is None:
        declared = {t for t, hints in _TYPE_HINTS.items() if any(h in schema for h in hints)} or set(JSON_TYPES)
        if len(declared) == len(JSON_TYPES):
            return AnyNode(schema=schema, examples=examples), gen_only
    types = sorted(declared, key=JSON_TYPES.index)
    if "integer" in types and "number" in types:
        types.remove("integer")  # number already allows integers
    if len(types) == 1:
        return _typed(schema, types[0], pointer, examples), gen_only
    branches = [_typed(dict(schema, type=t), t, pointer, examples) for t in types]
    return UnionNode(schema=schema, examples=examples, branches=tuple(branches), kind="type", disjoint=True), gen_only


def _enum(schema: dict, pointer: str, examples: tuple) -> TypedNode:
    from jsonschema import Draft7Validator

    if "const" in schema:
        values = [schema["const"]]
        if "enum" in schema and not any(json_equal(values[0], v) for v in schema["enum"]):
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


def _typed(schema: dict, t: str, pointer: str, examples: tuple) -> TypedNode:
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
        array = ArrayNode(
            schema=schema,
            examples=examples,
            items=_node(items, _ptr(pointer, "items")),
            min_items=int(schema.get("minItems", 0)),
            max_items=schema.get("maxItems"),
        )
        if array.max_items is not None and array.max_items < array.min_items:
            raise UnsupportedSchema("maxItems", _ptr(pointer, "maxItems"), "maxItems below minItems")
        return array
    if t == "object":
        props = {name: _node(sub, _ptr(pointer, "properties", name)) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        if extra is False:
            additional: TypedNode | bool | None = False
        elif extra is True:
            additional = None
        else:
            additional = _node(extra, _ptr(pointer, "additionalProperties"))
        required = tuple(schema.get("required", ()))
        for name in required:
            if name not in props:
                if additional is False:
                    raise UnsupportedSchema(
                        "required", _ptr(pointer, "required"), f"property {name!r} is required but not allowed"
                    )
                props[name] = additional if isinstance(additional, TypedNode) else AnyNode(schema={})
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
    # Generated numbers stay within JavaScript's safe integers (what a Node handler reads exactly, and
    # what Hypothesis' float bounds take): a wider bound is narrowed to them, a range wholly outside refused.
    if lo is not None and lo > MAX_SAFE:
        raise UnsupportedSchema("minimum", _ptr(pointer, "minimum"), f"{lo} is above JavaScript's largest safe integer 2^53-1")
    if hi is not None and hi < -MAX_SAFE:
        raise UnsupportedSchema(
            "maximum", _ptr(pointer, "maximum"), f"{hi} is below JavaScript's smallest safe integer -(2^53-1)"
        )
    if hi is not None and hi > MAX_SAFE:
        hi, ex_hi = MAX_SAFE, False
    if lo is not None and lo < -MAX_SAFE:
        lo, ex_lo = -MAX_SAFE, False
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (ex_lo or ex_hi))):
        raise UnsupportedSchema("maximum", _ptr(pointer, "maximum"), f"no number lies between {lo} and {hi}")
    return NumberNode(
        schema=schema, examples=examples, integer=integer, minimum=lo, maximum=hi, exclusive_min=ex_lo, exclusive_max=ex_hi
    )


def _union(schema: dict, branches: list[TypedNode], key: str, examples: tuple) -> UnionNode:
    # core.schema's one disjointness test, on each branch's own (merged) schema.
    disjoint = all_disjoint([norm(b.schema) for b in branches])
    return UnionNode(
        schema=schema, examples=examples, branches=tuple(branches), exclusive=key == "oneOf", disjoint=disjoint, kind=key
    )


class NodeChecks:
    """Whether a value satisfies a node's own schema, with one jsonschema-rs validator per node.

    Keyed by node identity: the owner keeps the node tree alive as long as this cache.
    """

    def __init__(self) -> None:
        self._checks: dict[int, Any] = {}

    def accepts(self, node: TypedNode, value: Any) -> bool:
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
