"""conformance.md: verdict first, a table per event, then each failure; sized for a GitHub PR comment."""

from __future__ import annotations

from ..core.results import Failure, RunResult, Severity
from ..core.text import md_code as code
from ..core.text import md_fence as fence
from ..core.text import md_size as size
from ..core.text import md_text as text
from . import _view as v

GITHUB_COMMENT_LIMIT = 65_536
# Per-failure caps keep one giant payload from crowding every other failure out of the comment.
PAYLOAD_CHARS = 3_000
RESULT_CHARS = 2_000
LOG_CHARS = 2_000
MESSAGE_CHARS = 1_500
SUGGESTION_CHARS = 1_000  # a suggested fixture entry: a template, small unless a recorded body is large
MISSING_LISTED = 25
_NOTE_RESERVE = 600  # room kept for the truncation notes, whose numbers are known only at the end

_ICON = {"PASS": "✅", "FAIL": "❌", "INTERRUPTED": "⚠️", "ERROR": "⛔"}
_SEV_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️"}


def _table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _tally(t: v.Tally) -> str:
    if t.covered is None or t.total is None:
        return v.NA
    return f"{t.covered}/{t.total} ({v.fmt_percent(t.percent)})" if t.total else "0/0 (none in schema)"


def _missing(t: v.Tally, what: str) -> str:
    if not t.missing:
        return ""
    shown = ", ".join(code(m) for m in t.missing[:MISSING_LISTED])
    more = f" and {len(t.missing) - MISSING_LISTED} more" if len(t.missing) > MISSING_LISTED else ""
    return f"- {what}: {shown}{more}"


def _head(run: RunResult) -> str:
    word = v.verdict_word(run)
    h = run.handler
    parts = [
        f"# {_ICON[word]} {word}: contract conformance report",
        f"**{text(v.verdict_sentence(run))}**",
        text(v.headline(run)),
        *(
            [
                "> **⚠️ The run was interrupted before it finished:** counts and coverage are partial, and the failures "
                "found so far were not shrunk. Re-run verify for a complete report."
            ]
            if run.interrupted
            else []
        ),
        _table(
            ["Handler", "Kind", "Runtime", "Contract", "Seed", "Generated examples per event", "Tool"],
            [
                [
                    code(str(h.get("target", v.NA))),
                    text(str(h.get("kind") or v.NA)),
                    text(str(h.get("runtime") or v.NA)),
                    code(run.contract_version),
                    str(run.seed),
                    str(run.examples),
                    text(f"{run.tool.get('name', '?')} {run.tool.get('version', '?')}"),
                ]
            ],
        ),
        *([f"Severity policy: {text(v.severity_policy(run))}"] if run.severity is not None else []),
        "## Events",
    ]
    if not run.events:
        parts.append("No event ran.")
    for ev in v.events(run):
        parts.append(f"### Event {code(ev.name)}")
        parts.append(
            _table(
                [
                    "Cases",
                    "Failed cases",
                    "Skipped",
                    "Distinct failures",
                    "Enum values covered",
                    "Optional fields covered",
                    "Coverage",
                ],
                [
                    [
                        str(ev.cases),
                        str(ev.failed),
                        str(ev.skipped),
                        f"{ev.distinct} ({v.plural(ev.errors, 'error')}, {v.plural(ev.warnings, 'warning')})",
                        _tally(ev.enum),
                        _tally(ev.optional),
                        v.fmt_percent(ev.percent),
                    ]
                ],
                ["---:", "---:", "---:", "---", "---", "---", "---:"],
            )
        )
        notes = [
            _missing(ev.enum, "Enum values never sent"),
            _missing(ev.optional, "Optional-field presences never exercised"),
            f"- Skipped {ev.skipped} cases: {text(ev.skipped_reason)}" if ev.skipped else "",
            f"- Not judged: {v.plural(ev.unchecked, 'case')} made a call no fixture answers (see Missing fixtures)"
            if ev.unchecked
            else "",
        ]
        if any(notes):
            parts.append("\n".join(n for n in notes if n))
    missing = _missing_fixtures(run)
    if missing:
        parts.append(missing)
    snap = v.snapshots(run)
    if snap is not None:
        parts.append(_snapshots(snap))
    if run.static:
        parts.append("## Deploy rules (checked on the handler's source)")
        parts.append(
            _table(
                ["Severity", "Check", "Rule", "Line", "Message"],
                [
                    [f"{_SEV_ICON[s.severity]} {s.severity}", code(s.check), code(s.rule), str(s.line or ""), text(s.message)]
                    for s in run.static
                ],
            )
        )
    return "\n\n".join(parts)


