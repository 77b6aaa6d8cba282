"""Checking captured payloads (``check-payloads``): streamed, fast verdicts, full explanations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError
from ..core.pointer import json_pointer
from .registry import Registry, SchemaError


@dataclass(frozen=True, slots=True)
class Entry:
    file: str
    line: int
    payload: Any = None
    parse_error: str | None = None


@dataclass(frozen=True, slots=True)
class Invalid:
    file: str
    line: int
    errors: tuple[SchemaError, ...]


@dataclass(frozen=True, slots=True)
class Drift:
    """Fields of one payload that the contract does not name: a drift warning, not a violation."""

    file: str
    line: int
    paths: tuple[str, ...]  # JSON pointers of the unknown fields, e.g. "/context/name"

    MESSAGE = "field not in the contract"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What check-payloads says about one payload: its errors (None when valid) and drift warnings."""

    invalid: Invalid | None
    drift: Drift | None


def unwrap(doc: Any) -> Any:
    """A whole invocation body ``{timestamp?, headers?, payload}``, or a golden example file
    ``{source, payload}``, becomes its payload. ``headers`` and ``timestamp`` are optional, as
    ``serve`` accepts them (a bare ``{"payload": {...}}`` is a body too); no event payload is an
    object of ``payload`` alone."""
    if (
        isinstance(doc, dict)
        and "payload" in doc
        and ("headers" in doc or "timestamp" in doc or set(doc) in ({"payload"}, {"source", "payload"}))
    ):
        return doc["payload"]
    return doc


def require_file(path: Path) -> None:
    """Raise InputFileError unless ``path`` is a readable regular file."""
    if not path.is_file():
        raise InputFileError(f"payload file not found: path={path}" if not path.exists() else f"not a file: path={path}")


def iter_entries(path: Path) -> Iterator[Entry]:
    """Payloads of a ``.json`` (object or array) or ``.jsonl`` file, each with its line number."""
    name = str(path)
    require_file(path)
    if path.suffix == ".jsonl":
        yield from _iter_jsonl(path)
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read payload file: path={path}: {exc}") from None
    if not text.strip():
        raise InputFileError(f"payload file is empty: path={path}; expected a JSON object or array")
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if text[start] != "[":
        try:
            doc, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"payload file is not JSON: path={path}:{exc.lineno}: {exc.msg}") from None
        if text[end:].strip():
            raise InputFileError(f"payload file has data after the JSON value: path={path}; use .jsonl for one payload per line")
        yield Entry(name, text.count("\n", 0, start) + 1, doc)
        return
    # A top-level array: decode element by element to know each one's line (counted incrementally:
    # recounting from the start for every element made large arrays quadratic).
    idx = start + 1
    line, counted_to = text.count("\n", 0, idx) + 1, idx
    elements = 0
    try:
        while True:
            idx = _skip_ws(text, idx)
            if text[idx] == "]":
                if elements:
                    raise json.JSONDecodeError("trailing comma before ']'", text, idx)
                break
            doc, end = decoder.raw_decode(text, idx)
            line += text.count("\n", counted_to, idx)
            counted_to = idx
            elements += 1
            yield Entry(name, line, doc)
            idx = _skip_ws(text, end)
            if text[idx] == ",":
                idx += 1
            elif text[idx] == "]":
                break
            else:
                raise json.JSONDecodeError("expected ',' or ']'", text, idx)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"payload file is not JSON: path={path}:{exc.lineno}: {exc.msg}") from None
    except IndexError:
        raise InputFileError(f"payload file is not JSON: path={path}: unterminated array") from None
    if text[idx + 1 :].strip():
        raise InputFileError(f"payload file has data after the JSON array: path={path}")
    if not elements:
        # An empty capture must not pass a CI gate as "all valid".
        raise InputFileError(f"payload file is empty: path={path}; the array holds no payload")


def _skip_ws(text: str, idx: int) -> int:
    while text[idx] in " \t\r\n":
        idx += 1
    return idx


