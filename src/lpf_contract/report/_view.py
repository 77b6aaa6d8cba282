"""What every writer shows, computed once from the model so the four reports agree on their numbers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.results import Failure, RunResult, Severity
from ..core.text import printable
from . import calls as ext

NA = "n/a"


@dataclass(frozen=True, slots=True)
class Tally:
    """One coverage kind (enum values or optional-field presences); ``None`` where the summary lacks it."""

    covered: int | None
    total: int | None
    missing: tuple[str, ...]

    @property
    def percent(self) -> float | None:
        if self.covered is None or not self.total:
            return None
        return 100.0 * self.covered / self.total

    def ratio(self) -> str:
        if self.covered is None or self.total is None:
            return NA
        return f"{self.covered}/{self.total}"


@dataclass(frozen=True, slots=True)
class EventView:
    name: str
    cases: int
    failed: int
    skipped: int
    skipped_reason: str
    distinct: int
    errors: int
    warnings: int
    enum: Tally
    optional: Tally
    percent: float | None
    unchecked: int = 0  # cases run but not judged: a call no fixture answers (issue 17)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _label(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item, sort_keys=True, ensure_ascii=False)


def tally(coverage: Mapping[str, Any], kind: str) -> Tally:
    # The coverage summary is another module's output and old reports may predate it: read defensively.
    part = coverage.get(kind) if isinstance(coverage, Mapping) else None
    if not isinstance(part, Mapping):
        return Tally(None, None, ())
    missing = part.get("missing")
    return Tally(
        _int(part.get("covered")),
        _int(part.get("total")),
        tuple(_label(m) for m in missing) if isinstance(missing, (list, tuple)) else (),
    )


def coverage_percent(coverage: Mapping[str, Any]) -> float | None:
    value = coverage.get("percent") if isinstance(coverage, Mapping) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
        return float(value)
    return None


def fmt_percent(value: float | None) -> str:
    if value is None:
        return NA
    return f"{value:.0f}%" if value in (0.0, 100.0) else f"{value:.1f}%"


def ordered_failures(run: RunResult) -> list[Failure]:
    """Errors before warnings, then by event, check, location: the order every report lists them in."""
    return sorted(run.failures, key=lambda f: (f.severity != Severity.ERROR, f.event, f.check, f.location, f.path, f.message))


def events(run: RunResult) -> list[EventView]:
    views = []
    for name, ev in sorted(run.events.items()):
        mine = [f for f in run.failures if f.event == name]
        views.append(
            EventView(
                name=name,
                cases=ev.cases,
                failed=ev.failed,
                skipped=ev.skipped,
                skipped_reason=ev.skipped_reason,
                distinct=len(mine),
                errors=sum(1 for f in mine if f.severity == Severity.ERROR),
                warnings=sum(1 for f in mine if f.severity == Severity.WARNING),
                enum=tally(ev.coverage, "enum"),
                optional=tally(ev.coverage, "optional"),
                percent=coverage_percent(ev.coverage),
                unchecked=_int(getattr(ev, "unchecked", 0)) or 0,
            )
        )
    return views


def verdict_word(run: RunResult) -> str:
    """PASS, FAIL, ERROR (could not check) or INTERRUPTED: an interrupted run fails, but says why."""
    if run.verdict == "error":
        return "ERROR"
    if run.interrupted:
        return "INTERRUPTED"
    return run.verdict.upper()


def headline(run: RunResult) -> str:
    errors = sum(1 for f in run.failures if f.severity == Severity.ERROR)
    warnings = len(run.failures) - errors
    static_errors = sum(1 for s in run.static if s.severity == Severity.ERROR)
    parts = [
        plural(run.cases, "case"),
        f"{run.failed} failed",
        f"{plural(len(run.failures), 'distinct failure')} ({plural(errors, 'error')}, {plural(warnings, 'warning')})",
    ]
    if run.static:
        parts.append(f"{plural(len(run.static), 'deploy-rule finding')} ({plural(static_errors, 'error')})")
    return ", ".join(parts)


def verdict_sentence(run: RunResult) -> str:
    target = run.handler.get("target", "?")
    if run.verdict == "error":
        return f"{target} could not be checked against contract {run.contract_version}: {run.reason}"
    if run.interrupted:
        return f"The run of {target} against contract {run.contract_version} was interrupted: the results below are partial."
    if run.verdict == "pass":
        return f"{target} conforms to contract {run.contract_version}: no error-level failure."
    # A run can fail and also have cases it could not check (a call without a fixture, issue 17).
    also = f" Some cases could not be checked: {run.reason}" if run.reason else ""
    return f"{target} does not conform to contract {run.contract_version}: see the failures below.{also}"


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def outcome_lines(f: Failure) -> list[tuple[str, str]]:
    """(label, value) pairs describing what the handler did, for the writers to lay out."""
    rows = []
    if f.faults:
        rows.append(("external calls", ext.faults_sentence(f.faults) + " (--http-faults)"))
    if f.source:
        rows.append(("in the lambda", f.source))
    if f.fault:
        rows.append(("fault", f.fault))
    if f.error_code:
        rows.append(("error code", f.error_code))
    if f.error_message:
        rows.append(("error message", printable(f.error_message)))
    if f.path:
        rows.append(("at", f.path))
    if f.schema_path:
        rows.append(("schema", f.schema_path))
    rows.append(("seen in", plural(f.occurrences, "case")))
    budget = " (stopped on its budget: a smaller payload may exist)" if f.shrink_exhausted else ""
    if f.shrunk:
        rows.append(("shrunk", f"yes, in {plural(f.shrink_steps, 'step')}{budget}"))
    else:
        rows.append(("shrunk", f"no ({f.shrink_skipped})" if f.shrink_skipped else "no"))
    if f.variant:
        rows.append(("first found by", f.variant))
    return rows


@dataclass(frozen=True, slots=True)
class CallView:
    """One external call of a failure's shown case, as every writer lays it out."""

    n: int
    name: str  # POST https://... (via fetch) | Toolbelt.ConversationUtil().getConversationById
    answer: str  # who answered: fixture "mail ok", the real host, injected fault 5xx, ...
    result: str  # 200 | ECONNREFUSED ... | -
    no_fixture: bool


