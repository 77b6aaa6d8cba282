"""The diff as text, Markdown, the rule catalogue, and the contract changelog."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.text import md_code as code
from ..core.text import md_text as md_cell
from .catalogue import DIFF_RULES
from .model import DiffReport, SchemaChange


def _counts(changes: Sequence[SchemaChange]) -> str:
    n = {lvl: sum(c.level == lvl for c in changes) for lvl in ("error", "warning", "info")}
    return (
        f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {n['error']} error, {n['warning']} warning, {n['info']} info"
    )


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
            lines.append(
                f"        witness at {w.at}: {w.note} (accepted by {_label(report, w.accepted_by)}, rejected by {_label(report, w.rejected_by)})"
            )
        elif c.breaking_for and report.witnesses:
            counted = "counted as breaking (--strict)" if report.strict else "unconfirmed: not breaking without --strict"
            lines.append(f"        witness: none found ({counted})")
        if c.replay:
            lines.append(
                f"        replay through {c.replay.handler}: {'BREAKS' if c.replay.breaks else 'survives'}: {c.replay.detail}"
            )
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
            f"| {c.level} | `{c.rule}` | {md_cell(c.subject)} | {code(c.where)} | {c.effect} | {', '.join(c.breaking_for) or '-'} | {md_cell(c.message)} |"
        )
    with_witness = [c for c in report.changes if c.breaking_for] if report.witnesses else []
    if with_witness:
        lines += ["", "Witnesses (checked against both schemas):", ""]
        for c in with_witness:
            if c.witness:
                w = c.witness
                text = f"- `{c.rule}` at {code(w.at)}: {code(w.note)} is accepted by {_label(report, w.accepted_by)}, rejected by {_label(report, w.rejected_by)}"
            else:
                text = f"- `{c.rule}` at {code(c.where)}: no witness found ({'counted as breaking, --strict' if report.strict else 'unconfirmed: not breaking without --strict'})"
            if c.replay:
                text += f"; {'**breaks**' if c.replay.breaks else 'survives'} `{c.replay.handler}` ({md_cell(c.replay.detail)})"
            lines.append(text)
    return "\n".join(lines) + "\n"


def render_rules(fmt: str = "text") -> str:
    """The rule catalogue (``diff --rules``) as text, ``md`` or ``json``, in id order."""
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "level": r.level,
            "effect": r.effect,
            "scope": r.scope,
            "family": r.family,
            "payload_breaks": list(r.breaking_for("payload")),
            "commands_breaks": list(r.breaking_for("commands")),
            "summary": r.summary,
        }
        for r in DIFF_RULES
    ]
    if fmt == "json":
        return json.dumps({"rules": rows}, indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        out = ["| rule | level | effect | payload breaks | commands breaks | summary |", "|---|---|---|---|---|---|"]
        for x in rows:
            out.append(
                f"| `{x['id']}` | {x['level']} | {x['effect']} | {', '.join(x['payload_breaks']) or '-'} | {', '.join(x['commands_breaks']) or '-'} | {md_cell(x['summary'])} |"
            )
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
    from .revisions import VersionRef, diff_versions

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
