"""Named checks over one case (event, payload, Outcome). Plain functions in an explicit registry."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform
from ..core.catalogue import Catalogue
from ..core.outcome import PLATFORM_ERROR_CODES, FaultKind, Outcome
from ..core.results import Finding, Severity


@dataclass(frozen=True, slots=True)
class CaseContext:
    event: str
    payload: Any
    outcome: Outcome
    registry: Any  # lpf_contract.contracts.registry.Registry
    result_uri: str
    # What the platform does with the result (registry.yaml result_policy): "acted-on" or "ignored".
    result_policy: str = "acted-on"
    source_path: Path | None = None  # the lambda's own file: its stack frames locate a crash


CheckFn = Callable[[CaseContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    severity: Severity
    description: str
    fn: CheckFn | None  # None for static checks, which run on the handler's source, not on cases


class CheckRegistry(Catalogue[Check]):
    """The checks every case goes through, by id (``CHECKS``)."""

    def __init__(self) -> None:
        super().__init__("check")

    def register(self, id: str, *, severity: Severity, description: str) -> Callable[[CheckFn], CheckFn]:
        def decorate(fn: CheckFn) -> CheckFn:
            self.add(Check(id, severity, description, fn))
            return fn

        return decorate

    def run(self, ctx: CaseContext) -> list[Finding]:
        # Every check judges what the platform acts on: the first result (see first_result_view).
        ctx = dataclasses.replace(ctx, outcome=first_result_view(ctx.outcome))
        findings: list[Finding] = []
        for check in self:
            if check.fn is not None:
                findings.extend(check.fn(ctx))
        return findings


CHECKS = CheckRegistry()
_DIGITS = re.compile(r"/\d+(?=/|$)")


def _loc(path: str) -> str:
    # Two failures at /3/text and /0/text are the same failure: array indices do not count.
    return _DIGITS.sub("/*", path)


@CHECKS.register(
    "response-schema",
    severity=Severity.ERROR,
    description=(
        "The result breaks the event's result contract, or there is no result at all where the result schema "
        "does not allow that (x-lpf-no-result); only where the event's result_policy is acted-on (an ignored "
        "result cannot break anything)."
    ),
)
def response_schema(ctx: CaseContext) -> Iterator[Finding]:
    out = ctx.outcome
    if out.fault not in (None, FaultKind.MULTIPLE_RESULTS):
        return
    if ctx.result_policy == "ignored":
        # The platform discards the result (developer-center EventSources/post-conversation-survey-legacy.md:
        # "The Survey Bot will not process any callback payload"): no result, "Hello" or a malformed
        # command cannot fail anything. Commands it would have executed get ignored-commands instead.
        return
    if not out.has_result:
        if ctx.registry.no_result_allowed(ctx.result_uri):
            # The result schema says no result is a documented choice (x-lpf-no-result allowed: the
            # automatic-messages page, callback() sends the account's default automatic message).
            return
        # Name what this event wants: the result schema's title (per event since issue 20).
        wants = str(ctx.registry.schema(ctx.result_uri).get("title") or ctx.result_uri)
        yield Finding(
            check="response-schema",
            severity=Severity.ERROR,
            message=f"no result: the handler ended without a result; event={ctx.event} wants a result ({wants}; V1: callback(null, result))",
            location="no-result",
        )
        return
    if ctx.registry.fast_validator(ctx.result_uri).is_valid(out.result):
        return
    for err in ctx.registry.errors(ctx.result_uri, out.result):
        yield Finding(
            check="response-schema",
            severity=Severity.ERROR,
            message=f"result at {err.path or '/'}: {err.message}",
            path=err.path,
            schema_path=err.schema_path,
            location=_loc(err.path),
        )


@CHECKS.register(
    "ignored-commands",
    severity=Severity.WARNING,
    description=(
        "The handler returns commands for an event whose result_policy is ignored (the survey events: "
        "the Survey Bot processes no callback payload): they will not happen."
    ),
)
def ignored_commands(ctx: CaseContext) -> Iterator[Finding]:
    out = ctx.outcome
    if ctx.result_policy != "ignored" or out.fault not in (None, FaultKind.MULTIPLE_RESULTS) or not out.has_result:
        return
    if out.result == "ok" or out.result == []:
        return  # an acknowledgement, or nothing asked for: nothing is lost
    if not ctx.registry.fast_validator(ctx.result_uri).is_valid(out.result):
        return  # not commands at all ("Hello", null, ...): harmless where results are ignored
    commands = out.result if isinstance(out.result, list) else [out.result]
    kinds = ", ".join(str(c.get("type")) for c in commands if isinstance(c, dict))
    yield Finding(
        check="ignored-commands",
        severity=Severity.WARNING,
        message=(
            f"the result holds commands ({kinds}) but event={ctx.event} ignores results "
            "(the Survey Bot processes no callback payload): they will not happen"
        ),
        location="commands",
    )


def _fault_finding(
    check: str, ctx: CaseContext, kinds: tuple[FaultKind, ...], what: str, *, location: str | None = None
) -> Iterator[Finding]:
    out = first_result_view(ctx.outcome)
    if out.fault not in kinds:
        return
    parts = [what]
    if out.error_code:
        parts.append(f"code={out.error_code}")
    if out.error_message:
        parts.append(f"message={out.error_message.splitlines()[0][:300]!r}")
    for key in ("exit_code", "signal", "status"):
        if out.details.get(key) is not None:
            parts.append(f"{key}={out.details[key]}")
    frame = lambda_frame(out.details.get("stack") or "", ctx.source_path)
    file, line = (frame.file, frame.line) if frame else (None, None)
    if frame is None and isinstance(out.details.get("line"), int) and ctx.source_path is not None:
        # A load-phase fault names its line even when its stack has no frame of the lambda's file.
        file, line = ctx.source_path.name, out.details["line"]
    if line is not None:
        parts.append(f"at {file}:{line}")
    yield Finding(
        check=check,
        severity=CHECKS[check].severity,
        message=", ".join(parts),
        location=location if location is not None else str(out.fault),
        file=file,
        line=line,
        stack=trim_stack(out.details.get("stack") or "", ctx.source_path),
    )


# -- where a crash happened -------------------------------------------------------------------------
# A V1 lambda that answered more than once: "anything after the first callback is ignored" (LivePerson's
# docs, platform-facts.md "The handler"), so a first result that is an error or not JSON is the failure,
# and the later callbacks only a warning (what the platform does with them is not documented: decided here).
_FIRST_FAULTS = frozenset({FaultKind.CUSTOM_FAILURE, FaultKind.RUNTIME_EXCEPTION, FaultKind.NOT_SERIALIZABLE})
_FIRST_ERROR = re.compile(r"\(the first one was an error: (.*)\)\s*\Z", re.S)


def first_result_view(out: Outcome) -> Outcome:
    """``out`` as the platform acts on it: when a lambda answered more than once and its FIRST result
    was an error or not JSON, that fault (not ``multiple-results``) is the outcome's fault.

    The later results stay visible to the ``multiple-results`` warning through
    ``details["multiple_results"]`` (the worker's message about them in ``details["multiple_results_message"]``).
    Idempotent; any other outcome is returned unchanged.
    """
    first = out.details.get("first_fault")
    if out.fault != FaultKind.MULTIPLE_RESULTS or first not in {k.value for k in _FIRST_FAULTS}:
        return out
    kind = FaultKind(first)
    raw = out.error_message or ""
    # worker.protocol.outcome_from_reply appends the first error's "Name: message" to its multiple-results message.
    m = _FIRST_ERROR.search(raw)
    return dataclasses.replace(
        out,
        fault=kind,
        error_code=PLATFORM_ERROR_CODES.get(kind),
        error_message=m.group(1) if m else raw or None,
        details={**out.details, "multiple_results": True, "multiple_results_message": raw},
    )


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame in the lambda's own file."""

    file: str  # the file's base name, e.g. index.js (reports must not depend on where the file lives)
    line: int
    column: int | None
    function: str  # "" for anonymous frames

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


# V8: "    at lambda (/abs/index.js:4:13)", "    at /abs/index.js:4:13", "    at async lambda (file:///abs/index.js:4:13)"
_JS_FRAME = re.compile(r"^\s*at (?:(?P<fn>.*?) \()?(?:file://)?(?P<file>[^()\s][^()]*?):(?P<line>\d+):(?P<col>\d+)\)?\s*$")
# CPython: '  File "/abs/handler.py", line 4, in handle'
_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>\S+)\s*$')
_RUNNER_DIR = Path(__file__).resolve().parents[1] / "handlers"


