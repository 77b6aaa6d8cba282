"""``allOf`` folded into one schema per location (what the generator draws from), or a loud refusal."""

from __future__ import annotations

from ..core.schema import ANNOTATIONS, GENERATE, JSON_TYPES, json_equal
from .keywords import UnsupportedSchema
from .keywords import at as _ptr


def declared_types(schema: dict) -> set[str] | None:
    """The type names a schema declares (None: no "type" keyword)."""
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
            t = _merge_types(declared_types(a), declared_types(b))
            if not t:
                raise UnsupportedSchema("allOf", pointer, f"branches allow no common type ({va} and {vb})")
            out[key] = sorted(t, key=JSON_TYPES.index)
        elif key == "required":
            out[key] = list(va) + [r for r in vb if r not in va]
        elif key == "enum":
            out[key] = [v for v in va if any(json_equal(v, w) for w in vb)]
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
        elif json_equal(va, vb):
            out[key] = va
        else:
            raise UnsupportedSchema(
                "allOf", pointer, f"branches disagree on keyword={key} ({va!r} vs {vb!r}) and cannot be merged"
            )
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