def _iter_jsonl(path: Path) -> Iterator[Entry]:
    import orjson

    name = str(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputFileError(f"cannot read payload file: path={path}: {exc.strerror}") from None
    seen_any = False
    with fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            seen_any = True
            try:
                yield Entry(name, lineno, orjson.loads(raw))
            except orjson.JSONDecodeError as exc:
                yield Entry(name, lineno, parse_error=f"not JSON: {exc}")
    if not seen_any:
        # An empty capture must not pass a CI gate as "all valid".
        raise InputFileError(f"payload file is empty: path={path}; expected one JSON payload per line")


class PayloadChecker:
    """Checks payloads of one event: jsonschema-rs for the verdict, python-jsonschema to explain.

    The payload contract is open to fields it does not name; those are reported apart, as drift
    (:meth:`verdict`). One validation decides a clean payload: the strict copy of the contract
    (every object closed, :func:`lpf_contract.contracts.registry.strict_copy`) accepts it. Only a payload the
    strict copy rejects is checked against the open contract and explained.
    """

    def __init__(self, registry: Registry, event_id: str, version: str | None = None):
        spec = registry.event(event_id, version)
        self._registry = registry
        self._uri = spec.payload_uri
        self._fast = registry.fast_validator(spec.payload_uri)
        self._strict, self._closed = registry.strict_validator(spec.payload_uri)
        self.checked = 0
        self.drifted = 0

    def check(self, entry: Entry) -> Invalid | None:
        """The errors of one payload (None when it keeps the contract); drift is not counted."""
        return self.verdict(entry).invalid

    def verdict(self, entry: Entry) -> Verdict:
        self.checked += 1
        if entry.parse_error is not None:
            return Verdict(Invalid(entry.file, entry.line, (SchemaError("", "", entry.parse_error, "json"),)), None)
        payload = unwrap(entry.payload)
        if self._strict.is_valid(payload):
            return Verdict(None, None)
        paths = self.unknown_fields(payload)
        drift = Drift(entry.file, entry.line, paths) if paths else None
        if drift is not None:
            self.drifted += 1
        if self._fast.is_valid(payload):
            return Verdict(None, drift)
        return Verdict(Invalid(entry.file, entry.line, tuple(self.explain(payload))), drift)

    def unknown_fields(self, payload: Any) -> tuple[str, ...]:
        """Pointers of the fields in ``payload`` that the contract does not name, in document order."""
        out: list = []
        for e in self._strict.iter_errors(payload):
            if type(e.kind).__name__ != "AdditionalProperties" or json_pointer(e.schema_path) not in self._closed:
                continue
            base = json_pointer(e.instance_path)
            out.extend(base + json_pointer([name]) for name in e.kind.unexpected)
        return tuple(sorted(set(out)))

    def explain(self, payload: Any) -> list[SchemaError]:
        """Every error of an invalid payload, sorted by data path.

        jsonschema-rs explains too (about 20x cheaper than python-jsonschema, which dominated runs
        with a few percent of invalid lines); python-jsonschema takes over where a oneOf/anyOf needs
        its closest-branch explanation, and whenever the two would disagree.
        """
        fast = sorted(self._fast.iter_errors(payload), key=lambda e: (list(map(str, e.instance_path)), e.message))
        if fast and not any(k in ("oneOf", "anyOf") for e in fast for k in e.schema_path):
            return [
                SchemaError(json_pointer(e.instance_path), json_pointer(e.schema_path), e.message, type(e.kind).__name__)
                for e in fast
            ]
        errors = self._registry.errors(self._uri, payload)
        if not errors:  # the validators disagree: never hide it
            errors = [
                SchemaError("", "", "rejected by jsonschema-rs but accepted by python-jsonschema; please report", "internal")
            ]
        return errors


# -- scenario payloads (verify/snapshot --payloads) ----------------------------------------------------
class ScenarioError(InputFileError):
    """A scenario payload file cannot be used: unreadable, not JSON, or a payload the contract rejects (exit 2)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One payload of the user's own, from a ``--payloads`` file, at its line."""

    file: str  # as the user named it (relative to the current folder when it lies under it)
    line: int
    payload: Any

    @property
    def name(self) -> str:
        """The case name in verify's reports: ``scenario:FILE:LINE``."""
        return f"scenario:{self.file}:{self.line}"

    @property
    def snapshot_name(self) -> str:
        """The snapshot file stem: ``scenario-<file stem>-<line>`` (a golden example's name has no colon)."""
        return f"scenario-{Path(self.file).stem}-{self.line}"


def _shown(path: Path) -> str:
    import os

    text = str(path)
    if path.is_absolute():
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            return rel
    return text


def read_scenarios(paths: Iterable[Path | str]) -> tuple[Scenario, ...]:
    """Every payload of the given files (``.json`` object or array, ``.jsonl``; invocation bodies and
    golden example files unwrapped), in file order. A line that is not JSON is bad input (exit 2)
    naming FILE:LINE: a scenario the user wrote must run, not be skipped. The same file twice counts once.
    """
    out: list[Scenario] = []
    stems: dict[str, str] = {}
    for raw in dict.fromkeys(str(p) for p in paths):
        path = Path(raw)
        shown = _shown(path)
        other = stems.setdefault(path.stem, shown)
        if other != shown:
            # Snapshot names carry the file stem only: two files with one stem would share snapshots.
            raise ScenarioError(
                f"two payload files share a name: file={other} and file={shown}; rename one (snapshots are named scenario-<stem>-<line>)"
            )
        try:
            entries = list(iter_entries(path))
        except ScenarioError:
            raise
        except InputFileError as exc:
            raise ScenarioError(str(exc)) from None
        for entry in entries:
            if entry.parse_error is not None:
                raise ScenarioError(f"payload file line is not JSON: {shown}:{entry.line}: {entry.parse_error}")
            out.append(Scenario(shown, entry.line, unwrap(entry.payload)))
    return tuple(out)


def contract_errors(registry: Registry, event_id: str, payload: Any, version: str | None = None) -> list[SchemaError]:
    """The errors of ``payload`` against the event's (open) payload contract; [] when it keeps it.
    Unknown fields are not errors (the contract is open; check-payloads reports them as drift)."""
    spec = registry.event(event_id, version)
    if registry.fast_validator(spec.payload_uri).is_valid(payload):
        return []
    return PayloadChecker(registry, event_id, version).explain(payload)


def check_scenarios(scenarios: Iterable[Scenario], registry: Registry, event_id: str, version: str | None = None) -> None:
    """Raise InputFileError (exit 2) at the first scenario the event's payload contract rejects:
    ``FILE:LINE: /pointer: message``. Such a payload is one the platform would never send, so running
    it could only produce false alarms."""
    for s in scenarios:
        errors = contract_errors(registry, event_id, s.payload, version)
        if errors:
            e = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ScenarioError(
                f"scenario payload breaks the contract of event={event_id}: {s.file}:{s.line}: {e.path or '/'}: {e.message}{more}; "
                f"see `lpf-contract check-payloads --event {event_id} {s.file}`"
            )
