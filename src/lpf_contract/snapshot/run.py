"""Snapshot tests: every golden example through a handler, each outcome compared with a recorded file.

Property checks say "the result is valid"; a snapshot says "the result did not change unless you meant
it to". One file per golden example, ``<snapshot_dir>/<event-id>/<example-name>.json``, holds what is
compared and nothing else::

    {"log_count": 1, "result": [{"text": "Thank you.", "type": "systemMessage"}]}

``result`` is absent when the handler produced none; ``fault`` (``{"kind", "code"}``) is present when the
invocation faulted. Log texts and durations are not recorded: they are too volatile to pin down, the
number of log calls is not (the platform caps it).

``ignore_paths`` are JSONPath expressions (jsonpath-ng syntax, rooted at that document: ``$.result[*].text``,
``$..timestamp``, ``$.result[?(@.type == 'transfer')].skillId``); the parts they select are replaced by
:data:`IGNORED` both in what is recorded and in what is compared.
"""

from __future__ import annotations

import copy
import difflib
import enum
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..core.errors import InputFileError, UsageError

IGNORED = "<ignored>"


class Status(enum.StrEnum):
    MATCHED = "matched"  # recorded and observed agree
    CHANGED = "changed"  # they differ (not rewritten)
    MISSING = "missing"  # no snapshot file for a golden example (not written)
    ORPHANED = "orphaned"  # a snapshot file with no golden example left (not deleted)
    CREATED = "created"  # update: a missing snapshot was written
    UPDATED = "updated"  # update: a changed snapshot was rewritten
    PRUNED = "pruned"  # prune: an orphaned snapshot was deleted


FAILING = frozenset({Status.CHANGED, Status.MISSING, Status.ORPHANED})


class ChangeKind(enum.StrEnum):
    CHANGED = "changed"  # same type, new value
    TYPE = "type"  # the value's JSON type changed
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference between the recorded snapshot (``old``) and the observed outcome (``new``)."""

    path: str  # JSONPath of the part that changed ("$" is the whole snapshot)
    kind: ChangeKind
    old: Any = None  # None for ADDED
    new: Any = None  # None for REMOVED


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotCase:
    """One golden example's comparison, or one orphaned snapshot file (``example`` is its file stem)."""

    event: str
    example: str
    path: Path
    status: Status
    changes: tuple[Change, ...] = ()
    observed: Any = None  # the snapshot document of this run (None for orphans)
    recorded: Any = None  # the document read from ``path`` (None when there was none)

    @property
    def name(self) -> str:
        return f"{self.event}/{self.example}"

    @property
    def failed(self) -> bool:
        return self.status in FAILING


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotReport:
    """Everything one snapshot run found; ``cases`` and ``orphans`` are sorted by event, then name."""

    handler: str
    contract_version: str
    snapshot_dir: Path
    update: bool
    prune: bool
    ignore_paths: tuple[str, ...]
    cases: tuple[SnapshotCase, ...]
    orphans: tuple[SnapshotCase, ...]

    def count(self, status: Status) -> int:
        return sum(1 for c in (*self.cases, *self.orphans) if c.status == status)

    @property
    def failures(self) -> tuple[SnapshotCase, ...]:
        return tuple(c for c in (*self.cases, *self.orphans) if c.failed)

    @property
    def passed(self) -> bool:
        return not self.failures

    def case(self, event: str, example: str) -> SnapshotCase:
        for c in self.cases:
            if c.event == event and c.example == example:
                return c
        raise KeyError(f"{event}/{example}")

    def to_dict(self) -> dict[str, Any]:
        """Counts and non-matching cases, for ``RunResult.snapshots`` (the conformance report)."""
        return {
            "dir": str(self.snapshot_dir),
            "contract_version": self.contract_version,
            "checked": len(self.cases),
            "matched": self.count(Status.MATCHED),
            "changed": self.count(Status.CHANGED),
            "missing": self.count(Status.MISSING),
            "orphaned": self.count(Status.ORPHANED),
            "updated": self.count(Status.UPDATED),
            "created": self.count(Status.CREATED),
            "pruned": self.count(Status.PRUNED),
            "ignore_paths": list(self.ignore_paths),
            "verdict": "pass" if self.passed else "fail",
            "cases": [
                {
                    "event": c.event,
                    "example": c.example,
                    "status": str(c.status),
                    "file": str(c.path),
                    "changes": [{"path": x.path, "kind": str(x.kind), "old": x.old, "new": x.new} for x in c.changes],
                }
                for c in (*self.cases, *self.orphans)
                if c.status != Status.MATCHED
            ],
        }


