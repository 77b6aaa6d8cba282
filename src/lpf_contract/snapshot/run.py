"""Snapshot tests: every golden example through a handler, each outcome compared with a recorded file.

Property checks say "the result is valid"; a snapshot says "the result did not change unless you meant
it to". One file per golden example, ``<snapshot_dir>/<event-id>/<example-name>.json``, holds what is
compared and nothing else::

    {"log_count": 1, "result": [{"text": "Thank you.", "type": "systemMessage"}]}

``result`` is absent when the handler produced none; ``fault`` (``{"kind", "code"}``) is present when the
invocation faulted. Log texts and durations are not recorded: they are too volatile to pin down, the
number of log calls is not (the platform caps it).

``ignore_paths`` are JSONPath expressions (jsonpath-ng syntax, rooted at that document: ``$.result[*].text``,
``$..timestamp``, ``$.result[?(@.type == 'transfer')].skillId``, ``$.calls[*].target``); the parts they
select are replaced by :data:`IGNORED` both in what is recorded and in what is compared.

``calls`` (issue 17) lists the external calls the invocation made, in order, each ``{kind, via, method,
target, answer, status}`` (``snapshot.mask.CALL_KEYS``), and is absent when it made none, so files
recorded before calls were recorded stay equal for lambdas that call nothing. A call added, gone or
answered differently is a change like any other. An example whose lambda made a call no fixture
answers is UNCHECKED: neither compared nor written, with the fixture entry to add.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform
from ..core.errors import InputFileError, UsageError
from .compare import diff
from .mask import compile_ignore_paths, dumps, mask, outcome_snapshot
from .model import SnapshotCase, SnapshotReport, Status


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
    timeout_ms: int = platform.DEFAULT_TIME_LIMIT_MS,
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
    from ..verify.options import handler_input

    registry = registry or load_registry()
    spec_version = registry.version(version)
    selected = list(dict.fromkeys(events)) or list(spec_version.default_events)
    for ev in selected:
        registry.event(ev, spec_version.name)  # unknown ids fail before the handler starts
    compiled = compile_ignore_paths(ignore_paths)
    snapshot_dir = Path(snapshot_dir)
    if snapshot_dir.exists() and not snapshot_dir.is_dir():
        raise UsageError(f"--snapshot-dir is not a folder: path={snapshot_dir}")

    examples = {
        ev: [*registry.examples(ev, spec_version.name), *(_Named(s.snapshot_name, s.payload) for s in scenarios)]
        for ev in selected
    }
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
                missing = getattr(outcome, "missing_fixtures", ())
                if missing:
                    # Nothing answered one of its calls: what it returned is about our gap, not the lambda.
                    cases.append(_unchecked(ev, ex.name, path, observed, missing))
                    continue
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


def _unchecked(event: str, example: str, path: Path, observed: Any, missing) -> SnapshotCase:
    """A case whose lambda made calls no fixture answers: not compared, not written (decided here)."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for call in missing:
        key = (str(call.via), str(call.method), str(call.target))
        if key not in seen:
            seen[key] = {
                "via": key[0],
                "method": key[1],
                "target": key[2],
                **({"suggestion": dict(call.suggestion)} if call.suggestion else {}),
            }
    return SnapshotCase(
        event=event, example=example, path=path, status=Status.UNCHECKED, observed=observed, missing=tuple(seen.values())
    )


def _compare(
    event: str, example: str, path: Path, observed: Any, compiled, *, update: bool, count_logs: bool = True
) -> SnapshotCase:
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
            raise InputFileError(
                f"snapshot is not valid JSON: path={path}: {exc}; fix it or re-record it with --update"
            ) from None
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


def _orphans(
    snapshot_dir: Path, events: Sequence[str] | None, examples: Mapping[str, Sequence[Any]], *, prune: bool
) -> list[SnapshotCase]:
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
            out.append(
                SnapshotCase(event=folder.name, example=path.stem, path=path, status=Status.PRUNED if prune else Status.ORPHANED)
            )
    return out
