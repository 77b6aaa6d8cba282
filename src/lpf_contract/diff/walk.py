"""The walk: both schemas of a subject descended side by side, every rule run at every pair."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..core.bundle import bundle_document
from ..core.errors import ContractError, UsageError
from ..core.pointer import escape, json_pointer
from ..core.schema import effective_property, norm
from .catalogue import Rule, rules_for
from .model import ROLES, Hit, Pair, SchemaChange, Step, level_for
from .pairs import align_all_of, all_of_sides, branch_sides, match_branches

MAX_DEPTH = 64


@dataclass(frozen=True)
class SchemaSide:
    """One side of a comparison: a bundled schema, a validator for it, and valid sample instances."""

    doc: Any
    validator: Any
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Subject:
    """What is compared: two sides of one schema (an event's payload, a result schema, a file pair)."""

    name: str
    role: str
    old: SchemaSide
    new: SchemaSide
    event_id: str | None = None
    events: tuple[str, ...] = ()


def validator_for(doc: Any) -> Any:
    """The draft-07 validator every check uses (ECMA-262 "$" in patterns)."""
    from ..core.ecma import validator_class

    return validator_class()(doc)


def schema_side(doc: Any, *, examples: Iterable[Any] = (), bundled: bool = False, label: str = "schema") -> SchemaSide:
    """A side from a schema document (bundled here unless ``bundled``); ContractError when invalid."""
    from jsonschema.exceptions import SchemaError as JsSchemaError

    bundled_doc = doc if bundled else bundle_document(doc)
    validator = validator_for(bundled_doc)
    try:
        # An invalid schema is bad input (exit 2), never a "breaking change" (exit 1) or a traceback.
        validator.check_schema(bundled_doc, format_checker=validator.FORMAT_CHECKER)  # ECMA-262 "regex"
    except JsSchemaError as exc:
        raise ContractError(
            f"{label} is not valid JSON Schema (draft-07) at {json_pointer(exc.path) or '/'}: {exc.message}"
        ) from None
    return SchemaSide(bundled_doc, validator, tuple(examples))


def diff_subject(subject: Subject, *, witnesses: bool = True) -> list[SchemaChange]:
    """Every change between the two schemas of ``subject``."""
    from .witness import find_witness

    root = Pair(norm(subject.old.doc), norm(subject.new.doc))
    found: list[tuple[Rule, Hit, Pair]] = []
    _walk(root, found, 0, rules_for("schema"))
    out = []
    for rule, hit, pair in found:
        bf = rule.breaking_for(subject.role)
        change = SchemaChange(
            rule=rule.id,
            level=level_for(bf),
            path_old=hit.path_old,
            path_new=hit.path_new,
            effect=rule.effect,
            breaking_for=bf,
            message=hit.message,
            subject=subject.name,
            role=subject.role,
            where=(pair.where + hit.where) or "/",
            event_id=subject.event_id,
            events=subject.events or ((subject.event_id,) if subject.event_id else ()),
        )
        if witnesses and bf:
            witness = find_witness(rule, hit, pair, subject)
            # No value shows the change after a real search: the rule may have misread the schemas.
            change = replace(
                change, witness=witness, unconfirmed=witness is None, level="warning" if witness is None else change.level
            )
        out.append(change)
    return sorted(out, key=SchemaChange.sort_key)


def diff_schemas(old: Any, new: Any, *, role: str, name: str = "schema", witnesses: bool = True) -> list[SchemaChange]:
    """Changes between two schema documents (local ``$ref``s resolved) in ``role`` payload or commands."""
    if role not in ROLES:
        raise UsageError(f"unknown role={role!r}; use payload or commands")
    subject = Subject(name, role, schema_side(old, label=f"OLD {name}"), schema_side(new, label=f"NEW {name}"))
    return diff_subject(subject, witnesses=witnesses)


def _walk(pair: Pair, out: list, depth: int, rules: list[Rule]) -> None:
    if depth > MAX_DEPTH or pair.old.same_as(pair.new):
        return
    pair = align_all_of(pair)
    sides = branch_sides(pair)
    distributed = bool(sides and sides[4])
    for rule in rules:
        if distributed and not rule.on_distributed_branches:
            continue
        for hit in rule.detect(pair):
            out.append((rule, hit, pair))
    for child in _children(pair, sides, distributed):
        _walk(child, out, depth + 1, rules)


def _children(pair: Pair, sides: Any, distributed: bool) -> Iterator[Pair]:
    if sides:
        _, bo, _, bn, _ = sides
        for i, j in match_branches(bo, bn)[0]:
            yield Pair(bo[i], bn[j], pair.trail + (Step("branch", None, bo[i], bn[j]),), pair.where)
    if distributed:
        return
    for name in sorted(set(pair.old.kw.get("properties") or {}) | set(pair.new.kw.get("properties") or {})):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if not (eo.false or en.false):
            yield Pair(eo, en, pair.trail + (Step("prop", name, eo, en),), f"{pair.where}/{escape(name)}")
    xo, xn = pair.old.kw.get("additionalProperties", True), pair.new.kw.get("additionalProperties", True)
    if xo is not False and xn is not False and not (xo is True and xn is True):
        no = norm(xo, pair.old.kp("additionalProperties"))
        nn = norm(xn, pair.new.kp("additionalProperties"))
        yield Pair(no, nn, pair.trail + (Step("additional", None, no, nn),), f"{pair.where}/{{key}}")
    io, in_ = pair.old.kw.get("items", True), pair.new.kw.get("items", True)
    if not isinstance(io, list) and not isinstance(in_, list) and not (io is True and in_ is True):
        no, nn = norm(io, pair.old.kp("items")), norm(in_, pair.new.kp("items"))
        yield Pair(no, nn, pair.trail + (Step("items", None, no, nn),), f"{pair.where}/*")
    all_of = all_of_sides(pair)
    if all_of:
        for i, j in match_branches(*all_of)[0]:
            a, b = all_of[0][i], all_of[1][j]
            yield Pair(a, b, pair.trail + (Step("allof", None, a, b),), pair.where)