def _is_lambda_file(file: str, source_path: Path | None) -> bool:
    if source_path is not None:
        return file == str(source_path)
    # Without the lambda's path (a report read back, an adapter that has none), anything that is not
    # the runtime's own code or a module counts as the lambda's.
    return (
        file.startswith("/")
        and not file.startswith(str(_RUNNER_DIR))
        and "/node_modules/" not in file
        and "/lib/python" not in file
    )


def lambda_frames(stack: str, source_path: Path | None) -> list[Frame]:
    """The frames of ``stack`` (V8 or CPython format) inside the lambda's own file, innermost first."""
    frames: list[Frame] = []
    python = False
    for line in stack.splitlines():
        m = _JS_FRAME.match(line)
        if m is None:
            m = _PY_FRAME.match(line)
            python = python or m is not None
        if m is None or not _is_lambda_file(m.group("file"), source_path):
            continue
        col = m.groupdict().get("col")
        fn = (m.group("fn") or "").removeprefix("async ").strip()
        frames.append(Frame(Path(m.group("file")).name, int(m.group("line")), int(col) if col else None, fn))
    # A Python traceback lists the innermost frame last.
    return frames[::-1] if python else frames


def lambda_frame(stack: str, source_path: Path | None) -> Frame | None:
    """The innermost frame of ``stack`` inside the lambda's own file: where the lambda failed."""
    frames = lambda_frames(stack, source_path)
    return frames[0] if frames else None


