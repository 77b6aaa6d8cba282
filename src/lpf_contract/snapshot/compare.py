"""Comparing a recorded snapshot with a new one (DeepDiff underneath) and showing the difference."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

from .mask import dumps
from .model import ChangeKind, SnapshotCase, SnapshotChange, SnapshotReport, Status

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


def diff(old: Any, new: Any) -> tuple[SnapshotChange, ...]:
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
                SnapshotChange(
                    path=jsonpath(level.path(output_format="list")),
                    kind=kind,
                    old=None if kind == ChangeKind.ADDED else level.t1,
                    new=None if kind == ChangeKind.REMOVED else level.t2,
                )
            )
    if not changes:  # the texts differ but DeepDiff saw nothing: say so rather than pass
        changes.append(SnapshotChange(path="$", kind=ChangeKind.CHANGED, old=old, new=new))
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


def format_change(change: SnapshotChange, indent: str = "  ") -> list[str]:
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


def _call_label(call: Any) -> str:
    if not isinstance(call, dict):
        return _show(call)
    from ..report.calls import call_name

    status = call.get("status")
    return call_name(call) + (f" -> {status}" if status is not None else "") + f" [{call.get('answer', '?')}]"


def call_changes(recorded: Any, observed: Any) -> list[str]:
    """The external calls made now and not then (``+``) and then and not now (``-``), in call order;
    empty when the calls are the same (or neither document is a snapshot). Calls are compared as the
    whole recorded entry, so a call answered with another status shows as one gone and one new."""
    old = recorded.get("calls") if isinstance(recorded, dict) else None
    new = observed.get("calls") if isinstance(observed, dict) else None
    old, new = old if isinstance(old, list) else [], new if isinstance(new, list) else []
    a, b = [_show(c) for c in old], [_show(c) for c in new]
    if a == b:
        return []
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            lines += [f"- {_call_label(c)}" for c in old[i1:i2]]
        if tag in ("replace", "insert"):
            lines += [f"+ {_call_label(c)}" for c in new[j1:j2]]
    return lines


def format_missing(missing: Iterable[Any], indent: str = "  ") -> list[str]:
    """For each call no fixture answers: what it was and the fixture entry to add, as YAML."""
    from ..report.calls import missing_name, suggestion_yaml

    lines = []
    for m in missing:
        lines.append(f"{indent}no fixture for {missing_name(m)} (via {m.get('via', '?')})")
        block = suggestion_yaml(m.get("suggestion"))
        if block:
            lines.append(f"{indent}  add to the fixtures file:")
            lines += [f"{indent}    {line}" for line in block.splitlines()]
    return lines


def format_case(case: SnapshotCase) -> str:
    """What happened to one snapshot, with its diff, and what to do next."""
    head = f"{case.status.upper()} {case.name} (file={case.path})"
    if case.status == Status.UNCHECKED:
        lines = [
            head + ": not compared (and not recorded): the lambda made a call no fixture answers, so its outcome "
            "says nothing about the lambda; add the fixture below to the fixtures file (--fixtures) and run again"
        ]
        lines += format_missing(case.missing)
        return "\n".join(lines)
    if case.status == Status.CHANGED:
        lines = [head + ": the outcome differs from the snapshot; if that is intended, re-record with --update"]
    elif case.status == Status.MISSING:
        lines = [head + ": no snapshot recorded; record it with --update"]
    elif case.status == Status.ORPHANED:
        lines = [head + ": no golden example left for this snapshot; delete it or pass --prune"]
    else:
        lines = [head]
    calls = call_changes(case.recorded, case.observed) if case.status in (Status.CHANGED, Status.UPDATED) else []
    if calls:
        lines.append("  external calls changed (- recorded, + now):")
        lines += [f"    {line}" for line in calls]
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
        lines = [
            f"MISSING all {len(report.cases)} snapshots (dir={report.snapshot_dir}): none recorded yet; record them with --update"
        ]
    else:
        lines = []
    lines += [format_case(c) for c in shown]
    counts = report.to_dict()
    if report.update:
        counts["unchanged"] = counts["matched"]
        keys: tuple[str, ...] = ("checked", "unchanged", "created", "updated", "orphaned", "pruned")
    else:
        keys = ("checked", "matched", "changed", "missing", "orphaned") + (("pruned",) if report.prune else ())
    if counts["unchecked"]:
        keys += ("unchecked",)  # only then: the summary line of a run without fixtures gaps stays as it was
    summary = " ".join(f"{k}={counts[k]}" for k in keys)
    lines.append(f"snapshots: verdict={counts['verdict'].upper()} {summary} dir={report.snapshot_dir}")
    return "\n".join(lines)