def _missing_fixtures(run: RunResult) -> str:
    """The calls nothing answered, each with the fixture entry to paste; empty when there were none."""
    sentence = v.missing_sentence(run)
    if not sentence:
        return ""
    missing = v.missing_fixtures(run)
    parts = [f"## ⛔ Missing fixtures ({len(missing)})", text(sentence)]
    for m in missing[:MISSING_LISTED]:
        where = f"{v.plural(m.cases, 'case')}" + (f" in {', '.join(code(e) for e in m.events)}" if m.events else "")
        parts.append(f"- {code(m.name)} via {code(m.via or '?')}: {where}")
        if m.yaml:
            parts.append(fence(v.clip(m.yaml, SUGGESTION_CHARS, where="conformance.json"), "yaml"))
    if len(missing) > MISSING_LISTED:
        parts.append(f"… and {len(missing) - MISSING_LISTED} more, listed in conformance.html and conformance.json.")
    return "\n\n".join(parts)


def _calls(f: Failure) -> str:
    """The external calls of the failure's case as a table; empty when it made none."""
    views, more = v.calls(f)
    if not views:
        return ""
    rows = [[str(c.n), code(c.name), text(c.answer), code(c.result)] for c in views]
    table = _table(["#", "Call", "Answered by", "Got"], rows, ["---:", "---", "---", "---"])
    tail = f"\n\n… and {more} more calls, listed in conformance.json." if more else ""
    return f"External calls of this case ({len(views) + more}):\n\n{table}{tail}"


def _snapshots(snap: v.SnapshotView) -> str:
    icon = _ICON[snap.verdict.upper()]
    parts = [f"## Snapshots: {icon} {snap.verdict.upper()}"]
    if snap.counts:
        parts.append(_table([k.capitalize() for k, _ in snap.counts], [[str(n) for _, n in snap.counts]]))
    rows = []
    for c in snap.cases[: MISSING_LISTED * 4]:
        changes = "; ".join(
            f"{code(str(x.get('path', '')))} {text(str(x.get('kind', '')))}: {code(v.compact(x.get('old')))} → {code(v.compact(x.get('new')))}"
            for x in c.changes[:5]
        ) + (f"; and {len(c.changes) - 5} more" if len(c.changes) > 5 else "")
        changes = "; ".join(x for x in [changes, *(text(n) for n in v.snapshot_change_texts(c))] if x)
        rows.append(
            [code(c.event), code(c.example), f"**{text(c.status)}**" if c.failed else text(c.status), code(c.file), changes]
        )
    if rows:
        parts.append(_table(["Event", "Example", "Status", "File", "Changes"], rows))
    if len(snap.cases) > len(rows):
        parts.append(f"… and {len(snap.cases) - len(rows)} more snapshot cases, listed in conformance.html.")
    return "\n\n".join(parts)


