"""The results model: one value every reporter renders (JSON, Markdown, HTML, JUnit)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"  # fails the run
    WARNING = "warning"  # reported, does not fail the run


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One violation found by one check in one case."""

    check: str
    severity: Severity
    message: str
    path: str = ""  # JSON pointer into the data the check looked at (the result, or the payload)
    schema_path: str = ""  # JSON pointer into the schema, where it applies
    location: str = ""  # what makes two findings "the same failure" beside the check id
    file: str | None = None  # the lambda's own file (base name) where it failed, from the error's stack
    line: int | None = None  # 1-based line in ``file``
    stack: str = ""  # the error's stack trimmed to the lambda's own frames


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A distinct failure, shrunk, with what it takes to reproduce it.

    Its identity is :attr:`key`, (event, check, location): verify de-duplicates on it, shrinking keeps
    it, and ``report --compare`` matches runs on it.
    """

    event: str
    check: str
    severity: Severity
    message: str
    path: str
    schema_path: str
    payload: Any
    result: Any
    has_result: bool
    fault: str | None
    error_code: str | None
    error_message: str | None
    logs: tuple[Mapping[str, str], ...]
    repro: str  # one-line command
    repro_file: str  # path of the saved payload, relative to the report dir
    occurrences: int = 1  # cases that showed this failure before shrinking
    shrunk: bool = False
    shrink_steps: int = 0
    shrink_exhausted: bool = False  # shrinking stopped on its budget: a smaller payload may exist
    variant: str = ""  # how the first failing payload was made (systematic variant name or "generated")
    location: str = ""  # the identity beside event and check (Finding.location)
    file: str | None = None  # the lambda's own file (base name) where it failed
    line: int | None = None  # 1-based line in ``file``
    stack: str = ""  # the error's stack trimmed to the lambda's own frames
    shrink_skipped: str = ""  # why shrinking was not attempted (empty when it was, or could not be)
    # The external calls of the shown case (core.outcome.ExternalCall as dicts, sorted keys), and the
    # fault --http-faults injected into every external call of that case ("" when none): issue 17.
    calls: tuple[Mapping[str, Any], ...] = ()
    faults: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.event, self.check, self.location)

    @property
    def source(self) -> str:
        """``index.js:4``: where in the lambda's own file it failed; empty when unknown."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True, kw_only=True)
