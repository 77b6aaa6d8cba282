"""junit.xml: one testsuite per event, one testcase per check family; the shape Jenkins, GitLab and pytest read."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from ..core.results import Failure, RunResult, Severity
from . import _view as v

STATIC_SUITE = "handler source (deploy rules)"
RUN_SUITE = "run"
SNAPSHOT_SUITE = "snapshots"
FIXTURES_SUITE = "missing fixtures"
_MESSAGE_CHARS = 500
_BODY_PAYLOAD_CHARS = 10_000
# XML 1.0 cannot carry most control characters at all (not even escaped); handler logs often have them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(s: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def case_checks() -> list[str]:
    """Ids of the checks that run on cases (not the static ones), in registry order."""
    from ..verify.checks import CHECKS  # lazy: the registry pulls in the handler layer

    return [c.id for c in CHECKS if c.fn is not None]


def static_checks() -> list[str]:
    from ..verify.checks import CHECKS

    return [c.id for c in CHECKS if c.fn is None]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_safe(str(val)) for k, val in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def _failure_text(f: Failure) -> str:
    head = f"[{f.severity}] {f.check} in {f.event}" + (f" at {f.path}" if f.path else "") + (f" ({f.source})" if f.source else "")
    lines = [head, f.message, ""]
    lines += [f"{label}: {value}" for label, value in v.outcome_lines(f)]
    views, more = v.calls(f)
    if views:
        lines += ["", f"external calls ({len(views) + more}):"]
        lines += [f"  {c.n}. {c.name} -> {c.result} [{c.answer}]" for c in views]
        if more:
            lines.append(f"  ... and {more} more, listed in conformance.json")
    if f.stack:
        lines += ["", "stack (the lambda's own frames):", v.stack_text(f)]
    lines += ["", "minimal payload:", v.clip(v.pretty(f.payload), _BODY_PAYLOAD_CHARS, where=f.repro_file or "conformance.json")]
    lines += ["", "result:", v.result_text(f)]
    logs = v.logs_text(f)
    if logs:
        lines += ["", "logs:", logs]
    lines += ["", "repro: " + (f.repro or "(none recorded)")]
    return "\n".join(lines)


def _message(items: list[Failure]) -> str:
    first = v.clip(items[0].message, _MESSAGE_CHARS, where="the failure text")
    return first + (f" (+{len(items) - 1} more distinct failures of this check)" if len(items) > 1 else "")


def _testcase(suite: ET.Element, classname: str, check: str, found: list[Failure]) -> bool:
    """Adds one testcase; True when it fails (has an error-level failure)."""
    case = _sub(suite, "testcase", classname=classname, name=check)
    errors = [f for f in found if f.severity == Severity.ERROR]
    warnings = [f for f in found if f.severity != Severity.ERROR]
    if errors:
        _sub(case, "failure", "\n\n".join(_failure_text(f) for f in errors), type=check, message=_message(errors))
    if warnings:
        # Warnings do not fail the run, so they do not fail the testcase either; CI UIs show system-out.
        _sub(case, "system-out", "\n\n".join(_failure_text(f) for f in warnings))
    return bool(errors)


def render_junit(run: RunResult) -> str:
    """The JUnit XML report (validates against the Jenkins junit-10.xsd that pytest also targets)."""
    by_event: dict[str, dict[str, list[Failure]]] = defaultdict(lambda: defaultdict(list))
    for f in v.ordered_failures(run):
        by_event[f.event][f.check].append(f)
    checks = case_checks()
    root = ET.Element("testsuites", {"name": xml_safe(f"lpf-contract {run.contract_version} {run.handler.get('target', '')}")})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for ev in v.events(run):
        suite = _sub(root, "testsuite", name=ev.name, tests=0, failures=0, errors=0, skipped=0)
        props = _sub(suite, "properties")
        for name, value in (
            ("cases", ev.cases),
            ("failed_cases", ev.failed),
            ("skipped_cases", ev.skipped),
            ("distinct_failures", ev.distinct),
            ("errors", ev.errors),
            ("warnings", ev.warnings),
            ("enum_coverage", ev.enum.ratio()),
            ("optional_coverage", ev.optional.ratio()),
            ("coverage_percent", v.fmt_percent(ev.percent)),
            ("unchecked_cases", ev.unchecked),
            ("contract_version", run.contract_version),
            ("seed", run.seed),
        ):
            _sub(props, "property", name=name, value=value)
        found = by_event.get(ev.name, {})
        ids = checks + sorted(set(found) - set(checks))  # a report from another tool version may name other checks
        failed = sum(_testcase(suite, f"lpf_contract.{run.contract_version}.{ev.name}", c, found.get(c, [])) for c in ids)
        out = []
        if ev.skipped:
            out.append(f"skipped {ev.skipped} cases: {ev.skipped_reason}")
        if ev.unchecked:
            out.append(f"not judged: {v.plural(ev.unchecked, 'case')} made a call no fixture answers")
        if out:
            _sub(suite, "system-out", "\n".join(out))
        suite.set("tests", str(len(ids)))
        suite.set("failures", str(failed))
        totals["tests"] += len(ids)
        totals["failures"] += failed
    if run.static or run.handler.get("kind") == "node":
        suite = _sub(root, "testsuite", name=STATIC_SUITE, tests=0, failures=0, errors=0, skipped=0)
        ids = static_checks() + sorted({s.check for s in run.static} - set(static_checks()))
        failed = 0
        for check in ids:
            case = _sub(suite, "testcase", classname=f"lpf_contract.{run.contract_version}.static", name=check)
            mine = [s for s in run.static if s.check == check]
            errors = [s for s in mine if s.severity == Severity.ERROR]
            body = "\n".join(
                f"[{s.severity}] {s.rule}" + (f" (line {s.line})" if s.line else "") + f": {s.message}" for s in mine
            )
            if errors:
                failed += 1
                _sub(
                    case, "failure", body, type=check, message=v.clip(errors[0].message, _MESSAGE_CHARS, where="the failure text")
                )
            elif mine:
                _sub(case, "system-out", body)
        suite.set("tests", str(len(ids)))
        suite.set("failures", str(failed))
        totals["tests"] += len(ids)
        totals["failures"] += failed
    snap = v.snapshots(run)
    if snap is not None:
        suite = _sub(root, "testsuite", name=SNAPSHOT_SUITE, tests=len(snap.cases), failures=0, errors=0, skipped=0)
        props = _sub(suite, "properties")
        for name, value in snap.counts:
            _sub(props, "property", name=name, value=value)
        failed = 0
        for c in snap.cases:
            case = _sub(suite, "testcase", classname=f"lpf_contract.{run.contract_version}.snapshots.{c.event}", name=c.example)
            body = "\n".join(
                f"{x.get('path', '')} {x.get('kind', '')}: {v.compact(x.get('old'))} -> {v.compact(x.get('new'))}"
                for x in c.changes
            )
            if c.failed:
                failed += 1
                _sub(
                    case,
                    "failure",
                    f"{c.file}\n{body}".strip(),
                    type=f"snapshot-{c.status}",
                    message=f"snapshot {c.status}: {c.file}",
                )
            else:
                _sub(case, "system-out", f"snapshot {c.status}: {c.file}\n{body}".strip())
        suite.set("failures", str(failed))
        totals["tests"] += len(snap.cases)
        totals["failures"] += failed
    missing = v.missing_fixtures(run)
    if missing:  # one erroring testcase per call nothing answered, with the fixture to add in its body
        suite = _sub(root, "testsuite", name=FIXTURES_SUITE, tests=len(missing), failures=0, errors=len(missing), skipped=0)
        for m in missing:
            case = _sub(suite, "testcase", classname=f"lpf_contract.{run.contract_version}.fixtures", name=m.name)
            where = v.plural(m.cases, "case") + (f" in {', '.join(m.events)}" if m.events else "")
            body = f"no fixture for {m.name} (via {m.via}); made by {where}; those cases were not judged"
            if m.yaml:
                body += "\nadd to the fixtures file:\n" + m.yaml
            _sub(case, "error", body, type="no-fixture", message=f"no fixture for {m.name}")
        totals["tests"] += len(missing)
        totals["errors"] += len(missing)
    if run.reason:  # the run could not check the handler: one erroring testcase says why
        suite = _sub(root, "testsuite", name=RUN_SUITE, tests=1, failures=0, errors=1, skipped=0)
        case = _sub(suite, "testcase", classname=f"lpf_contract.{run.contract_version}.run", name="started")
        _sub(case, "error", run.reason, type="could-not-check", message=v.clip(run.reason, _MESSAGE_CHARS, where="the reason"))
        totals["tests"] += 1
        totals["errors"] += 1
    elif run.interrupted:
        suite = _sub(root, "testsuite", name=RUN_SUITE, tests=1, failures=0, errors=1, skipped=0)
        case = _sub(suite, "testcase", classname=f"lpf_contract.{run.contract_version}.run", name="completed")
        _sub(
            case,
            "error",
            "The run was stopped before it finished; re-run verify for complete results.",
            type="interrupted",
            message="run interrupted: results are partial",
        )
        totals["tests"] += 1
        totals["errors"] += 1
    for k, val in totals.items():
        root.set(k, str(val))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