def trim_stack(stack: str, source_path: Path | None) -> str:
    """The error line(s) of ``stack`` and only the frames in the lambda's own file (base names only).

    The runner's, Node's and the modules' frames say nothing to the lambda's author; absolute paths
    would make reports differ from one machine to the next.
    """
    if not stack:
        return ""
    head: list[str] = []
    for line in stack.splitlines():
        if _JS_FRAME.match(line) or _PY_FRAME.match(line) or line.startswith("Traceback ("):
            break
        head.append(line.rstrip())
    frames = lambda_frames(stack, source_path)
    lines_ = stack.splitlines()
    if any(_PY_FRAME.match(x) for x in lines_) and not any(_JS_FRAME.match(x) for x in lines_):
        # CPython puts the error line last.
        last = stack.rstrip().splitlines()[-1:]
        head = [x.rstrip() for x in last]
    lines = head[:3] + [
        f"    at {f.function + ' ' if f.function else ''}({f.file}:{f.line}{f':{f.column}' if f.column else ''})" for f in frames
    ]
    return "\n".join(lines)


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`\\]|\\.)*`")
_NUMBER = re.compile(r"(?<![A-Za-z_$])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def normalise_message(message: str) -> str:
    """An error message with its variable parts replaced: quoted values by ``<s>``, numbers by ``<n>``.

    ``Cannot read properties of undefined (reading 'x')`` and ``... (reading 'y')`` thrown on one line
    are one failure; the same message on two lines is two (the line is part of the identity).
    """
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return _NUMBER.sub("<n>", _QUOTED.sub("<s>", first))[:200]


def crash_identity(out: Outcome, source_path: Path | None) -> str:
    """What makes two handler errors the same failure: fault kind, error class and normalised
    message, and the innermost frame in the lambda's own file; e.g.
    ``runtime-exception: TypeError: Cannot read properties of undefined (reading <s>) @ index.js:4``.
    """
    frame = lambda_frame(out.details.get("stack") or "", source_path)
    if frame is None and out.details.get("phase") == "load" and isinstance(out.details.get("line"), int):
        where = f"{source_path.name if source_path else 'lambda'}:{out.details['line']}"
    else:
        where = frame.where if frame else ""
    text = f"{out.fault}: {normalise_message(out.error_message or '')}".rstrip(": ")
    if out.details.get("phase") == "load":
        text = f"load {text}"
    return f"{text} @ {where}" if where else text


@CHECKS.register(
    "handler-error",
    severity=Severity.ERROR,
    description="The handler failed: callback(error), a rejected promise, a thrown error, a runtime exception, a crashed worker, or an unreachable/ill-behaved HTTP endpoint.",
)
def handler_error(ctx: CaseContext) -> Iterator[Finding]:
    kinds = (
        FaultKind.CUSTOM_FAILURE,
        FaultKind.RUNTIME_EXCEPTION,
        FaultKind.CRASH,
        FaultKind.CONNECTION_ERROR,
        FaultKind.BAD_RESPONSE,
    )
    out = first_result_view(ctx.outcome)
    what = (
        {
            FaultKind.CUSTOM_FAILURE: "the handler reported an error (custom failure)",
            FaultKind.RUNTIME_EXCEPTION: "the handler threw a runtime exception",
            FaultKind.CRASH: "the handler's worker process died",
            FaultKind.CONNECTION_ERROR: "the HTTP endpoint could not be reached",
            FaultKind.BAD_RESPONSE: "the HTTP endpoint answered something that is not the invocation API's",
        }.get(out.fault, "")
        if out.fault is not None
        else ""
    )
    if out.details.get("phase") == "load":
        what = "the lambda's top-level code throws while loading, so every invocation fails on the platform whatever the payload"
    if out.details.get("multiple_results"):
        what += " in its first result (the platform acts on the first; later results are the multiple-results warning)"
    yield from _fault_finding("handler-error", ctx, kinds, what, location=crash_identity(out, ctx.source_path))


@CHECKS.register(
    "timeout",
    severity=Severity.ERROR,
    description="No result within the time limit (the platform kills the function after 30 s).",
)
def timeout(ctx: CaseContext) -> Iterator[Finding]:
    limit = ctx.outcome.details.get("timeout_ms")
    if ctx.outcome.details.get("never_called"):
        # Known at once (nothing was left pending), but the platform would still time out.
        yield from _fault_finding(
            "timeout",
            ctx,
            (FaultKind.TIMEOUT,),
            "the callback was never called and nothing was pending",
            location="timeout: never called",
        )
        return
    yield from _fault_finding(
        "timeout", ctx, (FaultKind.TIMEOUT,), "no result within the time limit" + (f" timeout_ms={limit}" if limit else "")
    )


@CHECKS.register(
    "multiple-results",
    severity=Severity.WARNING,
    description="The handler answered more than once (a second callback); the platform ignores all but the first.",
)
def multiple_results(ctx: CaseContext) -> Iterator[Finding]:
    out = first_result_view(ctx.outcome)
    if out.details.get("multiple_results"):
        # The first result was a fault (reported by its own check); this warns about what followed.
        raw = out.details.get("multiple_results_message") or ""
        yield Finding(
            check="multiple-results",
            severity=CHECKS["multiple-results"].severity,
            message="more than one result; only the first counts, and it was a fault"
            + (f", message={raw.splitlines()[0][:300]!r}" if raw else ""),
            location=str(FaultKind.MULTIPLE_RESULTS),
        )
        return
    yield from _fault_finding(
        "multiple-results", ctx, (FaultKind.MULTIPLE_RESULTS,), "more than one result; only the first counts"
    )


@CHECKS.register(
    "not-serializable",
    severity=Severity.ERROR,
    description="The result is not JSON (circular, a function, undefined in an array, NaN).",
)
def not_serializable(ctx: CaseContext) -> Iterator[Finding]:
    what = "the result cannot be serialized as JSON"
    if first_result_view(ctx.outcome).details.get("multiple_results"):
        what = "the first result cannot be serialized as JSON (the platform acts on the first; later results are the multiple-results warning)"
    yield from _fault_finding("not-serializable", ctx, (FaultKind.NOT_SERIALIZABLE,), what)


@CHECKS.register(
    "log-limit",
    severity=Severity.ERROR,
    description=f"More than {platform.MAX_LOG_CALLS} log calls or {platform.MAX_LOG_CHARS} characters of logs in one invocation: the platform fails it.",
)
def log_limit(ctx: CaseContext) -> Iterator[Finding]:
    yield from _fault_finding("log-limit", ctx, (FaultKind.LOG_LIMIT,), "log limit reached")


@CHECKS.register(
    "duplicate-command",
    severity=Severity.WARNING,
    description="The result holds two commands of one type; the platform processes only the first of each type.",
)
def duplicate_command(ctx: CaseContext) -> Iterator[Finding]:
    out = ctx.outcome
    if out.fault not in (None, FaultKind.MULTIPLE_RESULTS) or not isinstance(out.result, list):
        return
    if ctx.result_policy == "ignored":
        return  # none is processed at all: ignored-commands says so once
    seen: dict[str, int] = {}
    for i, cmd in enumerate(out.result):
        kind = cmd.get("type") if isinstance(cmd, dict) else None
        if not isinstance(kind, str):
            continue
        if kind in seen:
            yield Finding(
                check="duplicate-command",
                severity=Severity.WARNING,
                message=f"command type={kind} at /{i} repeats /{seen[kind]}: only the first is processed",
                path=f"/{i}",
                location=kind,
            )
        else:
            seen[kind] = i


CHECKS.add(
    Check(
        "deploy-rules",
        Severity.ERROR,
        "Static save-time rules of the platform: a top-level lambda function, under 100 000 characters, no eval, only available modules, V1 callback referenced.",
        None,
    )
)
CHECKS.add(
    Check(
        "config-input",
        Severity.WARNING,
        "The sample input in a function's config.json (what `lpf invoke --local` sends) breaks the payload contract of its event: it is not run as a case. Decided here: a warning, since lpf's template inputs are placeholders.",
        None,
    )
)


# -- severity policy (--fail-on, --severity, --ignore-check and the config file's keys) ------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityPolicy:
    """Which findings count and at which level, and which level fails the run (like oasdiff's
    ``--fail-on`` and ruff's select/ignore; decided here, LivePerson has no such gate).

    ``overrides``: check id -> (severity, source); ``ignored``: check id -> source; each source is
    ``config`` or ``flag`` (a flag wins over the config file). Checks not named keep their catalogue
    severity (source ``default``).
    """

    overrides: tuple[tuple[str, Severity, str], ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()
    fail_on: Severity = Severity.ERROR
    fail_on_source: str = "default"

    def severity(self, check: str) -> Severity | None:
        """The effective severity of ``check``; None when it is ignored."""
        if check in dict(self.ignored):
            return None
        for cid, sev, _ in self.overrides:
            if cid == check:
                return sev
        return CHECKS[check].severity if check in CHECKS else None

    def apply(self, findings: Iterable[Any]) -> list[Any]:
        """Findings (``Finding`` or ``StaticFinding``) with ignored checks dropped and severities replaced."""
        out = []
        for f in findings:
            sev = self.severity(f.check) if f.check in CHECKS else f.severity
            if sev is None:
                continue
            out.append(f if sev == f.severity else dataclasses.replace(f, severity=sev))
        return out

    def describe(self) -> dict[str, Any]:
        """What the reports show: fail-on and every check's effective severity with where it came from."""
        over = {cid: (str(sev), src) for cid, sev, src in self.overrides}
        ign = dict(self.ignored)
        checks = {}
        for c in CHECKS:
            if c.id in ign:
                checks[c.id] = {"severity": "ignored", "source": ign[c.id]}
            elif c.id in over:
                checks[c.id] = {"severity": over[c.id][0], "source": over[c.id][1]}
            else:
                checks[c.id] = {"severity": str(c.severity), "source": "default"}
        return {"fail_on": {"severity": str(self.fail_on), "source": self.fail_on_source}, "checks": checks}


def severity_policy(
    *,
    flag_severity: Iterable[str] = (),
    flag_ignore: Iterable[str] = (),
    flag_fail_on: str | None = None,
    config_severity: Mapping[str, str] | None = None,
    config_ignore: Iterable[str] = (),
    config_fail_on: str | None = None,
) -> SeverityPolicy:
    """The policy from the flags (``CHECK=error|warning``, ids) over the config file's values.

    Raises UsageError (exit 2) naming an unknown check id or a bad level.
    """
    from ..core.errors import UsageError

    known = CHECKS.ids()

    def check_id(cid: str, what: str) -> str:
        if cid not in CHECKS:
            raise UsageError(f"unknown check id: {what}={cid}; known checks: {', '.join(known)} (see `lpf-contract checks`)")
        return cid

    def level(value: str, what: str) -> Severity:
        if value not in ("error", "warning"):
            raise UsageError(f'bad severity: {what}={value}; expected "error" or "warning"')
        return Severity(value)

    overrides: dict[str, tuple[Severity, str]] = {}
    for cid, lvl in (config_severity or {}).items():
        overrides[check_id(cid, "severity")] = (level(lvl, f"severity.{cid}"), "config")
    for item in flag_severity:
        cid, sep, lvl = item.partition("=")
        if not sep:
            raise UsageError(f"--severity needs CHECK=error|warning (e.g. --severity multiple-results=error), got {item}")
        overrides[check_id(cid, "--severity")] = (level(lvl, f"--severity {cid}"), "flag")
    ignored: dict[str, str] = {check_id(c, "ignore-checks"): "config" for c in config_ignore}
    ignored.update({check_id(c, "--ignore-check"): "flag" for c in flag_ignore})
    fail_on, source = Severity.ERROR, "default"
    if config_fail_on is not None:
        fail_on, source = level(config_fail_on, "fail-on"), "config"
    if flag_fail_on is not None:
        fail_on, source = level(flag_fail_on, "--fail-on"), "flag"
    return SeverityPolicy(
        overrides=tuple((c, s, src) for c, (s, src) in sorted(overrides.items())),
        ignored=tuple(sorted(ignored.items())),
        fail_on=fail_on,
        fail_on_source=source,
    )