class EventResult:
    event: str
    cases: int
    failed: int
    skipped: int = 0
    skipped_reason: str = ""
    coverage: Mapping[str, Any] = field(default_factory=dict)
    # Cases run but not judged: the lambda made a call nothing could answer (no fixture); issue 17.
    unchecked: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticFinding:
    """A static deploy-rule violation of the handler's source (not tied to a payload)."""

    check: str
    severity: Severity
    rule: str
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """Everything one verify run found. Deterministic for a seed: no clock times inside."""

    tool: Mapping[str, str]
    contract_version: str
    handler: Mapping[str, Any]
    seed: int
    examples: int
    events: Mapping[str, EventResult]
    failures: tuple[Failure, ...]
    static: tuple[StaticFinding, ...] = ()
    interrupted: bool = False
    snapshots: Mapping[str, Any] | None = None
    # Why the run could not check the handler (exit 2); non-empty makes the verdict "error", so a
    # report directory never keeps an older run's PASS after a run that stopped on bad input.
    reason: str = ""
    # The severity policy the run used (verify.checks.SeverityPolicy.describe()): fail_on and each
    # check's effective severity with its source (default / config / flag). None: the defaults.
    severity: Mapping[str, Any] | None = None
    # Calls without a fixture, one entry per distinct call: {"target", "via", "method", "suggestion",
    # "cases", "events"}; non-empty makes the run unable to judge those cases (issue 17).
    missing_fixtures: tuple[Mapping[str, Any], ...] = ()

    @property
    def fail_on(self) -> str:
        return str(((self.severity or {}).get("fail_on") or {}).get("severity") or Severity.ERROR)

    @property
    def cases(self) -> int:
        return sum(e.cases for e in self.events.values())

    @property
    def failed(self) -> int:
        return sum(e.failed for e in self.events.values())

    @property
    def unchecked(self) -> int:
        """Cases run but not judged (a call had no fixture; issue 17)."""
        return sum(e.unchecked for e in self.events.values())

    @property
    def verdict(self) -> str:
        """``fail`` (exit 1), ``error`` (exit 2: ``reason`` says what could not be checked) or ``pass``.

        A run that found violations fails even when it also could not check everything (cases without
        a fixture, issue 17): what was found is true whatever the unchecked cases hold, and exit 2 reads
        as "the setup is at fault", which must never hide a violated contract (decided here; a pytest
        session with failed and erroring tests exits 1 too). The reason stays in the report.
        """
        failing = (Severity.ERROR, Severity.WARNING) if self.fail_on == Severity.WARNING else (Severity.ERROR,)
        errors = any(f.severity in failing for f in self.failures) or any(s.severity in failing for s in self.static)
        snapshots_failed = self.snapshots is not None and self.snapshots.get("verdict") == "fail"
        if errors or snapshots_failed:
            return "fail"
        if self.reason:
            return "error"
        return "fail" if self.interrupted else "pass"

    def to_dict(self) -> dict[str, Any]:
        """The ``conformance.json`` document (sorted keys when serialized)."""
        failures = [
            _failure_dict(f) for f in sorted(self.failures, key=lambda f: (f.event, f.check, f.location, f.path, f.message))
        ]
        return {
            "tool": dict(self.tool),
            "contract_version": self.contract_version,
            "handler": dict(self.handler),
            "seed": self.seed,
            "examples": self.examples,
            "interrupted": self.interrupted,
            "summary": {
                "cases": self.cases,
                "passed": self.cases - self.failed - self.unchecked,
                "failed": self.failed,
                "distinct_failures": len(self.failures),
                "errors": sum(1 for f in self.failures if f.severity == Severity.ERROR),
                "warnings": sum(1 for f in self.failures if f.severity == Severity.WARNING),
                "verdict": self.verdict,
                **({"unchecked": self.unchecked} if self.unchecked else {}),
            },
            "events": {
                name: {
                    "cases": e.cases,
                    "failed": e.failed,
                    "skipped": e.skipped,
                    "skipped_reason": e.skipped_reason,
                    "coverage": dict(e.coverage),
                    **({"unchecked": e.unchecked} if e.unchecked else {}),
                }
                for name, e in sorted(self.events.items())
            },
            "static": [{**asdict(s), "severity": str(s.severity)} for s in self.static],
            "failures": failures,
            **({"snapshots": dict(self.snapshots)} if self.snapshots is not None else {}),
            **({"reason": self.reason} if self.reason else {}),
            **({"severity": dict(self.severity)} if self.severity is not None else {}),
            **({"missing_fixtures": [plain(m) for m in self.missing_fixtures]} if self.missing_fixtures else {}),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RunResult:
        """Rebuild a run from its ``conformance.json`` document (the inverse of :meth:`to_dict`).

        The ``summary`` block is derived data and is recomputed, not read. Raises ``KeyError`` or
        ``TypeError``/``ValueError`` on a malformed document; validate against the shipped schema first
        for a readable message.
        """
        failures = tuple(
            Failure(
                event=f["event"],
                check=f["check"],
                severity=Severity(f["severity"]),
                message=f["message"],
                path=f.get("path", ""),
                schema_path=f.get("schema_path", ""),
                payload=f.get("payload"),
                result=f.get("result"),
                has_result=bool(f.get("has_result", False)),
                fault=f.get("fault"),
                error_code=f.get("error_code"),
                error_message=f.get("error_message"),
                logs=tuple(dict(x) for x in f.get("logs", ())),
                repro=f.get("repro", ""),
                repro_file=f.get("repro_file", ""),
                occurrences=int(f.get("occurrences", 1)),
                shrunk=bool(f.get("shrunk", False)),
                shrink_steps=int(f.get("shrink_steps", 0)),
                shrink_exhausted=bool(f.get("shrink_exhausted", False)),
                variant=f.get("variant", ""),
                location=f["location"] if "location" in f else _old_location(f),
                file=f.get("file"),
                line=f.get("line"),
                stack=f.get("stack", ""),
                shrink_skipped=f.get("shrink_skipped", ""),
                calls=tuple(dict(c) for c in f.get("calls") or ()),
                faults=str(f.get("faults") or ""),
            )
            for f in doc.get("failures", ())
        )
        return cls(
            tool=dict(doc["tool"]),
            contract_version=doc["contract_version"],
            handler=dict(doc["handler"]),
            seed=int(doc["seed"]),
            examples=int(doc.get("examples", 0)),
            events={
                name: EventResult(
                    event=name,
                    cases=int(e["cases"]),
                    failed=int(e["failed"]),
                    skipped=int(e.get("skipped", 0)),
                    skipped_reason=e.get("skipped_reason", ""),
                    coverage=dict(e.get("coverage") or {}),
                    unchecked=int(e.get("unchecked", 0)),
                )
                for name, e in doc["events"].items()
            },
            failures=failures,
            static=tuple(
                StaticFinding(
                    check=s["check"], severity=Severity(s["severity"]), rule=s["rule"], message=s["message"], line=s.get("line")
                )
                for s in doc.get("static", ())
            ),
            interrupted=bool(doc.get("interrupted", False)),
            snapshots=dict(doc["snapshots"]) if doc.get("snapshots") is not None else None,
            reason=str(doc.get("reason") or ""),
            severity=dict(doc["severity"]) if doc.get("severity") is not None else None,
            missing_fixtures=tuple(dict(m) for m in doc.get("missing_fixtures") or ()),
        )


def _failure_dict(f: Failure) -> dict[str, Any]:
    out = {**asdict(f), "severity": str(f.severity), "logs": [dict(x) for x in f.logs], "calls": [plain(c) for c in f.calls]}
    # Written only when there is something to say (issue 17), so that the reports of runs that made
    # no external call stay byte-for-byte what they were (report --compare reads older ones).
    for key in ("calls", "faults"):
        if not out[key]:
            del out[key]
    return out


def plain(value: Any) -> Any:
    """A JSON value copied into plain dicts and lists (tuples, other mappings converted)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _old_location(f: Mapping[str, Any]) -> str:
    # Reports written before failures carried their location: rebuild the identity that verify used
    # then (the result path with array indices as *, else the fault kind).
    import re

    path = f.get("path") or ""
    if path and f.get("check") != "duplicate-command":
        return re.sub(r"/\d+(?=/|$)", "/*", path)
    if f.get("check") == "response-schema":
        return "no-result"
    if f.get("check") == "duplicate-command":
        m = re.search(r"command type=(\S+)", f.get("message") or "")
        return m.group(1) if m else path
    return f.get("fault") or ""
