"""The index of a run over many functions: ``REPORT_DIR/index.json`` and ``index.md``.

One row per function: its verdict (``pass``, ``fail``, ``error``: it could not be checked, ``skipped``:
its event has no contract, or ``not-run``: the run was interrupted first), its counts and the link to
its own reports in ``REPORT_DIR/<function>/``. Deterministic: rows sorted by name, no clock times.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# verdict -> the exit code it stands for; the run's exit code is the worst (2 > 1 > 0).
VERDICT_CODES = {"pass": 0, "skipped": 0, "fail": 1, "error": 2, "not-run": 0}
_ICON = {"pass": "✅", "fail": "❌", "error": "⛔", "skipped": "⏭️", "not-run": "⏸️"}


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexEntry:
    """One function's line in the index."""

    name: str
    target: str
    verdict: str
    events: tuple[str, ...] = ()
    cases: int = 0
    failed: int = 0
    errors: int = 0  # distinct error-level failures and deploy-rule errors
    warnings: int = 0
    reason: str = ""  # why skipped, or the error that stopped it
    report: str | None = None  # conformance.md, relative to the index
    notes: tuple[str, ...] = ()  # warnings about the function's own files (e.g. its config.json input)
    # cases not judged because the lambda made a call no fixture answers, and how many distinct such
    # calls (RunResult.missing_fixtures): issue 17. Such a function's verdict is ``error``.
    unchecked: int = 0
    missing_fixtures: int = 0


def worst_code(entries: Sequence[IndexEntry]) -> int:
    return max((VERDICT_CODES[e.verdict] for e in entries), default=0)


def run_verdict(entries: Sequence[IndexEntry], *, interrupted: bool = False) -> str:
    if interrupted:
        return "interrupted"
    code = worst_code(entries)
    return {0: "pass", 1: "fail", 2: "error"}[code]


def render_index_json(
    entries: Sequence[IndexEntry],
    *,
    shard: tuple[int, int] | None = None,
    total: int | None = None,
    interrupted: bool = False,
    tool: dict[str, str] | None = None,
) -> str:
    rows = sorted(entries, key=lambda e: e.name)
    counts = {v: sum(1 for e in rows if e.verdict == v) for v in VERDICT_CODES}
    doc: dict[str, Any] = {
        "tool": tool or {},
        "verdict": run_verdict(rows, interrupted=interrupted),
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "functions_total": total if total is not None else len(rows),
        "summary": {"functions": len(rows), **counts},
        "functions": [{**asdict(e), "events": list(e.events), "notes": list(e.notes)} for e in rows],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_index_md(
    entries: Sequence[IndexEntry], *, shard: tuple[int, int] | None = None, total: int | None = None, interrupted: bool = False
) -> str:
    rows = sorted(entries, key=lambda e: e.name)
    verdict = run_verdict(rows, interrupted=interrupted)
    head = f"# lpf-contract: {len(rows)} functions, verdict {verdict.upper()}"
    lines = [head, ""]
    if shard:
        lines += [f"Shard {shard[0]}/{shard[1]}: {len(rows)} of {total} functions (round-robin by name).", ""]
    lines += [
        "| Function | Verdict | Events | Cases | Failed | Errors | Warnings | Report / reason |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in rows:
        link = f"[{e.name}/conformance.md]({e.report})" if e.report else ""
        gap = (
            f"{e.unchecked} unchecked cases: {e.missing_fixtures} calls without a fixture"
            if e.unchecked or e.missing_fixtures
            else ""
        )
        why = "; ".join(x for x in (link, _cell(e.reason), gap) if x)
        lines.append(
            f"| `{_cell(e.name)}` | {_ICON[e.verdict]} {e.verdict} | {', '.join(f'`{x}`' for x in e.events)} | {e.cases} | "
            f"{e.failed} | {e.errors} | {e.warnings} | {why} |"
        )
    notes = [(e.name, n) for e in rows for n in e.notes]
    if notes:
        lines += ["", "## Notes", ""] + [f"- `{_cell(name)}`: {_cell(n)}" for name, n in notes]
    return "\n".join(lines) + "\n"


def write_index(report_dir: Path, entries: Sequence[IndexEntry], **kwargs: Any) -> list[Path]:
    """Write ``index.json`` and ``index.md`` into ``report_dir``; returns their paths."""
    from ..core.files import atomic_write
    from . import ReportWriteError

    tool = kwargs.pop("tool", None)
    out = [report_dir / "index.json", report_dir / "index.md"]
    try:
        atomic_write(out[0], render_index_json(entries, tool=tool, **kwargs))
        atomic_write(out[1], render_index_md(entries, **kwargs))
    except OSError as exc:
        raise ReportWriteError(f"cannot write the index: path={report_dir}: {exc}") from None
    return out
