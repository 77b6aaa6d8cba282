"""The contract registry: the one reader of ``contracts/`` (registry.yaml, schemas, examples)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.bundle import inline_refs
from ..core.ecma import validator_class
from ..core.errors import ContractError, UnknownEventError, UnknownVersionError
from ..core.pointer import escape, json_pointer

DEFAULT_CONTRACTS_ENV = "LPF_CONTRACTS"

# What the platform does with a lambda's result, per event (registry.yaml ``result_policy``):
# "acted-on" executes it (the result contract is enforced), "ignored" discards it (the Survey Bot
# case: developer-center EventSources/post-conversation-survey-legacy.md, "The Survey Bot will not
# process any callback payload during the invocation"). Absent means acted-on: decided here.
RESULT_POLICIES = ("acted-on", "ignored")
# How well LivePerson documents an event's payload (registry.yaml ``documentation``, optional; the
# ratings of ../shared/platform-facts.md 'Other events, payload documentation quality').
DOCUMENTATION_RATINGS = ("good", "moderate", "weak")
# A result schema's root may say what no result at all means (JSON Schema cannot: there is no value
# to validate). "allowed": the platform reads it as a documented choice (the automatic-messages page:
# callback() sends the account's default automatic message); "violation" (the default) where results
# are acted on. Decided here.
NO_RESULT_KEY = "x-lpf-no-result"
NO_RESULT_VALUES = ("allowed", "violation")


def default_contracts_dir() -> Path:
    """Where contracts live: $LPF_CONTRACTS, else the copy packaged with lpf_contract.

    The package reads them through ``importlib.resources`` as ``lpf_contract/_contracts``. In this
    repository that is a symlink to the top-level ``contracts/`` (the one source of truth): setuptools
    follows it when it builds the sdist and the wheel, so an installed package carries real files and
    an editable install sees the checkout's ``contracts/``. The path is resolved so that git-based
    commands (``diff git:REV``) find the files where git tracks them.
    """
    env = os.environ.get(DEFAULT_CONTRACTS_ENV)
    if env:
        return Path(env)
    from importlib.resources import files

    packaged = Path(str(files("lpf_contract") / "_contracts")).resolve()
    if (packaged / "registry.yaml").is_file():
        return packaged
    # A checkout where the symlink did not survive (git on Windows without core.symlinks).
    repo = Path(__file__).resolve().parents[3] / "contracts"
    if (repo / "registry.yaml").is_file():
        return repo
    return packaged  # load_registry names it in its "registry not found" error


@dataclass(frozen=True, slots=True)
class Example:
    """A golden example (valid) or a negative one (``reject_at`` set)."""

    name: str
    path: Path
    payload: Any
    reject_at: str | None = None
    why: str | None = None
    source: str | None = None  # the LivePerson material the example's shape comes from


@dataclass(frozen=True, slots=True)
class EventSpec:
    event_id: str
    name: str
    version: str
    payload_uri: str
    result_uri: str
    examples_dir: Path | None
    result_policy: str = "acted-on"  # one of RESULT_POLICIES
    documentation: str | None = None  # one of DOCUMENTATION_RATINGS, None when the registry gives none
    # Lambdas one account may deploy for the event (faas-cli test/__mocks__/faasEvents.json lambdaLimit);
    # an event invocation answers at most this many results.
    lambda_limit: int = 1


@dataclass(frozen=True)
class Version:
    name: str
    status: str
    description: str
    root: Path
    events: Mapping[str, EventSpec]
    schema_files: tuple[Path, ...]
    openapi_file: Path | None
    # The events a handler is verified against when none is named (no --event, a function whose
    # config.json names no event): registry.yaml ``default_events``, else every event.
    default_events: tuple[str, ...] = ()


class Registry:
    """All contract versions of one ``contracts/`` folder, with resolved schemas and validators."""

    def __init__(self, root: Path, data: Mapping[str, Any]):
        self.root = root
        self._versions: dict[str, Version] = {}
        self._schemas: dict[str, Any] = {}  # $id -> schema document
        self._schema_paths: dict[str, Path] = {}
        self._bundled: dict[str, Any] = {}
        self._validators: dict[str, Any] = {}
        self._fast: dict[str, Any] = {}
        self._parse(data)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path | str | None = None) -> Registry:
        """Load ``root/registry.yaml`` (default: :func:`default_contracts_dir`)."""
        root = Path(root) if root is not None else default_contracts_dir()
        path = root / "registry.yaml"
        if not path.is_file():
            raise ContractError(f"registry not found: path={path}; pass --contracts DIR or set {DEFAULT_CONTRACTS_ENV}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ContractError(f"registry is not valid YAML: path={path}: {_one_line(exc)}") from None
        if not isinstance(data, dict) or not isinstance(data.get("versions"), dict) or not data["versions"]:
            raise ContractError(f"registry has no 'versions' mapping: path={path}")
        return cls(root, data)

    def _load_schema(self, rel: str) -> str:
        path = self.root / rel
        if not path.is_file():
            raise ContractError(f"schema file missing: path={path} (named in registry.yaml)")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ContractError(f"schema is not valid JSON: path={path}: {_one_line(exc)}") from None
        if not isinstance(doc, dict):
            raise ContractError(f"schema is not a JSON object: path={path}")
        uri = doc.get("$id") or path.resolve().as_uri()
        if uri in self._schemas and self._schema_paths[uri] != path:
            raise ContractError(f"two schemas share $id={uri}: {self._schema_paths[uri]} and {path}")
        self._schemas[uri] = doc
        self._schema_paths[uri] = path
        return uri

    def _parse(self, data: Mapping[str, Any]) -> None:
        for name, spec in data["versions"].items():
            if not isinstance(spec, dict):
                raise ContractError(f"registry: version={name} is not a mapping")
            by_path: dict[str, str] = {}
            for rel in spec.get("schemas") or []:
                by_path[rel] = self._load_schema(rel)
            events: dict[str, EventSpec] = {}
            for event_id, ev in (spec.get("events") or {}).items():
                if not isinstance(ev, dict) or "payload" not in ev or "result" not in ev:
                    raise ContractError(f"registry: version={name} event={event_id} needs 'payload' and 'result'")
                for key in ("payload", "result"):
                    if ev[key] not in by_path:
                        by_path[ev[key]] = self._load_schema(ev[key])
                examples = ev.get("examples")
                policy = ev.get("result_policy", "acted-on")
                if policy not in RESULT_POLICIES:
                    raise ContractError(
                        f"registry: version={name} event={event_id} has unknown result_policy={policy!r}; "
                        f"use one of {', '.join(RESULT_POLICIES)}"
                    )
                documentation = ev.get("documentation")
                if documentation is not None and documentation not in DOCUMENTATION_RATINGS:
                    raise ContractError(
                        f"registry: version={name} event={event_id} has unknown documentation={documentation!r}; "
                        f"use one of {', '.join(DOCUMENTATION_RATINGS)}"
                    )
                limit = ev.get("lambda_limit", 1)
                if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                    raise ContractError(
                        f"registry: version={name} event={event_id} has lambda_limit={limit!r}; use a positive integer"
                    )
                events[event_id] = EventSpec(
                    event_id=event_id,
                    name=str(ev.get("name", event_id)),
                    version=name,
                    payload_uri=by_path[ev["payload"]],
                    result_uri=by_path[ev["result"]],
                    examples_dir=(self.root / examples) if examples else None,
                    result_policy=policy,
                    documentation=documentation,
                    lambda_limit=limit,
                )
            if not events:
                raise ContractError(f"registry: version={name} names no events")
            defaults = spec.get("default_events") or sorted(events)
            unknown = [e for e in defaults if e not in events] if isinstance(defaults, list) else [defaults]
            if unknown:
                raise ContractError(
                    f"registry: version={name} default_events names unknown events {unknown!r}; "
                    f"use events of the version ({', '.join(sorted(events))})"
                )
            openapi = spec.get("openapi")
            self._versions[name] = Version(
                name=name,
                status=str(spec.get("status", "draft")),
                description=str(spec.get("description", "")).strip(),
                root=self.root,
                events=events,
                schema_files=tuple(self._schema_paths[u] for u in by_path.values()),
                openapi_file=(self.root / openapi) if openapi else None,
                default_events=tuple(sorted(defaults)),
            )
        self._ref_registry = self._build_ref_registry()

    def _build_ref_registry(self):
        from referencing import Registry as RefRegistry
        from referencing import Resource
        from referencing.jsonschema import DRAFT7

        resources = [(uri, Resource.from_contents(doc, default_specification=DRAFT7)) for uri, doc in self._schemas.items()]
        return RefRegistry().with_resources(resources)

    # -- lookup --------------------------------------------------------------------------------
    @property
    def versions(self) -> Mapping[str, Version]:
        return self._versions

    def current_version(self) -> str:
        current = [v.name for v in self._versions.values() if v.status == "current"]
        if len(current) != 1:
            raise ContractError(f"registry must mark exactly one version status=current, found {current or 'none'}")
        return current[0]

    def version(self, name: str | None = None) -> Version:
        name = name or self.current_version()
        try:
            return self._versions[name]
        except KeyError:
            known = ", ".join(sorted(self._versions))
            raise UnknownVersionError(f"unknown contract version={name}; known versions: {known}") from None

    def event(self, event_id: str, version: str | None = None) -> EventSpec:
        v = self.version(version)
        try:
            return v.events[event_id]
        except KeyError:
            known = ", ".join(sorted(v.events))
            raise UnknownEventError(f"unknown event id={event_id!r} in version={v.name}; known events: {known}") from None

    def schema(self, uri: str) -> Any:
        return self._schemas[uri]

    def schema_path(self, uri: str) -> Path:
        return self._schema_paths[uri]

    # -- resolution ----------------------------------------------------------------------------
    def bundled(self, uri: str) -> Any:
        """The schema at ``uri`` with every ``$ref`` inlined (no refs left); raises on loops/dangling."""
        if uri not in self._bundled:
            resolver = self._ref_registry.resolver(base_uri=uri)
            doc = self._schemas[uri]
            out = inline_refs(doc, resolver, base=uri, stack=(uri + "#",), where=uri)
            if isinstance(out, dict):
                out = {k: v for k, v in out.items() if k not in ("$defs", "definitions", "$id")}
                out["$schema"] = "http://json-schema.org/draft-07/schema#"
            self._bundled[uri] = out
        return self._bundled[uri]

    def validator(self, uri: str):
        """A python-jsonschema validator (explains errors with paths)."""
        if uri not in self._validators:
            cls = validator_class()
            self._validators[uri] = cls(self._schemas[uri], registry=self._ref_registry)
        return self._validators[uri]

    def fast_validator(self, uri: str):
        """A jsonschema-rs validator over the bundled schema (verdicts only, ~100x faster)."""
        if uri not in self._fast:
            import jsonschema_rs

            self._fast[uri] = jsonschema_rs.Draft7Validator(self.bundled(uri))
        return self._fast[uri]

    def strict_validator(self, uri: str):
        """A jsonschema-rs validator over :func:`strict_copy` of the bundled schema, and the schema
        pointers of the ``additionalProperties: false`` it added (drift, not contract violations)."""
        key = "strict:" + uri
        if key not in self._fast:
            import jsonschema_rs

            strict, closed = strict_copy(self.bundled(uri))
            self._fast[key] = (jsonschema_rs.Draft7Validator(strict), closed)
        return self._fast[key]

    def errors(self, uri: str, instance: Any) -> list[SchemaError]:
        """Every error of ``instance`` against the schema, deepest cause first, in document order."""
        return explain(self.validator(uri), instance)

    def check(self) -> None:
        """Raise ContractError unless one version is current, every schema is valid draft-07, and
        every $ref resolves without loops."""
        from jsonschema import Draft7Validator
        from jsonschema.exceptions import SchemaError as JsSchemaError

        self.current_version()

        for uri, doc in self._schemas.items():
            try:
                Draft7Validator.check_schema(doc)
            except JsSchemaError as exc:
                raise ContractError(
                    f"schema is not valid JSON Schema (draft-07): path={self._schema_paths[uri]} "
                    f"at {json_pointer(exc.path)}: {exc.message}"
                ) from None
            self.bundled(uri)
            no_result = doc.get(NO_RESULT_KEY, "violation") if isinstance(doc, dict) else "violation"
            if no_result not in NO_RESULT_VALUES:
                raise ContractError(
                    f"schema has unknown {NO_RESULT_KEY}={no_result!r}: path={self._schema_paths[uri]}; "
                    f"use one of {', '.join(NO_RESULT_VALUES)}"
                )

    def no_result_allowed(self, result_uri: str) -> bool:
        """Whether the result schema says no result at all is fine (its root ``x-lpf-no-result``)."""
        doc = self.schema(result_uri)
        return isinstance(doc, dict) and doc.get(NO_RESULT_KEY) == "allowed"

    # -- examples ------------------------------------------------------------------------------
    def examples(self, event_id: str, version: str | None = None, *, invalid: bool = False) -> list[Example]:
        """Golden examples of an event (or the negative ones), sorted by name."""
        spec = self.event(event_id, version)
        if spec.examples_dir is None:
            return []
        folder = spec.examples_dir / "invalid" if invalid else spec.examples_dir
        out = []
        for path in sorted(folder.glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ContractError(f"example is not valid JSON: path={path}: {_one_line(exc)}") from None
            if invalid:
                if not isinstance(doc, dict) or "payload" not in doc or "rejectAt" not in doc:
                    raise ContractError(f"negative example needs 'rejectAt' and 'payload': path={path}")
                out.append(Example(path.stem, path, doc["payload"], doc["rejectAt"], doc.get("why"), doc.get("source")))
            elif isinstance(doc, dict) and set(doc) == {"source", "payload"}:
                # {"source", "payload"}: a payload and where its shape comes from. No payload has
                # exactly these two keys (every payload schema here requires more), so a bare payload
                # is never mistaken for one.
                out.append(Example(path.stem, path, doc["payload"], source=doc["source"]))
            else:
                out.append(Example(path.stem, path, doc))
        return out


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One reason an instance breaks a schema: where in the data, where in the schema, and why."""

    path: str  # JSON pointer into the instance
    schema_path: str  # JSON pointer into the schema (through $refs as jsonschema reports them)
    message: str
    validator: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def explain(validator, instance: Any) -> list[SchemaError]:
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        if err.context:
            # oneOf/anyOf: report the closest branch's deepest error, not "is not valid under any".
            deep = _deepest_leaf(err)
            message = f"{deep.message} (no {err.validator} branch matched)"
            err = deep
        else:
            message = err.message
        out.append(
            SchemaError(json_pointer(err.absolute_path), json_pointer(err.absolute_schema_path), message, str(err.validator))
        )
    return out