# -- documents ----------------------------------------------------------------------------------------
def outcome_snapshot(outcome, *, count_logs: bool = True) -> dict[str, Any]:
    """The part of an Outcome a snapshot records: result, fault kind and code, number of logs.

    ``count_logs=False`` for handlers whose logs cannot be seen (an HTTP gateway answers 200 with
    the result only): the number is left out instead of recorded as a false 0.
    """
    doc: dict[str, Any] = {"log_count": len(outcome.logs)} if count_logs else {}
    if outcome.has_result:
        # A JSON round trip: the file must hold exactly what a later run's comparison will read back.
        doc["result"] = json.loads(json.dumps(outcome.result, ensure_ascii=False))
    if outcome.fault is not None:
        doc["fault"] = {"kind": str(outcome.fault), "code": outcome.error_code}
    return doc


def dumps(doc: Any) -> str:
    """Snapshot file text: sorted keys, indent 2, UTF-8 as is, trailing newline."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def compile_ignore_paths(paths: Iterable[str]) -> tuple[Any, ...]:
    """Parse JSONPath expressions; raises UsageError (exit 2) naming the bad one."""
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext import parse

    out = []
    for p in paths:
        try:
            out.append(parse(p))
        except JSONPathError as exc:
            raise UsageError(
                f"--ignore-path is not a JSONPath expression: path={p!r}: {exc}; "
                "examples: '$.result[*].text', '$..timestamp'"
            ) from None
    return tuple(out)


def mask(doc: Any, compiled: Sequence[Any]) -> Any:
    """A copy of ``doc`` with every part the compiled JSONPaths select replaced by IGNORED."""
    if not compiled:
        return doc
    doc = copy.deepcopy(doc)
    for expr in compiled:
        doc = expr.update(doc, IGNORED)
    return doc


# -- diffs --------------------------------------------------------------------------------------------
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JSONPATH_WORDS = frozenset({"where", "wherenot", "when", "and", "or", "not", "in", "len", "sorted", "filter"})


def jsonpath(parts: Iterable[Any]) -> str:
    """``['result', 0, 'text']`` -> ``$.result[0].text`` (usable as an --ignore-path)."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.match(str(p)) and str(p) not in _JSONPATH_WORDS:
            out += f".{p}"
        else:
            out += "[" + json.dumps(str(p), ensure_ascii=False) + "]"
    return out


_KINDS = {
    "values_changed": ChangeKind.CHANGED,
    "type_changes": ChangeKind.TYPE,
    "dictionary_item_added": ChangeKind.ADDED,
    "iterable_item_added": ChangeKind.ADDED,
    "dictionary_item_removed": ChangeKind.REMOVED,
    "iterable_item_removed": ChangeKind.REMOVED,
}


def diff(old: Any, new: Any) -> tuple[Change, ...]:
    """The differences from ``old`` to ``new`` (JSON values), in path order; () when equal.

    Equality is decided on canonical JSON text, so ``1``, ``1.0`` and ``true`` differ as they do in
    JSON; DeepDiff (about 2 ms a call) only runs when the texts differ.
    """
    if dumps(old) == dumps(new):
        return ()
    from deepdiff import DeepDiff

    tree = DeepDiff(old, new, view="tree")
    changes = []
    for report, levels in tree.items():
        kind = _KINDS.get(report, ChangeKind.CHANGED)  # anything else: show both values
        for level in levels:
            changes.append(
                Change(
                    path=jsonpath(level.path(output_format="list")),
                    kind=kind,
                    old=None if kind == ChangeKind.ADDED else level.t1,
                    new=None if kind == ChangeKind.REMOVED else level.t2,
                )
            )
    if not changes:  # the texts differ but DeepDiff saw nothing: say so rather than pass
        changes.append(Change(path="$", kind=ChangeKind.CHANGED, old=old, new=new))
    return tuple(sorted(changes, key=lambda c: (c.path, str(c.kind))))


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_WORD = re.compile(r"\w+|[^\w\s]")