def _details(summary: str, body: str) -> str:
    # GitHub needs the blank lines around the fenced block inside <details>.
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _failure(n: int, f: Failure) -> str:
    title = (
        f"### {n}. {_SEV_ICON[f.severity]} {code(f.check)} in {code(f.event)}"
        + (f" at {code(f.path)}" if f.path else "")
        + (f" · {code(f.source)}" if f.source else "")
        + (f" · with faults {code(f.faults)}" if f.faults else "")
    )
    rows = [
        [text(label), code(value) if label in ("at", "schema", "in the lambda") else text(value)]
        for label, value in v.outcome_lines(f)
    ]
    where = f"`{f.repro_file}`" if f.repro_file else "conformance.json"
    result = v.clip(v.result_text(f), RESULT_CHARS, where="conformance.json")
    logs = v.logs_text(f)
    result_body = fence(result, "json") + (
        "\n\nLogs:\n\n" + fence(v.clip(logs, LOG_CHARS, where="conformance.json"), "text") if logs else "\n\nNo logs."
    )
    parts = [
        title,
        f"**{f.severity}** · check {code(f.check)}: {text(v.clip(f.message, MESSAGE_CHARS, where='conformance.json'))}",
        _table(["Detail", "Value"], rows),
        *([calls] if (calls := _calls(f)) else []),
        *(
            ["Stack (the lambda's own frames):\n\n" + fence(v.clip(v.stack_text(f), LOG_CHARS, where="conformance.json"), "text")]
            if f.stack
            else []
        ),
        _details("Minimal payload", fence(v.clip(v.pretty(f.payload), PAYLOAD_CHARS, where=where), "json")),
        _details("Result and logs", result_body),
        "Reproduce:\n\n" + fence(f.repro or "(no repro command recorded)", "sh"),
    ]
    return "\n\n".join(parts)


def _one_liner(n: int, f: Failure) -> str:
    at = (
        (f" at {code(f.path)}" if f.path else "")
        + (f" · {code(f.source)}" if f.source else "")
        + (f" · with faults {code(f.faults)}" if f.faults else "")
    )
    return f"{n}. {_SEV_ICON[f.severity]} {code(f.check)} in {code(f.event)}{at}"


def render_markdown(run: RunResult, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The Markdown report, at most ``limit`` characters (as GitHub counts them); cuts are always announced."""
    head = _head(run)
    failures = v.ordered_failures(run)
    footer = (
        "---\n\n"
        f"<sub>{text(run.tool.get('name', 'lpf-contract'))} {text(run.tool.get('version', ''))} · "
        "the same results are in conformance.json, conformance.html and junit.xml</sub>\n"
    )
    section = f"## Failures ({len(failures)})" if failures else "## Failures\n\nNone."
    blocks = [_failure(i, f) for i, f in enumerate(failures, 1)]
    full = "\n\n".join([head, section, *blocks, footer])
    if size(full) <= limit:
        return full

    budget = limit - size(footer) - _NOTE_RESERVE
    if size(head) + size(section) > budget:
        # Pathological (thousands of events): even the overview is too long, cut it outright.
        cut = head[: max(0, budget - size(section) - 200)]
        note = (
            f"\n\n> **⚠️ Truncated:** the event overview alone exceeds GitHub's {limit:,}-character comment limit; "
            f"{len(failures)} failures are not shown. Open conformance.html for the full report."
        )
        return "\n\n".join([cut + note, section, footer])

    used = size(head) + size(section) + 4
    lines = [_one_liner(i, f) for i, f in enumerate(failures, 1)]
    # Keep room to at least name the failures that do not fit in full (up to a quarter of the budget).
    listing = min(sum(size(line) + 1 for line in lines) + 40, (budget - used) // 4)
    kept: list[str] = []
    for block in blocks:
        if used + size(block) + 2 > budget - listing:
            break
        kept.append(block)
        used += size(block) + 2
    listed: list[str] = []
    for line in lines[len(kept) :]:
        if used + size(line) + 1 > budget:
            break
        listed.append(line)
        used += size(line) + 1
    hidden = len(failures) - len(kept) - len(listed)
    note = (
        f"> **⚠️ Truncated to fit GitHub's {limit:,}-character comment limit:** {len(kept)} of {len(failures)} "
        f"failures are shown in full"
        + (f", {len(listed)} more are only listed" if listed else "")
        + (f", {hidden} are not shown" if hidden else "")
        + ". The full report is in conformance.html and conformance.json."
    )
    parts = [head, note, section, *kept]
    if listed:
        parts.append("**Not shown in full:**\n\n" + "\n".join(listed))
    parts += [note, footer]
    out = "\n\n".join(parts)
    if size(out) > limit:  # the estimates above are conservative; this guards the promise regardless
        tail = "\n\n> **⚠️ Truncated here:** the rest is in conformance.html.\n"
        keep = limit - size(tail)
        while size(out[:keep]) + size(tail) > limit:
            keep -= 100
        out = out[:keep] + tail
    return out
