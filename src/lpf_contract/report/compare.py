"""Compare two runs (e.g. two versions of a handler): what got fixed, what regressed, how coverage moved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..core.results import RunResult, Severity
from ..core.text import md_code as code
from ..core.text import md_text, printable
from . import _view as v
from .calls import faults_sentence

Key = tuple[str, str, str]
STATIC_EVENT = "(handler source)"  # static deploy-rule findings belong to no event


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One distinct failure, identified across runs by (event, check, location): the key verify
    de-duplicates on (``Failure.key``), so one failure is never both fixed and regressed."""

    event: str
    check: str
    location: str
    path: str
    severity: Severity
    message: str
    source: str = ""  # index.js:4 when known
    # The --http-faults mode the shown case ran under ("" when none): shown, never part of the key, so a
    # failure found under 5xx in one run and under timeout in the next is still the same failure.
    faults: str = ""

    @property
    def key(self) -> Key:
        return (self.event, self.check, self.location)

    def to_dict(self) -> dict[str, str]:
        return {
            "event": self.event,
            "check": self.check,
            "location": self.location,
            "path": self.path,
            "source": self.source,
            "severity": str(self.severity),
            "message": self.message,
            **({"faults": self.faults} if self.faults else {}),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageChange:
    event: str
    old: v.EventView | None  # None: the event did not run in that report
    new: v.EventView | None
    enum_newly_missing: tuple[str, ...]
    enum_newly_covered: tuple[str, ...]
    optional_newly_missing: tuple[str, ...]
    optional_newly_covered: tuple[str, ...]

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None or self.old.percent is None or self.new.percent is None:
            return None
        return self.new.percent - self.old.percent

    def to_dict(self) -> dict[str, Any]:
        def side(e: v.EventView | None) -> dict[str, Any] | None:
            if e is None:
                return None
            return {
                "cases": e.cases,
                "percent": e.percent,
                "enum": {"covered": e.enum.covered, "total": e.enum.total},
                "optional": {"covered": e.optional.covered, "total": e.optional.total},
            }

        return {
            "old": side(self.old),
            "new": side(self.new),
            "delta": self.delta,
            "enum": {"newly_missing": list(self.enum_newly_missing), "newly_covered": list(self.enum_newly_covered)},
            "optional": {"newly_missing": list(self.optional_newly_missing), "newly_covered": list(self.optional_newly_covered)},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    old: RunResult
    new: RunResult
    fixed: tuple[Item, ...]
    regressed: tuple[Item, ...]
    still_failing: tuple[Item, ...]
    coverage: tuple[CoverageChange, ...]
    # OLD's failures in events NEW did not run (or all of them when NEW could not check): not fixed,
    # just not looked at again.
    not_covered: tuple[Item, ...] = ()

    @property
    def regressed_errors(self) -> int:
        return sum(1 for i in self.regressed if i.severity == Severity.ERROR)

    @property
    def exit_code(self) -> int:
        """1 when NEW has an error-level failure OLD did not have, or NEW could not check the handler
        (verdict error: it vouches for nothing); new warnings alone do not fail."""
        return 1 if self.regressed_errors or self.new.verdict == "error" else 0

    def to_dict(self) -> dict[str, Any]:
        def run(r: RunResult) -> dict[str, Any]:
            return {
                "target": r.handler.get("target"),
                "contract_version": r.contract_version,
                "seed": r.seed,
                "verdict": r.verdict,
                "interrupted": r.interrupted,
                "events": sorted(r.events),
                **({"reason": r.reason} if r.reason else {}),
                "cases": r.cases,
                "failed": r.failed,
                "distinct_failures": len(r.failures) + len(r.static),
            }

        return {
            "old": run(self.old),
            "new": run(self.new),
            "fixed": [i.to_dict() for i in self.fixed],
            "regressed": [i.to_dict() for i in self.regressed],
            "still_failing": [i.to_dict() for i in self.still_failing],
            "not_covered": [i.to_dict() for i in self.not_covered],
            "regressed_errors": self.regressed_errors,
            "coverage": {c.event: c.to_dict() for c in self.coverage},
        }


def _items(run: RunResult) -> dict[Key, Item]:
    items = [
        Item(
            event=f.event,
            check=f.check,
            location=f.location,
            path=f.path,
            severity=f.severity,
            message=f.message,
            source=f.source,
            faults=f.faults,
        )
        for f in run.failures
    ]
    items += [
        Item(event=STATIC_EVENT, check=s.check, location=s.rule, path=s.rule, severity=s.severity, message=s.message)
        for s in run.static
    ]
    out: dict[Key, Item] = {}
    for i in sorted(items, key=lambda i: (i.key, i.message)):
        out.setdefault(i.key, i)
    return out


def _order(items: list[Item]) -> tuple[Item, ...]:
    return tuple(sorted(items, key=lambda i: (i.severity != Severity.ERROR, i.key)))


def compare(old: RunResult, new: RunResult) -> Comparison:
    """What changed from ``old`` to ``new``; failures are matched by (event, check, location)."""
    a, b = _items(old), _items(new)
    olds = {e.name: e for e in v.events(old)}
    news = {e.name: e for e in v.events(new)}
    changes = []
    for name in sorted(set(olds) | set(news)):
        o, n = olds.get(name), news.get(name)
        om = (set(o.enum.missing), set(o.optional.missing)) if o else (set(), set())
        nm = (set(n.enum.missing), set(n.optional.missing)) if n else (set(), set())
        changes.append(
            CoverageChange(
                event=name,
                old=o,
                new=n,
                enum_newly_missing=tuple(sorted(nm[0] - om[0])) if o else (),
                enum_newly_covered=tuple(sorted(om[0] - nm[0])) if n else (),
                optional_newly_missing=tuple(sorted(nm[1] - om[1])) if o else (),
                optional_newly_covered=tuple(sorted(om[1] - nm[1])) if n else (),
            )
        )
    gone = a.keys() - b.keys()

    def covered(i: Item) -> bool:  # did NEW look where OLD's failure was?
        if new.reason:
            return False
        return i.event == STATIC_EVENT or i.event in new.events

    return Comparison(
        old=old,
        new=new,
        fixed=_order([a[k] for k in gone if covered(a[k])]),
        not_covered=_order([a[k] for k in gone if not covered(a[k])]),
        regressed=_order([b[k] for k in b.keys() - a.keys()]),
        still_failing=_order([b[k] for k in a.keys() & b.keys()]),
        coverage=tuple(changes),
    )


def _where(i: Item) -> str:
    return (
        f"{i.check} in {i.event}"
        + (f" at {i.path or i.location}" if i.path or i.location else "")
        + (f" ({i.source})" if i.source else "")
        + (f" ({faults_sentence(i.faults)})" if i.faults else "")
    )


def _ratio(e: v.EventView | None, kind: str) -> str:
    return "-" if e is None else getattr(e, kind).ratio()


def _pct(e: v.EventView | None) -> str:
    return "not run" if e is None else v.fmt_percent(e.percent)


def _delta(c: CoverageChange) -> str:
    d = c.delta
    return "" if d is None or abs(d) < 0.05 else f" ({d:+.1f} points)"


def _verdict(r: RunResult) -> str:
    return v.verdict_word(r).lower()


def render_text(c: Comparison) -> str:
    lines = [
        f"verdict: {_verdict(c.old)} -> {_verdict(c.new)}   "
        f"(old: {c.old.handler.get('target')} seed={c.old.seed}; new: {c.new.handler.get('target')} seed={c.new.seed})",
        f"fixed={len(c.fixed)} regressed={len(c.regressed)} (errors={c.regressed_errors}) still_failing={len(c.still_failing)}"
        + (f" not_covered={len(c.not_covered)}" if c.not_covered else ""),
    ]
    if c.new.reason:
        lines.append(f"new run could not check the handler: {printable(c.new.reason)}")
    for title, mark, items in (
        ("regressed", "+", c.regressed),
        ("fixed", "-", c.fixed),
        ("still failing", "=", c.still_failing),
        ("not covered by the new run", "?", c.not_covered),
    ):
        if items:
            lines.append(f"{title}:")
            lines += [f"  {mark} [{i.severity}] {_where(i)}: {printable(i.message)}" for i in items]
    lines.append("coverage:")
    for ch in c.coverage:
        lines.append(
            f"  {ch.event}: {_pct(ch.old)} -> {_pct(ch.new)}{_delta(ch)}; enum {_ratio(ch.old, 'enum')} -> {_ratio(ch.new, 'enum')}, "
            f"optional {_ratio(ch.old, 'optional')} -> {_ratio(ch.new, 'optional')}"
        )
        for label, values in (
            ("newly missing enum values", ch.enum_newly_missing),
            ("newly covered enum values", ch.enum_newly_covered),
            ("newly missing optional-field presences", ch.optional_newly_missing),
            ("newly covered optional-field presences", ch.optional_newly_covered),
        ):
            if values:
                lines.append(f"    {label}: {', '.join(values)}")
    return "\n".join(lines) + "\n"


def render_md(c: Comparison) -> str:
    icon = "❌" if c.exit_code else "✅"
    parts = [
        f"# {icon} {len(c.regressed)} regressed, {len(c.fixed)} fixed",
        f"Verdict **{_verdict(c.old)}** → **{_verdict(c.new)}** · old {code(str(c.old.handler.get('target')))} "
        f"(seed {c.old.seed}) · new {code(str(c.new.handler.get('target')))} (seed {c.new.seed})",
    ]
    if c.new.reason:
        parts.append(f"> **⛔ The new run could not check the handler:** {md_text(c.new.reason)}")
    for title, items in (
        ("Regressed", c.regressed),
        ("Fixed", c.fixed),
        ("Still failing", c.still_failing),
        ("Not covered by the new run", c.not_covered),
    ):
        if title.startswith("Not covered") and not items:
            continue
        parts.append(f"## {title} ({len(items)})")
        if not items:
            parts.append("None.")
            continue
        rows = [
            f"| {i.severity} | {code(i.check)} | {code(i.event)} | {code(i.path or i.location) if i.path or i.location else ''}"
            f"{' ' + code(i.source) if i.source else ''}{' ' + md_text(faults_sentence(i.faults)) if i.faults else ''} "
            f"| {md_text(i.message)} |"
            for i in items
        ]
        parts.append("| Severity | Check | Event | At | Message |\n| --- | --- | --- | --- | --- |\n" + "\n".join(rows))
    parts.append("## Coverage")
    rows = []
    for ch in c.coverage:
        notes = []
        if ch.enum_newly_missing or ch.optional_newly_missing:
            notes.append("newly missing: " + ", ".join(code(x) for x in ch.enum_newly_missing + ch.optional_newly_missing))
        if ch.enum_newly_covered or ch.optional_newly_covered:
            notes.append("newly covered: " + ", ".join(code(x) for x in ch.enum_newly_covered + ch.optional_newly_covered))
        rows.append(
            f"| {code(ch.event)} | {_pct(ch.old)} → {_pct(ch.new)}{_delta(ch)} | {_ratio(ch.old, 'enum')} → {_ratio(ch.new, 'enum')} "
            f"| {_ratio(ch.old, 'optional')} → {_ratio(ch.new, 'optional')} | {'; '.join(notes)} |"
        )
    parts.append(
        "| Event | Coverage | Enum values | Optional fields | Changes |\n| --- | --- | --- | --- | --- |\n" + "\n".join(rows)
    )
    return "\n\n".join(parts) + "\n"


def render_json(c: Comparison) -> str:
    return json.dumps(c.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "md": render_md, "json": render_json}