def word_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """The words (and punctuation marks) removed from and added to a text, in order."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += a[i1:i2]
        if tag in ("replace", "insert"):
            added += b[j1:j2]
    return removed, added


def format_change(change: Change, indent: str = "  ") -> list[str]:
    """Readable lines for one change: its path, the old and the new value (strings in full)."""
    lines = [f"{indent}{change.path}: {change.kind}"]
    if change.kind != ChangeKind.ADDED:
        lines.append(f"{indent}  old: {_show(change.old)}")
    if change.kind != ChangeKind.REMOVED:
        lines.append(f"{indent}  new: {_show(change.new)}")
    if isinstance(change.old, str) and isinstance(change.new, str):
        removed, added = word_changes(change.old, change.new)
        if removed or added:
            words = [f"-{w}" for w in removed] + [f"+{w}" for w in added]
            lines.append(f"{indent}  words: {' '.join(words)}")
    return lines


def format_case(case: SnapshotCase) -> str:
    """What happened to one snapshot, with its diff, and what to do next."""
    head = f"{case.status.upper()} {case.name} (file={case.path})"
    if case.status == Status.CHANGED:
        lines = [head + ": the outcome differs from the snapshot; if that is intended, re-record with --update"]
    elif case.status == Status.MISSING:
        lines = [head + ": no snapshot recorded; record it with --update"]
    elif case.status == Status.ORPHANED:
        lines = [head + ": no golden example left for this snapshot; delete it or pass --prune"]
    else:
        lines = [head]
    for change in case.changes:
        lines += format_change(change)
    if case.status == Status.MISSING and case.observed is not None:
        lines.append(f"  observed: {_show(case.observed)}")
    return "\n".join(lines)


def format_report(report: SnapshotReport) -> str:
    """Every non-matching case with its diff, then one summary line."""
    shown = [c for c in (*report.cases, *report.orphans) if c.status != Status.MATCHED]
    if report.cases and all(c.status == Status.MISSING for c in report.cases):
        # A first run against an empty folder: one line, not one block per example.
        shown = list(report.orphans)
        lines = [f"MISSING all {len(report.cases)} snapshots (dir={report.snapshot_dir}): none recorded yet; record them with --update"]
    else:
        lines = []
    lines += [format_case(c) for c in shown]
    counts = report.to_dict()
    if report.update:
        counts["unchanged"] = counts["matched"]
        keys: tuple[str, ...] = ("checked", "unchanged", "created", "updated", "orphaned", "pruned")
    else:
        keys = ("checked", "matched", "changed", "missing", "orphaned") + (("pruned",) if report.prune else ())
    summary = " ".join(f"{k}={counts[k]}" for k in keys)
    lines.append(f"snapshots: verdict={counts['verdict'].upper()} {summary} dir={report.snapshot_dir}")
    return "\n".join(lines)


# -- the run ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Named:
    """A scenario payload in the place of a golden example: a name and a payload."""

    name: str
    payload: Any


def run_snapshots(
    handler_or_target: Any,
    *,
    registry=None,
    snapshot_dir: Path | str,
    version: str | None = None,
    events: Sequence[str] = (),
    update: bool = False,
    ignore_paths: Sequence[str] = (),
    prune: bool = False,
    timeout_ms: int = 30000,
    runtime: str | None = None,
    scenarios: Sequence[Any] = (),
) -> SnapshotReport:
    """Run every golden example through the handler and compare each outcome with its snapshot.

    ``handler_or_target`` is a loaded Handler (left open) or a target string (loaded with
    ``timeout_ms``/``runtime``, closed at the end). ``update`` writes missing and changed snapshots;
    ``prune`` deletes snapshots with no golden example left. ``scenarios`` (``payloads.Scenario``, from
    ``--payloads`` files) are recorded like golden examples of every selected event, as
    ``scenario-<file stem>-<line>.json``; the caller has checked them against the contract. Raises LpfContractError subclasses for
    bad input (unknown version or event, bad JSONPath, unreadable snapshot, handler that cannot load).
    """
    from ..contracts.registry import load_registry
    from ..verify.engine import handler_input

    registry = registry or load_registry()
    spec_version = registry.version(version)
    selected = list(dict.fromkeys(events)) or list(spec_version.default_events)
    for ev in selected:
        registry.event(ev, spec_version.name)  # unknown ids fail before the handler starts
    compiled = compile_ignore_paths(ignore_paths)
    snapshot_dir = Path(snapshot_dir)
    if snapshot_dir.exists() and not snapshot_dir.is_dir():
        raise UsageError(f"--snapshot-dir is not a folder: path={snapshot_dir}")

    examples = {ev: [*registry.examples(ev, spec_version.name), *(_Named(s.snapshot_name, s.payload) for s in scenarios)]
                for ev in selected}
    handler = handler_or_target
    owns = isinstance(handler_or_target, (str, Path))
    if owns:
        from ..handlers import load_handler

        handler = load_handler(str(handler_or_target), timeout_ms=timeout_ms, runtime=runtime, workers=1)
    label = str(handler_or_target) if owns else str(getattr(handler, "target", handler))
    cases = []
    count_logs = handler.kind != "http"
    try:
        for ev in selected:
            for ex in examples[ev]:
                outcome = handler.invoke(ev, handler_input(ex.payload))
                observed = mask(outcome_snapshot(outcome, count_logs=count_logs), compiled)
                path = snapshot_dir / ev / f"{ex.name}.json"
                cases.append(_compare(ev, ex.name, path, observed, compiled, update=update, count_logs=count_logs))
    finally:
        if owns:
            handler.close()
    orphans = _orphans(snapshot_dir, selected if events else None, examples, prune=prune)
    return SnapshotReport(
        handler=label,
        contract_version=spec_version.name,
        snapshot_dir=snapshot_dir,
        update=update,
        prune=prune,
        ignore_paths=tuple(ignore_paths),
        cases=tuple(cases),
        orphans=tuple(orphans),
    )


def _compare(event: str, example: str, path: Path, observed: Any, compiled, *, update: bool, count_logs: bool = True) -> SnapshotCase:
    from ..core.files import atomic_write

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"snapshot cannot be read: path={path}: {exc}") from None
    if text is None:
        if update:
            atomic_write(path, dumps(observed))
            return SnapshotCase(event=event, example=example, path=path, status=Status.CREATED, observed=observed)
        return SnapshotCase(event=event, example=example, path=path, status=Status.MISSING, observed=observed)
    try:
        recorded = mask(json.loads(text), compiled)
        if not count_logs and isinstance(recorded, dict):
            recorded.pop("log_count", None)  # recorded locally, compared over HTTP: logs are not visible
    except json.JSONDecodeError as exc:
        if not update:
            raise InputFileError(f"snapshot is not valid JSON: path={path}: {exc}; fix it or re-record it with --update") from None
        atomic_write(path, dumps(observed))
        return SnapshotCase(event=event, example=example, path=path, status=Status.UPDATED, observed=observed)
    changes = diff(recorded, observed)
    if not changes:
        return SnapshotCase(event=event, example=example, path=path, status=Status.MATCHED, observed=observed, recorded=recorded)
    if update:
        atomic_write(path, dumps(observed))
    return SnapshotCase(
        event=event,
        example=example,
        path=path,
        status=Status.UPDATED if update else Status.CHANGED,
        changes=changes,
        observed=observed,
        recorded=recorded,
    )


def _orphans(snapshot_dir: Path, events: Sequence[str] | None, examples: Mapping[str, Sequence[Any]], *, prune: bool) -> list[SnapshotCase]:
    if not snapshot_dir.is_dir():
        return []
    if events is None:  # every event folder, including ones the contract version no longer has
        folders = sorted(p for p in snapshot_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    else:
        folders = [snapshot_dir / ev for ev in events]
    out = []
    for folder in folders:
        known = {ex.name for ex in examples.get(folder.name, ())}
        for path in sorted(folder.glob("*.json")):
            if path.name.startswith(".") or path.stem in known:
                continue
            if prune:
                path.unlink()
            out.append(SnapshotCase(event=folder.name, example=path.stem, path=path, status=Status.PRUNED if prune else Status.ORPHANED))
    return out
