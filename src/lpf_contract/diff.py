"""Semantic diff of contract schemas: which changes break existing handlers, and a value that shows it.

Schemas are compared by the values they accept, not by text (see :mod:`lpf_contract.diff_rules`).
Payload schemas flow platform -> handler (widening breaks handlers); result schemas flow handler ->
platform (narrowing breaks handlers). Every breaking change gets a *witness*: a concrete value one
side accepts and the other rejects, checked with the python-jsonschema validators of both sides.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .diff_rules import (
    ALL_ATOMS,
    ROLES,
    BOUNDS,
    BRANCH_RULES,
    RULES,
    EventsPair,
    PolicyPair,
    Hit,
    Node,
    Pair,
    Rule,
    Step,
    all_of_sides,
    atoms,
    bound,
    branch_sides,
    canon,
    effective_property,
    esc,
    match_branches,
    norm,
)
from .core.bundle import bundle_document
from .core.errors import ContractError, UsageError

MODES = ("backward", "forward", "full")
MAX_DEPTH = 64
MAX_TRIES = 120


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Witness:
    """A value ``accepted_by`` one side and rejected by the other; ``at`` points into ``instance``."""

    accepted_by: str  # "old" or "new"
    rejected_by: str
    instance: Any
    at: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"accepted_by": self.accepted_by, "rejected_by": self.rejected_by, "at": self.at, "value": self.note, "instance": self.instance}


@dataclass(frozen=True, slots=True)
class Replay:
    """What replaying a witness through a handler did."""

    handler: str
    breaks: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"handler": self.handler, "breaks": self.breaks, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic change. ``path_old``/``path_new`` are JSON pointers into the bundled schemas."""

    rule: str
    level: str  # error: breaks existing handlers; warning: breaks the platform side only; info: nobody
    path_old: str | None
    path_new: str | None
    effect: str
    breaking_for: tuple[str, ...]
    message: str
    subject: str = ""  # "payload <event>", "result <events>", "events", or the file pair
    role: str = ""
    where: str = ""  # data location; "*" is any array item, "{key}" any undeclared property
    event_id: str | None = None
    events: tuple[str, ...] = ()  # every event whose payload or result schema this change is in
    witness: Witness | None = None
    replay: Replay | None = None

    def sort_key(self) -> tuple:
        return (self.subject, self.where, self.rule, self.path_old or "", self.path_new or "", self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "level": self.level,
            "path": self.path_new if self.path_new is not None else self.path_old,
            "path_old": self.path_old,
            "path_new": self.path_new,
            "effect": self.effect,
            "breaking_for": list(self.breaking_for),
            "message": self.message,
            "schema": self.subject,
            "role": self.role,
            "where": self.where,
            "events": list(self.events),
        }
        if self.witness is not None:
            out["witness"] = self.witness.to_json()
        if self.replay is not None:
            out["replay"] = self.replay.to_json()
        return out


@dataclass(frozen=True)
class DiffReport:
    """The changes between two sides, judged in ``mode`` (backward: about existing handlers)."""

    old: str
    new: str
    changes: tuple[Change, ...]
    mode: str = "backward"
    against: str | None = None
    new_ref: "VersionRef | None" = field(default=None, compare=False, repr=False)  # for --against
    witnesses: bool = True  # False when witness generation was skipped on purpose

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"unknown mode={self.mode!r}; use one of {', '.join(MODES)}")

    @property
    def breaking(self) -> bool:
        return any(breaks(c, self.mode, replayed=self.against is not None) for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "mode": self.mode,
            "breaking": self.breaking,
            "changes": [c.to_json() for c in self.changes],
        }


def breaks(change: Change, mode: str, *, replayed: bool = False) -> bool:
    """Whether ``change`` counts against the verdict in ``mode``."""
    if mode == "forward":
        return "platform" in change.breaking_for
    if mode == "full":
        return bool(change.breaking_for)
    if "handlers" not in change.breaking_for:
        return False
    # With --against, a payload change whose witness the handler survives is not a break for it.
    if replayed and change.replay is not None:
        return change.replay.breaks
    return True


