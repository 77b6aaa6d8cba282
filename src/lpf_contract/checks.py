"""Named checks over one case (event, payload, Outcome). Plain functions in an explicit registry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from .handlers.base import FaultKind, Outcome
from .model import Finding, Severity


@dataclass(frozen=True, slots=True)
class CaseContext:
    event: str
    payload: Any
    outcome: Outcome
    registry: Any  # lpf_contract.contracts.Registry
    result_uri: str
    # What the platform does with the result (registry.yaml result_policy): "acted-on" or "ignored".
    result_policy: str = "acted-on"


CheckFn = Callable[[CaseContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    severity: Severity
    description: str
    fn: CheckFn | None  # None for static checks, which run on the handler's source, not on cases


class CheckRegistry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, id: str, *, severity: Severity, description: str) -> Callable[[CheckFn], CheckFn]:
        def decorate(fn: CheckFn) -> CheckFn:
            self.add(Check(id, severity, description, fn))
            return fn

        return decorate

    def add(self, check: Check) -> None:
        if check.id in self._checks:
            raise ValueError(f"duplicate check id={check.id}")
        self._checks[check.id] = check

    def __getitem__(self, id: str) -> Check:
        return self._checks[id]

    def __iter__(self) -> Iterator[Check]:
        return iter(sorted(self._checks.values(), key=lambda c: c.id))

    def __len__(self) -> int:
        return len(self._checks)

    def run(self, ctx: CaseContext) -> list[Finding]:
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
        "The result breaks the result contract (commands.schema.json), or there is no result at all; "
        "only where the event's result_policy is acted-on (an ignored result cannot break anything)."
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
        yield Finding(
            check="response-schema",
            severity=Severity.ERROR,
            message='no result: the handler ended without a result; return "ok" or commands (V1: callback(null, "ok"))',
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


def _fault_finding(check: str, ctx: CaseContext, kinds: tuple[FaultKind, ...], what: str) -> Iterator[Finding]:
    out = ctx.outcome
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
    yield Finding(check=check, severity=CHECKS[check].severity, message=", ".join(parts), location=str(out.fault))


@CHECKS.register(
    "handler-error",
    severity=Severity.ERROR,
    description="The handler failed: callback(error), a rejected promise, a thrown error, a runtime exception, a crashed worker, or an unreachable/ill-behaved HTTP endpoint.",
)
def handler_error(ctx: CaseContext) -> Iterator[Finding]:
    kinds = (FaultKind.CUSTOM_FAILURE, FaultKind.RUNTIME_EXCEPTION, FaultKind.CRASH, FaultKind.CONNECTION_ERROR, FaultKind.BAD_RESPONSE)
    what = {
        FaultKind.CUSTOM_FAILURE: "the handler reported an error (custom failure)",
        FaultKind.RUNTIME_EXCEPTION: "the handler threw a runtime exception",
        FaultKind.CRASH: "the handler's worker process died",
        FaultKind.CONNECTION_ERROR: "the HTTP endpoint could not be reached",
        FaultKind.BAD_RESPONSE: "the HTTP endpoint answered something that is not the invocation API's",
    }.get(ctx.outcome.fault, "")
    yield from _fault_finding("handler-error", ctx, kinds, what)


@CHECKS.register("timeout", severity=Severity.ERROR, description="No result within the time limit (the platform kills the function after 30 s).")
def timeout(ctx: CaseContext) -> Iterator[Finding]:
    limit = ctx.outcome.details.get("timeout_ms")
    yield from _fault_finding("timeout", ctx, (FaultKind.TIMEOUT,), "no result within the time limit" + (f" timeout_ms={limit}" if limit else ""))


@CHECKS.register(
    "multiple-results",
    severity=Severity.WARNING,
    description="The handler answered more than once (a second callback); the platform ignores all but the first.",
)
def multiple_results(ctx: CaseContext) -> Iterator[Finding]:
    yield from _fault_finding("multiple-results", ctx, (FaultKind.MULTIPLE_RESULTS,), "more than one result; only the first counts")


@CHECKS.register(
    "not-serializable",
    severity=Severity.ERROR,
    description="The result is not JSON (circular, a function, undefined in an array, NaN).",
)
def not_serializable(ctx: CaseContext) -> Iterator[Finding]:
    yield from _fault_finding("not-serializable", ctx, (FaultKind.NOT_SERIALIZABLE,), "the result cannot be serialized as JSON")


@CHECKS.register(
    "log-limit",
    severity=Severity.ERROR,
    description="More than 10 log calls or 6000 characters of logs in one invocation: the platform fails it.",
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