CALLS_SHOWN = 25  # per failure; the rest are counted (all of them are in conformance.json)


def calls(f: Failure) -> tuple[list[CallView], int]:
    """The failure's external calls in call order (at most CALLS_SHOWN) and how many more there were."""
    items = ext.calls_of(f.calls)
    views = [
        CallView(i, ext.call_name(x), ext.call_answer(x), ext.call_result(x), x.get("answer") == "no-fixture")
        for i, x in enumerate(items[:CALLS_SHOWN], 1)
    ]
    return views, max(0, len(items) - CALLS_SHOWN)


@dataclass(frozen=True, slots=True)
class MissingView:
    """One call no fixture answered (``RunResult.missing_fixtures``), with the entry to add."""

    name: str
    via: str
    cases: int
    events: tuple[str, ...]
    yaml: str  # the suggested fixture entry, a YAML block with its list key (empty: no suggestion)


def missing_fixtures(run: RunResult) -> list[MissingView]:
    return [
        MissingView(
            name=ext.missing_name(m),
            via=printable(str(m.get("via") or "")),
            cases=ext.missing_cases(m),
            events=tuple(ext.missing_events(m)),
            yaml=ext.suggestion_yaml(m.get("suggestion")),
        )
        for m in ext.missing_fixtures(run.missing_fixtures)
    ]


def unchecked_total(run: RunResult) -> int:
    return sum(_int(getattr(e, "unchecked", 0)) or 0 for e in run.events.values())


def missing_sentence(run: RunResult) -> str:
    """Why the listed cases were not judged, and what to do; empty when nothing was missing."""
    missing = missing_fixtures(run)
    if not missing and not unchecked_total(run):
        return ""
    n = unchecked_total(run)
    return (
        f"{plural(n, 'case') if n else 'Cases'} made a call that no fixture answers "
        f"({plural(len(missing), 'distinct call')}): what the lambda did next says nothing about it, so "
        "those cases were not judged. Add each entry below to the fixtures file (--fixtures) and run again."
    )