def level_for(breaking_for: Sequence[str]) -> str:
    return "error" if "handlers" in breaking_for else "warning" if breaking_for else "info"


# -- subjects: what is compared ------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaSide:
    """One side of a comparison: a bundled schema, a validator for it, and valid sample instances."""

    doc: Any
    validator: Any
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Subject:
    name: str
    role: str
    old: SchemaSide
    new: SchemaSide
    event_id: str | None = None
    events: tuple[str, ...] = ()


def _validator_for(doc: Any):
    try:
        from .core.ecma import validator_class  # ECMA-262 "$" in patterns, like every other check

        cls = validator_class()
    except ImportError:  # pragma: no cover - the registry module always has it today
        from jsonschema import Draft7Validator as cls
    return cls(doc)


def schema_side(doc: Any, *, examples: Iterable[Any] = (), bundled: bool = False, label: str = "schema") -> SchemaSide:
    from jsonschema.exceptions import SchemaError as JsSchemaError

    from .core.pointer import json_pointer

    bundled_doc = doc if bundled else bundle_document(doc)
    validator = _validator_for(bundled_doc)
    try:
        # An invalid schema is bad input (exit 2), never a "breaking change" (exit 1) or a traceback.
        validator.check_schema(bundled_doc)
    except JsSchemaError as exc:
        raise ContractError(
            f"{label} is not valid JSON Schema (draft-07) at {json_pointer(exc.path) or '/'}: {exc.message}"
        ) from None
    return SchemaSide(bundled_doc, validator, tuple(examples))