_MISMATCH = frozenset({"const", "type", "enum"})


def _deepest_leaf(err):
    return _closest_branch(err)[1]


def _closest_branch(err):
    """(score, leaf) of the subschema branch the instance came closest to matching.

    A branch scores (mismatched const/type/enum, errors): a wrong discriminator rules a branch out
    before a missing field does, so {"type": "systemMessage"} is told about "text", not "skillId".
    """
    if not err.context:
        return (int(err.validator in _MISMATCH), 1, -len(err.absolute_path)), err
    branches: dict[Any, list] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)
    best = None
    for key in sorted(branches, key=str):
        scored = [_closest_branch(sub) for sub in branches[key]]
        leaf = max((s[1] for s in scored), key=lambda e: len(e.absolute_path))
        # Ties go to the branch that got deeper into the data before failing.
        score = (sum(s[0][0] for s in scored), sum(s[0][1] for s in scored), -len(leaf.absolute_path))
        if best is None or score < best[0]:
            best = (score, leaf)
    return best


# Keywords whose values are not subschemas to close: data, or what the generator draws.
_STRICT_SKIP = frozenset({"enum", "const", "examples", "default", "x-lpf-generate"})


def strict_copy(schema: Any) -> tuple[Any, frozenset[str]]:
    """``schema`` with ``additionalProperties: false`` wherever it declares ``properties`` and leaves
    extra keys open, and the pointers (into the copy) of each ``additionalProperties`` it added.

    The payload contracts are open (the platform adds fields; handlers must tolerate them): the
    strict copy is how check-payloads tells fields the contract does not name (drift warnings) from
    values that break it (errors). ``x-lpf-generate`` fragments are dropped, not closed.
    """
    closed: list[str] = []

    def walk(node: Any, ptr: str) -> Any:
        if isinstance(node, list):
            return [walk(x, f"{ptr}/{i}") for i, x in enumerate(node)]
        if not isinstance(node, dict):
            return node
        out = {}
        for k, v in node.items():
            if k == "x-lpf-generate":
                continue
            where = ptr + "/" + escape(k)
            if k in _STRICT_SKIP:
                out[k] = v
            elif k == "properties" and isinstance(v, dict):
                out[k] = {name: walk(sub, where + "/" + escape(name)) for name, sub in v.items()}
            else:
                out[k] = walk(v, where)
        if isinstance(node.get("properties"), dict) and node.get("additionalProperties", True) in (True, {}):
            out["additionalProperties"] = False
            closed.append(ptr + "/additionalProperties")
        return out

    return walk(schema, ""), frozenset(closed)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


@functools.lru_cache(maxsize=4)
def _cached_registry(root: str) -> Registry:
    registry = Registry.load(Path(root))
    registry.check()
    return registry


def load_registry(root: Path | str | None = None) -> Registry:
    """The checked registry of ``root`` (default contracts dir), loaded once per process."""
    return _cached_registry(str(Path(root).resolve() if root else default_contracts_dir().resolve()))