def stack_text(f: Failure) -> str:
    """The error's stack, trimmed to the lambda's own frames; empty when there is none."""
    return printable(f.stack) if f.stack else ""


def result_text(f: Failure) -> str:
    return pretty(f.result) if f.has_result else "(no result)"


def logs_text(f: Failure) -> str:
    return "\n".join(printable(f"[{log.get('level', '?')}] {log.get('text', '')}") for log in f.logs)


def clip(text: str, limit: int, *, where: str) -> str:
    """Cut ``text`` to about ``limit`` characters with a visible note saying where the rest is."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… truncated: {len(text) - limit} more characters; the full text is in {where}"


# -- snapshot runs ----------------------------------------------------------------------------------
SNAPSHOT_COUNTS = ("checked", "matched", "changed", "missing", "orphaned", "created", "updated", "pruned", "unchecked")
SNAPSHOT_FAILING = frozenset({"changed", "missing", "orphaned", "unchecked"})


@dataclass(frozen=True, slots=True)
class SnapshotCaseView:
    event: str
    example: str
    status: str
    file: str
    changes: tuple[Mapping[str, Any], ...]
    missing: tuple[Mapping[str, Any], ...] = ()  # unchecked: the calls no fixture answered (issue 17)

    @property
    def failed(self) -> bool:
        return self.status in SNAPSHOT_FAILING


@dataclass(frozen=True, slots=True)
class SnapshotView:
    verdict: str
    counts: tuple[tuple[str, int], ...]
    cases: tuple[SnapshotCaseView, ...]


def snapshots(run: RunResult) -> SnapshotView | None:
    """The snapshot part of a run (``lpf_contract.snapshot.model.SnapshotReport.to_dict()``), read defensively."""
    s = run.snapshots
    if not isinstance(s, Mapping):
        return None
    cases = []
    for c in s.get("cases") or ():
        if not isinstance(c, Mapping):
            continue
        changes = tuple(x for x in c.get("changes") or () if isinstance(x, Mapping))
        missing = tuple(x for x in c.get("missing_fixtures") or () if isinstance(x, Mapping))
        cases.append(
            SnapshotCaseView(
                str(c.get("event", "?")),
                str(c.get("example", "?")),
                str(c.get("status", "?")),
                str(c.get("file", "")),
                changes,
                missing,
            )
        )
    cases.sort(key=lambda c: (not c.failed, c.event, c.example, c.status))
    verdict = s.get("verdict")
    if verdict not in ("pass", "fail"):
        verdict = "fail" if any(c.failed for c in cases) else "pass"
    # "unchecked" only when some were: older reports and runs without fixture gaps show what they did.
    counts = tuple((k, s[k]) for k in SNAPSHOT_COUNTS if _int(s.get(k)) is not None and (k != "unchecked" or s[k]))
    return SnapshotView(verdict, counts, tuple(cases))


def snapshot_change_texts(case: SnapshotCaseView) -> list[str]:
    """Plain-text notes beside a snapshot case's changes: for an unchecked one, the calls nothing answered."""
    return [f"not compared: no fixture for {ext.missing_name(m)}" for m in case.missing]


def compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def severity_policy(run: RunResult) -> str:
    """One line: what fails the run and every check whose severity is not the default, with its source
    (``fails on error (default); multiple-results: error (flag), duplicate-command: ignored (config)``)."""
    if run.severity is None:
        return ""
    fail_on = run.severity.get("fail_on") or {}
    changed = [
        f"{cid}: {s.get('severity')} ({s.get('source')})"
        for cid, s in sorted((run.severity.get("checks") or {}).items())
        if s.get("source") != "default"
    ]
    head = f"fails on {fail_on.get('severity', 'error')} ({fail_on.get('source', 'default')})"
    return head + ("; " + ", ".join(changed) if changed else "; every check at its default severity")