# -- the walk ------------------------------------------------------------------------------------
def diff_subject(subject: Subject, *, witnesses: bool = True) -> list[Change]:
    """Every change between the two schemas of ``subject``."""
    root = Pair(norm(subject.old.doc), norm(subject.new.doc))
    found: list[tuple[Rule, Hit, Pair]] = []
    _walk(root, found, 0)
    out = []
    for rule, hit, pair in found:
        bf = rule.breaking_for(subject.role)
        change = Change(
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
            change = replace(change, witness=find_witness(rule, hit, pair, subject))
        out.append(change)
    return sorted(out, key=Change.sort_key)


def diff_schemas(old: Any, new: Any, *, role: str, name: str = "schema", witnesses: bool = True) -> list[Change]:
    """Changes between two schema documents (local ``$ref``s resolved) in ``role`` payload or commands."""
    if role not in ROLES:
        raise UsageError(f"unknown role={role!r}; use payload or commands")
    subject = Subject(name, role, schema_side(old, label=f"OLD {name}"), schema_side(new, label=f"NEW {name}"))
    return diff_subject(subject, witnesses=witnesses)


def _walk(pair: Pair, out: list, depth: int) -> None:
    if depth > MAX_DEPTH or pair.old.same_as(pair.new):
        return
    sides = branch_sides(pair)
    distributed = bool(sides and sides[4])
    for rule in RULES.scoped("schema"):
        if distributed and rule.id not in BRANCH_RULES:
            continue
        for hit in rule.check(pair):
            out.append((rule, hit, pair))
    for child in _children(pair, sides, distributed):
        _walk(child, out, depth + 1)


def _children(pair: Pair, sides, distributed: bool) -> Iterator[Pair]:
    if sides:
        _, bo, _, bn, _ = sides
        for i, j in match_branches(bo, bn)[0]:
            yield Pair(bo[i], bn[j], pair.trail + (Step("branch", None, bo[i], bn[j]),), pair.where)
    if distributed:
        return
    for name in sorted(set(pair.old.kw.get("properties") or {}) | set(pair.new.kw.get("properties") or {})):
        eo, en = effective_property(pair.old, name), effective_property(pair.new, name)
        if not (eo.false or en.false):
            yield Pair(eo, en, pair.trail + (Step("prop", name, eo, en),), f"{pair.where}/{esc(name)}")
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


# -- witnesses -----------------------------------------------------------------------------------
def find_witness(rule: Rule, hit: Hit, pair: Pair, subject: Subject) -> Witness | None:
    """A value accepted by one side and rejected by the other, placed where the change is."""
    order = {"widening": ("new",), "narrowing": ("old",), "incompatible": ("new", "old")}[rule.effect]
    for a in order:
        b = "old" if a == "new" else "new"
        side_a, side_b = getattr(subject, a), getattr(subject, b)
        root = _root(side_a, side_b)
        tries = 0
        for instance, at, note in _place(root, pair.trail, a, lambda v: _leaf_candidates(rule, hit, pair, a, v), ""):
            tries += 1
            if tries > MAX_TRIES:
                break
            if side_a.validator.is_valid(instance) and _blames(side_b.validator, instance, at):
                return Witness(a, b, instance, at or "/", note)
    return None


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
    from .core.pointer import json_pointer

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
        base = value if isinstance(value, dict) else {}
        child = base[step.key] if step.key in base else minimal(node.schema())
        for c, a, n in _place(child, rest, side, leaf, f"{at}/{esc(step.key)}"):
            yield {**base, step.key: c}, a, n
    elif step.kind == "additional":
        base = value if isinstance(value, dict) else {}
        key = "x-witness"
        child = base.get(key, minimal(node.schema()))
        for c, a, n in _place(child, rest, side, leaf, f"{at}/{key}"):
            yield {**base, key: c}, a, n
    elif step.kind == "items":
        base = value if isinstance(value, list) and value else [minimal(node.schema())]
        for c, a, n in _place(base[0], rest, side, leaf, f"{at}/0"):
            yield [c] + list(base[1:]), a, n
    elif step.kind == "branch":
        # Data stays where it is; it has to be an instance of the branch we descend into.
        fits = _fits(node, value)
        start = value if fits else minimal(node.schema())
        yield from _place(start, rest, side, leaf, at)
    else:  # allof: every branch holds for the same value
        yield from _place(value, rest, side, leaf, at)


def _fits(node: Node, value: Any) -> bool:
    try:
        return _validator_for(node.schema()).is_valid(value)
    except Exception:  # a branch schema that does not stand alone (should not happen once bundled)
        return False


def _short(value: Any) -> str:
    text = canon(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _leaf_candidates(rule: Rule, hit: Hit, pair: Pair, side: str, value: Any) -> Iterator[tuple[Any, str]]:
    node = pair.side(side)
    rid = rule.id
    if rid in ("enum-value-added", "enum-value-removed"):
        yield hit.hint, _short(hit.hint)
    elif rid == "const-changed":
        v = hit.hint[1] if side == "new" else hit.hint[0]
        yield v, _short(v)
    elif rid in ("required-property-added", "required-property-removed"):
        if isinstance(value, dict):
            yield {k: v for k, v in value.items() if k != hit.hint}, f"without {hit.hint!r}"
    elif rid in ("property-added", "property-removed"):
        base = value if isinstance(value, dict) else minimal(node.schema())
        if isinstance(base, dict):
            for v in _samples(effective_property(node, hit.hint)):
                yield {**base, hit.hint: v}, f"{hit.hint!r}: {_short(v)}"
    elif rid in ("additional-properties-allowed", "additional-properties-forbidden"):
        base = value if isinstance(value, dict) else minimal(node.schema())
        if isinstance(base, dict):
            extra = node.kw.get("additionalProperties", True)
            for v in _samples(norm(extra if extra is not False else True)):
                yield {**base, "x-witness": v}, f"undeclared 'x-witness': {_short(v)}"
    elif rid in ("branch-added", "branch-removed"):
        sides = branch_sides(pair)
        if sides:
            branches = sides[3] if side == "new" else sides[1]
            for v in _samples(branches[hit.hint]):
                yield v, _short(v)
    elif rid.startswith(tuple(b[0] + "-" for b in BOUNDS)) or rid.startswith("multiple-of"):
        for v in _bound_samples(pair, value, rule):
            yield v, _short(v)
    elif rid.startswith("unique-items"):
        item = value[0] if isinstance(value, list) and value else minimal(node.schema().get("items", {}) if isinstance(node.schema(), dict) else {})
        yield [item, item], _short([item, item])
    for v in _samples(node, value):
        yield v, _short(v)


_STRINGS = ("x", "", "0", "123", "abc", "ABC", "a-b", " ", "x\n", "-1", "a1b2", "!!!", "OTHER", "xx", "1.5")
_SCALARS = (0, 1, -1, 0.5, 1.5, True, False, None, {}, [], "x")


def _samples(node: Node, value: Any = None) -> Iterator[Any]:
    """Values ``node`` probably accepts, most typical first (the caller verifies each one)."""
    if node.false:
        return
    schema = node.schema()
    yield minimal(schema)
    for v in node.kw.get("enum", ()):
        yield v
    if value is not None:
        yield value
    kinds = atoms(node)
    if "string" in kinds:
        yield from _STRINGS
    if "integer" in kinds or "fraction" in kinds:
        lo = bound(node, "minimum", "exclusiveMinimum", "lower")
        hi = bound(node, "maximum", "exclusiveMaximum", "upper")
        for b in (lo, hi):
            if b:
                yield from (b[0], b[0] + 1, b[0] - 1, b[0] + 0.5, b[0] - 0.5)
    for kind in sorted(kinds):
        yield _ATOM_SAMPLE[kind]
    if kinds == ALL_ATOMS:
        yield from _SCALARS


_ATOM_SAMPLE = {"null": None, "boolean": True, "string": "x", "object": {}, "array": [], "integer": 1, "fraction": 0.5}


def _bound_samples(pair: Pair, value: Any, rule: Rule) -> Iterator[Any]:
    numbers: list[float] = []
    for node in (pair.old, pair.new):
        for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf"):
            v = node.kw.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                numbers.append(v)
    lengths = sorted(
        {int(v) for node in (pair.old, pair.new) for key in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties") if isinstance((v := node.kw.get(key)), int)}
    )
    if rule.id.startswith(("minimum", "maximum", "multiple-of")):
        for n in numbers:
            for d in (0, 1, -1, 0.5, -0.5, 2, -2):
                yield n + d
        for n in numbers:
            yield n * 2
            yield n * 3
            yield n / 2
    elif rule.id.startswith(("min-length", "max-length")):
        ch = value[0] if isinstance(value, str) and value else "x"
        for n in lengths:
            for d in (0, 1, -1):
                if n + d >= 0:
                    yield ch * (n + d)
    elif rule.id.startswith(("min-items", "max-items")):
        item = value[0] if isinstance(value, list) and value else minimal(_items_schema(pair))
        for n in lengths:
            for d in (0, 1, -1):
                if n + d >= 0:
                    yield [item] * (n + d)
    else:  # min/max-properties
        base = value if isinstance(value, dict) else {}
        for n in lengths:
            for d in (0, 1, -1):
                if n + d >= 0:
                    keys = list(base)[: n + d]
                    obj = {k: base[k] for k in keys}
                    for i in range(n + d - len(obj)):
                        obj[f"x{i}"] = "x"
                    yield obj


def _items_schema(pair: Pair) -> Any:
    for node in (pair.new, pair.old):
        items = node.kw.get("items")
        if isinstance(items, dict):
            return items
    return {}


_PATTERN_TRIES = ("x", "0", "1", "123", "a", "A", "abc", "x-1", "00", "a1", "-", "_")


def minimal(schema: Any, depth: int = 0) -> Any:
    """A small value the (bundled) ``schema`` most likely accepts: required fields only, lowest bounds."""
    if depth > 20 or schema is True or not isinstance(schema, dict):
        return "x"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for comb in ("oneOf", "anyOf"):
        if schema.get(comb):
            rest = {k: v for k, v in schema.items() if k != comb}
            first = schema[comb][0]
            return minimal({**rest, **first} if isinstance(first, dict) else rest, depth + 1)
    if schema.get("allOf"):
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema["allOf"]:
            if isinstance(branch, dict):
                for k, v in branch.items():
                    if k == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **v}
                    elif k == "required":
                        merged["required"] = sorted(set(merged.get("required", [])) | set(v))
                    else:
                        merged.setdefault(k, v)
        return minimal(merged, depth + 1)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if not types:
        if "properties" in schema or "required" in schema:
            types = ["object"]
        elif "items" in schema:
            types = ["array"]
        elif any(k in schema for k in ("minLength", "maxLength", "pattern")):
            types = ["string"]
        elif any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            types = ["number"]
        else:
            return "x"
    kind = next(t for t in ("object", "array", "string", "integer", "number", "boolean", "null") if t in types) if any(
        t in types for t in ("object", "array", "string", "integer", "number", "boolean", "null")
    ) else types[0]
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: minimal(props.get(name, {}), depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema.get("items", {}), depth + 1) for _ in range(int(schema.get("minItems", 0)))]
    if kind == "string":
        n = int(schema.get("minLength", 0))
        pattern = schema.get("pattern")
        if pattern:
            from .core.ecma import compile_ecma_pattern

            rx = compile_ecma_pattern(pattern)
            for s in _PATTERN_TRIES:
                s = s * max(1, n)
                if rx.search(s) and len(s) >= n:
                    return s
        return "x" * max(n, 1) if n else "x"
    if kind in ("integer", "number"):
        lo = bound(norm(schema), "minimum", "exclusiveMinimum", "lower")
        v = 0
        if lo:
            v = lo[0] + (1 if lo[1] else 0)
            v = int(v) if kind == "integer" and float(v).is_integer() else v
        return v
    if kind == "boolean":
        return False
    return None


# -- whole contract versions ---------------------------------------------------------------------
@dataclass(frozen=True)
class VersionRef:
    """A contract version in a registry (maybe materialised from git), with a display label."""

    registry: Any
    version: str
    label: str


def diff_versions(old: VersionRef, new: VersionRef, *, witnesses: bool = True) -> list[Change]:
    """Every change between two contract versions: event set, each payload, each result schema."""
    ov, nv = old.registry.version(old.version), new.registry.version(new.version)
    out: list[Change] = []
    events = EventsPair(tuple(sorted(ov.events)), tuple(sorted(nv.events)))
    for rule in RULES.scoped("events"):
        for hit in rule.check(events):
            bf = rule.breaking_for("payload")
            out.append(Change(rule.id, level_for(bf), hit.path_old, hit.path_new, rule.effect, bf, hit.message, "events", "payload", "/", hit.hint, (hit.hint,)))
    shared = sorted(set(ov.events) & set(nv.events))
    results: dict[tuple[str, str], list[str]] = {}
    for event_id in shared:
        eo, en = ov.events[event_id], nv.events[event_id]
        policies = PolicyPair(event_id, eo.result_policy, en.result_policy)
        for rule in RULES.scoped("policy"):
            for hit in rule.check(policies):
                bf = hit.breaks if hit.breaks is not None else rule.breaking_for("commands")
                effect = hit.effect or rule.effect
                # role "commands" with the event: --against replays the golden examples' results.
                out.append(Change(rule.id, level_for(bf), hit.path_old, hit.path_new, effect, bf, hit.message, f"result_policy {event_id}", "commands", "/", event_id, (event_id,)))
        subject = Subject(
            f"payload {event_id}",
            "payload",
            _side(old.registry, eo.payload_uri, old.registry.examples(event_id, old.version)),
            _side(new.registry, en.payload_uri, new.registry.examples(event_id, new.version)),
            event_id,
        )
        out.extend(diff_subject(subject, witnesses=witnesses))
        results.setdefault((eo.result_uri, en.result_uri), []).append(event_id)
    # Events sharing one result schema on both sides are compared once.
    for (ou, nu), event_ids in sorted(results.items(), key=lambda kv: kv[1]):
        subject = Subject(
            f"result {', '.join(event_ids)}", "commands", _side(old.registry, ou), _side(new.registry, nu), event_ids[0], tuple(event_ids)
        )
        changes = diff_subject(subject, witnesses=witnesses)
        if all(nv.events[e].result_policy == "ignored" for e in event_ids):
            # The new version's platform discards these results (registry.yaml result_policy):
            # no change to what the result schema accepts can fail a handler or the platform.
            note = " (results are ignored in the new version: breaks nobody)"
            changes = [replace(c, breaking_for=(), level="info", message=c.message + note) for c in changes]
        out.extend(changes)
    return sorted(out, key=Change.sort_key)


def _side(registry: Any, uri: str, examples: Iterable[Any] = ()) -> SchemaSide:
    return SchemaSide(registry.bundled(uri), registry.validator(uri), tuple(e.payload for e in examples))


@contextlib.contextmanager
def registry_at(rev: str, contracts_root: Path) -> Iterator[Any]:
    """The registry of ``contracts_root`` as it was at git revision ``rev`` (a temporary copy)."""
    from .contracts.registry import Registry

    root = Path(contracts_root).resolve()
    try:
        top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    except UsageError:
        raise UsageError(f"git:{rev} needs the contracts folder in a git repository; path={root} is not in one") from None
    rel = root.relative_to(Path(top).resolve()).as_posix()
    archive = _git(Path(top), "archive", "--format=tar", rev, "--", rel)
    with tempfile.TemporaryDirectory(prefix="lpf-contract-diff-") as tmp:
        import io

        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        folder = Path(tmp) / rel
        if not (folder / "registry.yaml").is_file():
            raise ContractError(f"no registry.yaml at git revision rev={rev} path={rel}; pick a revision that has contracts")
        yield Registry.load(folder)


def _git(cwd: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30)
    except FileNotFoundError:
        raise UsageError("git is not installed; git:REV needs it") from None
    if proc.returncode != 0:
        msg = " ".join(proc.stderr.decode(errors="replace").split())
        raise UsageError(f"git {args[0]} failed in {cwd}: {msg}; check the revision name (git:REV)")
    return proc.stdout


# -- replay through a handler --------------------------------------------------------------------
def replay_witnesses(
    changes: Sequence[Change],
    handler: Any,
    *,
    result_errors: Callable[[str, Any], list],
    target: str,
    examples: Callable[[str], Sequence[tuple[str, Any]]] = lambda event_id: (),
) -> list[Change]:
    """Replay what each handler-breaking change is about through ``handler``; say which break it.

    Payload changes: the witness the new contract lets the platform send. Result changes: the
    golden payload ``examples(event_id)`` (name, payload) of the new version, whose results must
    pass the new result schema. ``result_errors(event_id, result)`` returns a result's errors.
    """
    seen: dict[tuple[str, str], tuple[str, str] | None] = {}

    def run(event_id: str, payload: Any) -> tuple[str, str] | None:
        key = (event_id, canon(payload))
        if key not in seen:
            seen[key] = _invoke(handler, event_id, payload, result_errors)
        return seen[key]

    out = []
    for change in changes:
        w = change.witness
        if change.role == "payload" and w is not None and w.accepted_by == "new" and change.event_id is not None:
            verdict = run(change.event_id, w.instance)
            detail = verdict[1] if verdict else "handled it: no fault, result accepted"
            out.append(replace(change, replay=Replay(target, verdict is not None, detail)))
        elif change.role == "commands" and "handlers" in change.breaking_for and change.events:
            out.append(_replay_results(change, run, examples, target))
        else:
            out.append(change)
    return out


def _replay_results(change: Change, run: Callable, examples: Callable, target: str) -> Change:
    tried = faults = 0
    for event_id in change.events:
        for name, payload in examples(event_id):
            verdict = run(event_id, payload)
            if verdict is not None and verdict[0] == "fault":
                faults += 1  # the handler fails on a valid payload: a bug, but not this change's doing
                continue
            tried += 1
            if verdict is not None:
                return replace(change, replay=Replay(target, True, f"{event_id} example {name}: {verdict[1]}"))
    if not tried:
        return change  # nothing could be replayed: the change still counts
    detail = f"results of {tried} golden examples accepted by the new result schema"
    if faults:
        detail += f" ({faults} other examples ended in a fault; run `lpf-contract verify` on them)"
    return replace(change, replay=Replay(target, False, detail))


def _invoke(handler: Any, event_id: str, payload: Any, result_errors) -> tuple[str, str] | None:
    """None when the handler copes; else ("fault" | "result", why)."""
    outcome = handler.invoke(event_id, {"headers": [], "payload": payload})
    if outcome.fault is not None:
        msg = f": {outcome.error_message}" if getattr(outcome, "error_message", None) else ""
        return "fault", f"fault={outcome.fault}{msg}"
    if not outcome.has_result:
        return "result", "no result (the contract asks for a result)"
    errors = result_errors(event_id, outcome.result)
    if errors:
        first = errors[0]
        return "result", f"result {_short(outcome.result)} rejected by the result schema at {first.path or '/'}: {first.message}"
    return None


# -- rendering -----------------------------------------------------------------------------------
def _counts(changes: Sequence[Change]) -> str:
    n = {lvl: sum(c.level == lvl for c in changes) for lvl in ("error", "warning", "info")}
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {n['error']} error, {n['warning']} warning, {n['info']} info"


def _verdict(report: DiffReport) -> str:
    who = {"backward": "existing handlers", "forward": "the platform side", "full": "handlers or platform"}[report.mode]
    if report.against and report.mode == "backward":
        who = f"handler {report.against}"
    return f"breaking for {who}: {'yes' if report.breaking else 'no'}"


def render_text(report: DiffReport) -> str:
    lines = [f"{report.old} -> {report.new}: {_verdict(report)} ({_counts(report.changes)})"]
    for c in report.changes:
        lines.append(f"{c.level.upper():7} {c.rule}  [{c.subject}] {c.where}")
        lines.append(f"        {c.message}; {c.effect}; breaks: {', '.join(c.breaking_for) or 'nobody'}")
        lines.append(f"        old: {_frag(c.path_old)}  new: {_frag(c.path_new)}")
        if c.witness:
            w = c.witness
            lines.append(f"        witness at {w.at}: {w.note} (accepted by {_label(report, w.accepted_by)}, rejected by {_label(report, w.rejected_by)})")
        elif c.breaking_for and report.witnesses:
            lines.append("        witness: none found")
        if c.replay:
            lines.append(f"        replay through {c.replay.handler}: {'BREAKS' if c.replay.breaks else 'survives'}: {c.replay.detail}")
    if report.breaking and report.mode == "backward" and not report.against:
        lines.append(
            "next: replay the witnesses through your handler with --against HANDLER to see which changes really break it, "
            "or keep the old version current until handlers are updated"
        )
    return "\n".join(lines) + "\n"


def _label(report: DiffReport, side: str) -> str:
    return f"{side} ({report.old if side == 'old' else report.new})"


def _frag(pointer: str | None) -> str:
    return "-" if pointer is None else "#" + pointer


def render_md(report: DiffReport, *, heading: str | None = "##") -> str:
    # Schema text (property names, enum values, witnesses) is data: escaped like every report's.
    from .report.markdown import code, text as _md_cell

    lines = []
    if heading:
        lines += [f"{heading} {code(report.old)} → {code(report.new)}", ""]
    lines += [f"**{_verdict(report).capitalize()}** ({_counts(report.changes)}, mode {report.mode}).", ""]
    if not report.changes:
        lines.append("No change in accepted values.")
        return "\n".join(lines) + "\n"
    lines += ["| level | rule | schema | where | effect | breaks | change |", "|---|---|---|---|---|---|---|"]
    for c in report.changes:
        lines.append(
            f"| {c.level} | `{c.rule}` | {_md_cell(c.subject)} | {code(c.where)} | {c.effect} | {', '.join(c.breaking_for) or '-'} | {_md_cell(c.message)} |"
        )
    with_witness = [c for c in report.changes if c.breaking_for] if report.witnesses else []
    if with_witness:
        lines += ["", "Witnesses (checked against both schemas):", ""]
        for c in with_witness:
            if c.witness:
                w = c.witness
                text = f"- `{c.rule}` at {code(w.at)}: {code(w.note)} is accepted by {_label(report, w.accepted_by)}, rejected by {_label(report, w.rejected_by)}"
            else:
                text = f"- `{c.rule}` at {code(c.where)}: no witness found"
            if c.replay:
                text += f"; {'**breaks**' if c.replay.breaks else 'survives'} `{c.replay.handler}` ({_md_cell(c.replay.detail)})"
            lines.append(text)
    return "\n".join(lines) + "\n"


def render_rules(fmt: str = "text") -> str:
    rows = []
    for r in RULES:
        rows.append(
            {
                "id": r.id,
                "level": r.level,
                "effect": r.effect,
                "scope": r.scope,
                "payload_breaks": list(r.breaking_for("payload")),
                "commands_breaks": list(r.breaking_for("commands")),
                "summary": r.summary,
            }
        )
    if fmt == "json":
        return json.dumps({"rules": rows}, indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        from .report.markdown import text as _md_cell

        out = ["| rule | level | effect | payload breaks | commands breaks | summary |", "|---|---|---|---|---|---|"]
        for x in rows:
            out.append(f"| `{x['id']}` | {x['level']} | {x['effect']} | {', '.join(x['payload_breaks']) or '-'} | {', '.join(x['commands_breaks']) or '-'} | {_md_cell(x['summary'])} |")
        return "\n".join(out) + "\n"
    width = max(len(x["id"]) for x in rows)
    out = [f"{'rule':{width}}  level  effect        payload breaks     commands breaks    summary"]
    for x in rows:
        out.append(
            f"{x['id']:{width}}  {x['level']:5}  {x['effect']:12}  {','.join(x['payload_breaks']) or '-':17}  {','.join(x['commands_breaks']) or '-':17}  {x['summary']}"
        )
    return "\n".join(out) + "\n"


def render_changelog(registry: Any) -> str:
    """Markdown history of every version against the previous one, newest first."""
    names = list(registry.versions)
    lines = [
        "# Contract changelog",
        "",
        "Generated by `lpf-contract diff --changelog > contracts/CHANGELOG.md`; do not edit by hand.",
        "Levels: *error* breaks existing handlers, *warning* breaks the platform side only, *info* breaks nobody.",
        "Paths are JSON pointers into the bundled schemas (every `$ref` inlined).",
        "",
    ]
    # In-place corrections of an unreleased version cannot be diffed from the registry alone (the
    # old revision lives in git): they are recorded once in CHANGELOG.corrections.md, kept verbatim.
    corrections = Path(registry.root) / "CHANGELOG.corrections.md"
    if corrections.is_file():
        lines += [corrections.read_text(encoding="utf-8").rstrip("\n"), ""]
    for i in range(len(names) - 1, -1, -1):
        v = registry.version(names[i])
        lines += [f"## {v.name} ({v.status})", ""]
        if v.description:
            lines += [v.description, ""]
        if i == 0:
            lines += ["First version.", ""]
            continue
        prev = names[i - 1]
        changes = diff_versions(VersionRef(registry, prev, prev), VersionRef(registry, v.name, v.name))
        report = DiffReport(prev, v.name, tuple(changes))
        lines += [f"### Changes from {prev}", "", render_md(report, heading=None)]
    return "\n".join(lines).rstrip("\n") + "\n"
