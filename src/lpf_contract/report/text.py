"""The plain-text report (``lpf-contract report FILE --format text``): what verify prints, re-read from
a saved ``conformance.json``; for a terminal or a log, no markup."""

from __future__ import annotations

from ..core.results import RunResult
from ..core.text import printable
from . import _view as v
from . import calls as ext


def render_text(run: RunResult) -> str:
    """Verdict, headline, one line per event and per failure, with its repro command."""
    h = run.handler
    lines = [
        f"{v.verdict_word(run)}: {v.verdict_sentence(run)}",
        v.headline(run),
        f"handler={h.get('target')} kind={h.get('kind')} runtime={h.get('runtime') or 'n/a'} "
        f"contract={run.contract_version} seed={run.seed} examples={run.examples}",
    ]
    if run.severity is not None:
        lines.append(f"severity policy: {v.severity_policy(run)}")
    for ev in v.events(run):
        pct = v.fmt_percent(ev.percent)
        skipped = f" skipped={ev.skipped} ({ev.skipped_reason})" if ev.skipped else ""
        unchecked = f" unchecked={ev.unchecked}" if ev.unchecked else ""
        lines.append(f"{ev.name}: cases={ev.cases} failed={ev.failed}{unchecked} coverage={pct}{skipped}")
    missing = v.missing_fixtures(run)
    if missing or any(ev.unchecked for ev in v.events(run)):
        lines.append(f"MISSING FIXTURES: {v.missing_sentence(run)}")
    for m in missing:
        where = v.plural(m.cases, "case") + (f" in {', '.join(m.events)}" if m.events else "")
        lines.append(f"  no fixture for {m.name} (via {m.via}): {where}")
        lines += [f"    {line}" for line in m.yaml.splitlines()]
    for f in v.ordered_failures(run):
        at = f" at {f.source}" if f.source else ""
        faults = f" ({ext.faults_sentence(f.faults)})" if f.faults else ""
        lines.append(f"{f.severity.upper()} {f.event} [{f.check}] {printable(f.message)}{at}{faults}")
        views, more = v.calls(f)
        lines += [f"    call {c.n}: {c.name} -> {c.result} [{c.answer}]" for c in views]
        if more:
            lines.append(f"    ... and {more} more calls, listed in conformance.json")
        if f.repro:
            lines.append(f"    repro: {f.repro}")
    for s in run.static:
        lines.append(
            f"{s.severity.upper()} [{s.check}] {s.rule}: {printable(s.message)}" + (f" (line {s.line})" if s.line else "")
        )
    return "\n".join(lines) + "\n"
