"""The verify engine: payload variants -> handler -> checks -> one RunResult."""

from __future__ import annotations

import shlex
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.errors import LambdaSyntaxError, UsageError
from ..core.outcome import CallAnswer, ExternalCall, FaultKind, Outcome, call_name
from ..core.results import EventResult, Failure, Finding, RunResult, Severity, StaticFinding, plain
from .checks import CHECKS, CaseContext, first_result_view
from .options import DEFAULT_TIMEOUT_MS, VerifyOptions, handler_input, resolve_seed

_HANGS = (FaultKind.TIMEOUT, FaultKind.CRASH)
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"})
# Answers that --http-faults can replace by a failure: a fixture's or the network's (issue 17 design,
# "Rules for answers"). Allow-list refusals, secrets and the Context Service (emulated) are not faulted,
# so a case whose calls were all of those has nothing a fault run could change.
_FAULTABLE = frozenset({CallAnswer.FIXTURE, CallAnswer.NETWORK})


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressUpdate:
    """Where a run is: sent after every recorded case and once when an event ends."""

    event: str
    done: int  # cases of the event recorded so far
    total: int  # cases the event has (scenarios + systematic + generated)
    failed: int  # of those, cases with an error-level finding
    run_done: int  # cases of the whole run recorded (or passed over) so far
    run_total: int  # cases of the whole run
    finished: bool = False  # the event is over (its last update)


ProgressFn = Callable[[ProgressUpdate], None]


@dataclass
class _Seen:
    finding: Finding
    payload: Any
    outcome: Outcome
    variant: str
    occurrences: int = 1
    faults: str = ""  # the --http-faults mode the case ran under ("" for a normal run)


@dataclass
class _EventState:
    event: str
    cases: int = 0
    failed: int = 0
    skipped: int = 0
    skipped_reason: str = ""
    total: int = 0  # cases planned for the event (for progress), fault runs included once scheduled
    unchecked: int = 0  # cases run but not judged: a call had no fixture (issue 17)
    fault_runs: int = 0  # --http-faults runs scheduled so far (extra cases beside the planned ones)
    coverage: Any = None  # lpf_contract.variants.Coverage, set when the event starts
    seen: dict[tuple[str, str], _Seen] = field(default_factory=dict)


@dataclass
class _RunBudget:
    """What hangs have cost the whole run so far (one budget for every event and for shrinking)."""

    hangs: int = 0  # hanging cases while exploring (never-called timeouts excluded: they cost nothing)
    spent_s: float = 0.0  # seconds spent waiting on hanging cases, exploring and shrinking
    certain_in: str | None = None  # the event in which a hang became certain
    load_fault: Outcome | None = None  # the lambda's top-level code throws: every invocation fails


def _is_hang(outcome: Outcome) -> bool:
    # A timeout reported at once because the callback was never called and nothing was pending
    # costs no time: it is a timeout failure, but not a hang to budget for.
    return outcome.fault in _HANGS and not outcome.details.get("never_called")


def _is_load_fault(outcome: Outcome) -> bool:
    return outcome.details.get("phase") == "load" and outcome.fault is not None


class Verifier:
    """Runs one verify; ``run()`` returns the RunResult. ``stop()`` (any thread) interrupts it."""

    def __init__(self, target: str, options: VerifyOptions, *, registry=None, handler=None, progress: ProgressFn | None = None):
        from ..contracts.registry import load_registry

        if not options.systematic and options.examples == 0 and not options.extra_cases:
            raise UsageError("nothing to run: examples=0 and the systematic set is off; pass --examples N (N >= 1)")
        self.options = options
        self.registry = registry or load_registry()
        self.version = self.registry.version(options.version)
        self.events = list(options.events) or list(self.version.default_events)
        for ev in self.events:
            self.registry.event(ev, self.version.name)  # unknown ids fail before the handler starts
        from ..core.outcome import FAULT_MODES

        unknown = [m for m in options.http_faults if m not in FAULT_MODES]
        if unknown or len(set(options.http_faults)) != len(options.http_faults):
            raise UsageError(
                f"--http-faults takes distinct modes among {', '.join(FAULT_MODES)}, got http_faults={','.join(options.http_faults)}"
            )
        self.seed = resolve_seed(options.seed)
        self.target = target
        self._handler = handler
        self._progress = progress
        self._run_total = 0
        self._run_base = 0
        self._stop = threading.Event()
        self._replaceable = False
        self.handler: Any = None  # the live handler once run() started (it may replace a killed one)
        # Calls no fixture answered, keyed (target, via, method), in the order first met (issue 17).
        self._missing: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._recorded: list[Any] = []

    def stop(self) -> None:
        self._stop.set()

    @property
    def recorded(self) -> tuple[Any, ...]:
        """With ``record_file`` set: the exchanges every case sent back (``outcome.details["recorded"]``),
        in case order, then those of the shrinking runs (a replay of the written file shrinks through
        the same candidates, so their requests need answers too). The caller merges, redacts and writes
        them (commands/verify.py); empty without ``record_file``."""
        return tuple(self._recorded)

    @property
    def hang_budget_s(self) -> float:
        """Seconds the whole run may spend on hanging cases, exploring and shrinking."""
        return (self.options.max_hangs + self.options.hang_shrink_timeouts) * self.options.timeout_ms / 1000

    # -- the run ---------------------------------------------------------------------------------
    def run(self, *, progress: ProgressFn | None = None, handler=None, replaceable: bool = False) -> RunResult:
        """Run every event; ``handler`` (or the constructor's) is used and left open, else one is loaded.

        With ``replaceable=True`` the verifier may close the given handler to kill cases still running
        when a hang is certain, and load a fresh one: ``self.handler`` is then the live one, and the
        caller closes it. A lambda that does not parse (LambdaSyntaxError) gives a run with a
        ``deploy-rules`` finding and every case not run (see :meth:`not_deployable`).
        """
        if progress is not None:
            self._progress = progress
        handler = handler or self._handler
        owns = handler is None
        if handler is None:
            try:
                handler = self._load()
            except LambdaSyntaxError as exc:
                return self.not_deployable(exc)
        self._replaceable = owns or replaceable
        self.handler = handler
        states: dict[str, _EventState] = {}
        budget = _RunBudget()
        self._missing = {}
        self._recorded = []
        interrupted = False
        static: list[StaticFinding] = []
        shrunk: dict[tuple[str, tuple[str, str]], Failure] = {}
        # Totals up front: progress shows a real total per event and for the run.
        totals = {event: self._count_cases(event) for event in self.events} if self._progress else {}
        self._run_total = sum(totals.values())
        self._run_base = 0
        try:
            static = self._static(handler)
            for event in self.events:
                state = states[event] = _EventState(event, total=totals.get(event, 0))
                self._run_event(event, state, budget)
                self._report(state, finished=True)
                self._run_base += state.total
            self._shrink_all(states, shrunk, budget)
        except KeyboardInterrupt:
            # Whatever ran is reported in a report marked interrupted: failures shrunk so far as
            # they are, the others as first seen.
            interrupted = True
        finally:
            if owns:
                self.handler.close()
        failures = [
            shrunk.get((ev, key)) or self._failure(ev, seen, seen.payload, seen.outcome, seen.finding, shrunk=False, steps=0)
            for ev, st in states.items()
            for key, seen in sorted(st.seen.items())
        ]
        return RunResult(
            tool={"name": "lpf-contract", "version": __version__},
            contract_version=self.version.name,
            handler={"target": self.options.target_label or self.target, "kind": handler.kind, "runtime": handler.runtime},
            seed=self.seed,
            examples=self.options.examples,
            events={
                ev: EventResult(
                    event=ev,
                    cases=st.cases,
                    failed=st.failed,
                    skipped=st.skipped,
                    skipped_reason=st.skipped_reason if st.skipped else "",
                    coverage=(st.coverage.summary() if st.coverage is not None else {}),
                    unchecked=st.unchecked,
                )
                for ev, st in states.items()
            },
            failures=tuple(failures),
            static=tuple(self.options.policy.apply(static)),
            interrupted=interrupted,
            severity=self.options.policy.describe(),
            reason=self._unchecked_reason(sum(st.unchecked for st in states.values())),
            missing_fixtures=self.missing_fixtures(),
        )

    # -- calls nothing answered (issue 17) -------------------------------------------------------
    def missing_fixtures(self) -> tuple[dict[str, Any], ...]:
        """Every distinct call no fixture answered: ``{target, via, method, suggestion?, cases, events}``,
        sorted by (target, via, method). One entry per target as the call reports it (query string
        included): a lambda calling ``/users?id=1`` and ``/users?id=2`` needs either two fixtures or one
        ``url_pattern``, and only the user can say which, so both are shown (decided here)."""
        out = []
        for (target, via, method), m in sorted(self._missing.items()):
            entry: dict[str, Any] = {
                "target": target,
                "via": via,
                "method": method,
                "cases": m["cases"],
                "events": sorted(m["events"]),
            }
            if m["suggestion"] is not None:
                entry["suggestion"] = m["suggestion"]
            out.append(entry)
        return tuple(out)

    def _note_missing(self, event: str, calls: tuple[ExternalCall, ...]) -> None:
        for key in dict.fromkeys((c.target, c.via, c.method) for c in calls):  # once per case
            call = next(c for c in calls if (c.target, c.via, c.method) == key)
            m = self._missing.setdefault(key, {"cases": 0, "events": set(), "suggestion": plain(call.suggestion), "first": call})
            if m["cases"] and isinstance(m["suggestion"], dict):
                # One entry must answer every case: a key whose value differs between cases (the args of
                # getConversationById(<the case's conversation id>)) is left out of the suggestion, so the
                # pasted fixture answers them all (the user may narrow it).
                seen = plain(call.suggestion) if isinstance(call.suggestion, dict) else {}
                m["suggestion"] = {k: v for k, v in m["suggestion"].items() if k in seen and seen[k] == v}
            m["cases"] += 1
            m["events"].add(event)

    def _unchecked_reason(self, unchecked: int) -> str:
        """Why the run cannot say PASS when cases went unjudged ("" when every case was judged)."""
        if not unchecked or not self._missing:
            return ""
        first = next(iter(self._missing.values()))["first"]
        more = len(self._missing) - 1
        kinds = {m["first"].kind for m in self._missing.values()}
        where = (
            "add them to the fixtures file"
            if self.options.fixtures_file is not None
            else "add them to a fixtures file given with --fixtures"
        )
        if kinds == {"secret"}:  # a secret read with no secrets file at all (toolbelt/secrets.js)
            where = "add them to a secrets file given with --secrets"
        elif "secret" in kinds:
            where += ", and the secrets to a secrets file given with --secrets"
        return (
            f"could not check {unchecked} case{'s' if unchecked != 1 else ''}: no fixture for {describe_call(first)}"
            + (f" (and {more} more)" if more else "")
            + f"; {where} (see the report's missing fixtures)"
        )

    def _run_event(self, event: str, state: _EventState, budget: _RunBudget) -> None:
        if budget.certain_in is not None:
            # A hang is certain: the events not started yet are not run at all.
            state.skipped = self._count_cases(event)
            state.skipped_reason = (
                f"not run: a hang was certain in event {budget.certain_in} after {budget.hangs} hanging cases "
                "(timeouts/crashes), so the rest of the run was stopped; fix the hang first"
            )
            return
        self._explore(event, state, budget)

    def _report(self, state: _EventState, *, finished: bool = False) -> None:
        if self._progress is None:
            return
        self._progress(
            ProgressUpdate(
                event=state.event,
                done=state.cases,
                total=state.total,
                failed=state.failed,
                run_done=self._run_base + (state.total if finished else state.cases),
                run_total=self._run_total,
                finished=finished,
            )
        )

    def _load(self):
        from ..handlers import load_handler

        return load_handler(self.target, **self.options.handler_options())

    def not_deployable(self, exc: LambdaSyntaxError) -> RunResult:
        """The run of a lambda that does not parse: the platform refuses to deploy it, so no case runs.

        One ``deploy-rules`` finding names the line (lint's own syntax finding when it sees the error
        too, so that it is not reported twice); every event lists all its cases as not run, with why.
        """
        from .deploy_rules import lint_file, resolve_source

        check = CHECKS["deploy-rules"]
        try:
            source: Path | None = resolve_source(self.target)
            issues = lint_file(source) if source is not None else []
        except Exception:  # noqa: BLE001 - lint is extra evidence here; the syntax error stands alone
            source, issues = None, []
        static = [
            StaticFinding(check=check.id, severity=check.severity, rule=i.rule, message=i.message, line=i.line) for i in issues
        ]
        syntax = next((s for s in static if s.rule == "syntax"), None)
        if syntax is None:
            detail = exc.detail or str(exc)
            syntax = StaticFinding(
                check=check.id,
                severity=check.severity,
                rule="syntax",
                message=f"the source does not parse: {detail}",
                line=exc.line,
            )
            static.insert(0, syntax)
        line = syntax.line or exc.line
        name = source.name if source is not None else Path(self.target).name
        reason = (
            f"the lambda does not deploy: syntax error at {name}:{line}"
            if line
            else f"the lambda does not deploy: syntax error in {name}"
        )
        return RunResult(
            tool={"name": "lpf-contract", "version": __version__},
            contract_version=self.version.name,
            handler={"target": self.options.target_label or self.target, "kind": "node", "runtime": self.options.runtime},
            seed=self.seed,
            examples=self.options.examples,
            events={
                ev: EventResult(event=ev, cases=0, failed=0, skipped=self._count_cases(ev), skipped_reason=reason)
                for ev in self.events
            },
            failures=(),
            static=tuple(self.options.policy.apply(static)),
            severity=self.options.policy.describe(),
        )

    def _static(self, handler) -> list[StaticFinding]:
        if handler.source_path is None or handler.kind != "node":
            return []
        from .deploy_rules import lint_file

        check = CHECKS["deploy-rules"]
        return [
            StaticFinding(check=check.id, severity=check.severity, rule=i.rule, message=i.message, line=i.line)
            for i in lint_file(handler.source_path, runtime=handler.runtime, node=self.options.node)
        ]

    def _count_cases(self, event: str) -> int:
        return self._cases(event)[0]

    def _cases(self, event: str) -> tuple[int, Iterator[tuple[str, Any]]]:
        """How many cases the event has, and the cases (generated payloads are drawn lazily)."""
        from ..variants import generate, systematic_variants

        systematic = systematic_variants(self.registry, event, self.version.name) if self.options.systematic else []
        extra = [(name, payload) for ev, name, payload in self.options.extra_cases if ev == event]

        def cases() -> Iterator[tuple[str, Any]]:
            yield from extra
            for v in systematic:
                yield v.name, v.payload
            if self.options.examples:
                event_seed = (self.seed + zlib.crc32(event.encode())) % 2**32
                generated = generate(
                    self.registry, event, count=self.options.examples, seed=event_seed, version=self.version.name
                )
                for i, payload in enumerate(generated):
                    yield f"generated:{i}", payload

        return len(extra) + len(systematic) + self.options.examples, cases()

    def _explore(self, event: str, state: _EventState, budget: _RunBudget) -> None:
        from collections import deque

        from ..variants import Coverage

        spec = self.registry.event(event, self.version.name)
        state.coverage = Coverage.for_schema(self.registry.bundled(spec.payload_uri))
        workers = max(1, self.options.workers)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lpf-case")
        handler = self.handler
        # A sliding window keeps every worker busy while results are recorded in submission order,
        # so that the report does not depend on which worker finished first.
        # Fault runs (--http-faults) join the same window when their normal case is recorded, so
        # they too are recorded in an order that does not depend on which worker finished first.
        in_flight: deque = deque()
        total, cases = self._cases(event)

        def submit(name: str, payload: Any, faults: str | None = None) -> None:
            extra = {"faults": faults} if faults else {}  # handlers written before issue 17 take no faults
            in_flight.append((name, payload, faults, pool.submit(handler.invoke, event, handler_input(payload), **extra)))

        try:
            for name, payload in cases:
                if budget.load_fault is not None and state.cases + len(in_flight) > 0:
                    # The top-level code throws before any payload is seen: this case would fail
                    # exactly like the first one, so it is counted as failed without running it.
                    self._drain_all(in_flight, state, spec.result_uri, budget, submit)
                    self._observe(state, spec.result_uri, name, payload, budget.load_fault, budget, submit)
                    continue
                submit(name, payload)
                while in_flight and (len(in_flight) >= workers * 4 or budget.load_fault is not None):
                    self._drain_one(in_flight, state, spec.result_uri, budget, submit)
                    if budget.hangs >= self.options.max_hangs:
                        break
                if budget.hangs >= self.options.max_hangs:
                    break
            while in_flight and budget.hangs < self.options.max_hangs:
                self._drain_one(in_flight, state, spec.result_uri, budget, submit)
            if budget.hangs >= self.options.max_hangs:
                budget.certain_in = budget.certain_in or event
                # Cases submitted but not recorded, and those never drawn, are skipped (counted,
                # not generated just to be counted); the ones still running are killed, not waited for.
                # Fault runs already scheduled count as cases; those of cases never run cannot be known.
                total += state.fault_runs
                state.skipped = total - state.cases
                state.skipped_reason = (
                    f"{state.skipped} of {total} cases not run (those after case {state.cases}): a hang was certain after "
                    f"{budget.hangs} hanging cases (timeouts/crashes), so the rest of the run was stopped; fix the hang first"
                )
                self._abandon(pool, in_flight)
                return
        except BaseException:
            # Ctrl-C / SIGTERM / stop(): kill the workers first so that running cases end now,
            # instead of the pool waiting for them (a hanging case would wait its whole time limit).
            self.handler.close()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _abandon(self, pool: ThreadPoolExecutor, in_flight) -> None:
        """Stop the cases still in flight: cancel those not started, kill those running."""
        for *_, fut in in_flight:
            fut.cancel()
        running = [fut for *_, fut in in_flight if not fut.done()]
        if running and self._replaceable:
            # A running case can only be stopped by killing its worker: close the handler (every
            # worker) and load a fresh one for what follows (shrinking).
            self.handler.close()
            pool.shutdown(wait=True)
            self.handler = self._load()
        else:
            # A handler we may not replace: its running cases end on their own time limit.
            pool.shutdown(wait=False, cancel_futures=True)

    def _drain_one(self, in_flight, state: _EventState, result_uri: str, budget: _RunBudget, submit) -> None:
        name, payload, faults, fut = in_flight.popleft()
        outcome = _wait(fut, self._stop)
        self._observe(state, result_uri, name, payload, outcome, budget, submit, faults=faults)

    def _drain_all(self, in_flight, state: _EventState, result_uri: str, budget: _RunBudget, submit) -> None:
        while in_flight:
            self._drain_one(in_flight, state, result_uri, budget, submit)

    def _observe(
        self,
        state: _EventState,
        result_uri: str,
        name: str,
        payload: Any,
        outcome: Outcome,
        budget: _RunBudget,
        submit,
        *,
        faults: str | None = None,
    ) -> None:
        if faults is None:  # a fault run re-sends a payload already observed
            state.coverage.observe(payload)
        if _is_hang(outcome):
            budget.hangs += 1
            budget.spent_s += outcome.duration_ms / 1000
        if budget.load_fault is None and _is_load_fault(outcome):
            budget.load_fault = outcome
        self._record(state, result_uri, name, payload, outcome, faults=faults)
        if faults is None and self.options.http_faults and _faultable(outcome):
            # The case reached something outside: run it again with every such call failing, once
            # per mode, so that the lambda's error paths are checked too (issue 17). Counted as cases
            # now that they exist, so that progress totals stay true.
            for mode in self.options.http_faults:
                submit(f"{name} [faults={mode}]", payload, mode)
                state.fault_runs += 1
                state.total += 1
                self._run_total += 1
        self._report(state)

    def _findings(self, event: str, result_uri: str, payload: Any, outcome: Outcome) -> list[Finding]:
        if outcome.missing_fixtures:  # not judged (see _record): while shrinking, it does not reproduce
            return []
        policy = self.registry.event(event, self.version.name).result_policy
        source = getattr(self.handler, "source_path", None)
        return self.options.policy.apply(
            CHECKS.run(CaseContext(event, payload, outcome, self.registry, result_uri, result_policy=policy, source_path=source))
        )

    def _record(
        self, state: _EventState, result_uri: str, name: str, payload: Any, outcome: Outcome, *, faults: str | None = None
    ) -> None:
        state.cases += 1
        self._keep_recorded(outcome)
        missing = outcome.missing_fixtures
        if missing:
            # A call nothing could answer failed like a refused connection; whatever the lambda did
            # next (its catch answering an error, say) is our doing, not the platform's: judging it
            # would be a false alarm. Counted, and the calls listed, instead.
            state.unchecked += 1
            self._note_missing(state.event, missing)
            return
        findings = self._findings(state.event, result_uri, payload, outcome)
        if any(f.severity == Severity.ERROR for f in findings):
            state.failed += 1
        for f in findings:
            key = (f.check, f.location)
            if key in state.seen:
                state.seen[key].occurrences += 1
            else:
                state.seen[key] = _Seen(f, payload, outcome, name, faults=faults or "")

    def _keep_recorded(self, outcome: Outcome) -> None:
        if self.options.record_file is not None:
            self._recorded.extend(outcome.details.get("recorded") or ())

    # -- shrinking ------------------------------------------------------------------------------
    def _shrink_all(self, states: dict[str, _EventState], shrunk: dict, budget: _RunBudget) -> None:
        from .shrink import BudgetSpent, shrink

        for event, state in states.items():
            if state.coverage is None:  # the event never ran
                continue
            spec = self.registry.event(event, self.version.name)
            fast = self.registry.fast_validator(spec.payload_uri)
            for key, seen in sorted(state.seen.items()):
                if self._stop.is_set():
                    raise KeyboardInterrupt
                if _is_load_fault(seen.outcome):
                    # Shrinking would only confirm that every payload fails the same way.
                    shrunk[(event, key)] = self._failure(
                        event,
                        seen,
                        seen.payload,
                        seen.outcome,
                        seen.finding,
                        shrunk=False,
                        steps=0,
                        skipped="not shrunk: the lambda fails while loading, before it sees any payload",
                    )
                    continue
                last: dict[str, Any] = {}

                def reproduces(candidate, key=key, event=event, uri=spec.result_uri, last=last, seen=seen):
                    # Time spent on hanging candidates is charged to the run's one hang budget,
                    # whatever failure is being shrunk: a handler that hangs on some inputs cannot
                    # make shrinking cost hundreds of time limits.
                    if budget.spent_s >= self.hang_budget_s:
                        raise BudgetSpent
                    extra = {"faults": seen.faults} if seen.faults else {}  # the mode it failed under
                    out = self.handler.invoke(event, handler_input(candidate), **extra)
                    self._keep_recorded(out)
                    if _is_hang(out):
                        budget.spent_s += out.duration_ms / 1000
                    for f in self._findings(event, uri, candidate, out):
                        if (f.check, f.location) == key:
                            last.update(outcome=out, finding=f)
                            return True
                    return False

                result = shrink(seen.payload, reproduces, is_valid=fast.is_valid, max_attempts=self.options.shrink_attempts)
                outcome, finding = seen.outcome, seen.finding
                if result.steps:
                    # `last` holds the latest reproduction, which is the accepted payload's.
                    outcome, finding = last["outcome"], last["finding"]
                shrunk[(event, key)] = self._failure(
                    event, seen, result.payload, outcome, finding, shrunk=True, steps=result.steps, exhausted=result.exhausted
                )

    def _failure(
        self,
        event: str,
        seen: _Seen,
        payload: Any,
        outcome: Outcome,
        finding: Finding,
        *,
        shrunk: bool,
        steps: int,
        exhausted: bool = False,
        skipped: str = "",
    ) -> Failure:
        repro_rel = f"repro/{event}.{finding.check}.{zlib.crc32(finding.location.encode()):08x}.json"
        # What the platform acts on: a first result that was a fault, not the multiple-results wrapper
        # (that one stays on the multiple-results warning).
        shown = outcome if finding.check == "multiple-results" else first_result_view(outcome)
        return Failure(
            event=event,
            check=finding.check,
            severity=finding.severity,
            message=finding.message,
            path=finding.path,
            schema_path=finding.schema_path,
            payload=payload,
            result=shown.result if shown.has_result else None,
            has_result=shown.has_result,
            fault=str(shown.fault) if shown.fault else None,
            error_code=shown.error_code,
            error_message=shown.error_message,
            logs=tuple({"level": log.level, "text": log.text} for log in outcome.logs),
            repro=self.repro_command(repro_rel, faults=seen.faults),
            repro_file=repro_rel,
            occurrences=seen.occurrences,
            shrunk=shrunk,
            shrink_steps=steps,
            shrink_exhausted=exhausted,
            variant=seen.variant,
            location=finding.location,
            file=finding.file,
            line=finding.line,
            stack=finding.stack,
            shrink_skipped=skipped,
            calls=tuple(call_dict(c) for c in outcome.calls),
            faults=seen.faults,
        )

    def repro_command(self, repro_rel: str, *, faults: str = "") -> str:
        """The one-line command that replays a saved case with this run's options; ``faults`` is the
        --http-faults mode the case failed under ("" for a normal run)."""
        o = self.options
        report_dir = o.report_dir or Path("reports")
        argv = ["lpf-contract"]
        if o.contracts_dir is not None:
            argv += ["--contracts", str(o.contracts_dir)]
        argv += ["verify", o.target_label or self.target, "--replay", str(report_dir / repro_rel)]
        if o.runtime:
            argv += ["--runtime", o.runtime]
        if o.node:  # the failure may depend on the Node it ran on
            argv += ["--node", o.node]
        if o.timeout_ms != DEFAULT_TIMEOUT_MS:
            argv += ["--timeout-ms", str(o.timeout_ms)]
        for h in o.headers:
            name, _, value = h.partition(":")
            # Repro commands land in CI artefacts: credentials are not copied into them.
            argv += ["--header", f"{name}: <redacted>" if name.strip().lower() in _SECRET_HEADERS else h]
        for name, value in o.env:
            argv += ["--env", f"{name}={value}"]
        for domain in o.allow_domains:
            argv += ["--allow-domain", domain]
        secrets = str(o.secrets_file) if o.secrets_label is None and o.secrets_file else o.secrets_label
        if secrets:
            argv += ["--secrets", secrets]
        if o.fixtures_file is not None:  # the answers the lambda's calls got
            argv += ["--fixtures", str(o.fixtures_file)]
        if faults:
            argv += ["--http-faults", faults]
        return shlex.join(argv)


def _faultable(outcome: Outcome) -> bool:
    # A case that could not be judged (a call without a fixture) is not judged under faults either.
    return not outcome.missing_fixtures and any(c.answer in _FAULTABLE for c in outcome.calls)


def call_dict(call: ExternalCall) -> dict[str, Any]:
    """An external call as a report shows it (``Failure.calls``): sorted keys, None fields dropped.
    The ``suggestion`` of a missing fixture is left out: a judged case has none, and the run's
    ``missing_fixtures`` carries them."""
    out = {
        "kind": call.kind,
        "via": call.via,
        "method": call.method,
        "target": call.target,
        "answer": str(call.answer),
        "status": call.status,
        "error": call.error,
        "fixture": call.fixture,
        "fault": call.fault,
    }
    return {k: out[k] for k in sorted(out) if out[k] is not None}


def describe_call(call: ExternalCall) -> str:
    """How a message names a call (``core.outcome.call_name``), a toolbelt client's with its ``(...)``."""
    name = call_name(kind=call.kind, via=call.via, method=call.method, target=call.target)
    return f"{name}(...)" if call.kind == "toolbelt" and not name.endswith(")") else name


def _wait(fut, stop: threading.Event) -> Outcome:
    # Short waits so that Ctrl-C (delivered to the main thread) and stop() are noticed quickly.
    while True:
        try:
            return fut.result(timeout=0.2)
        except TimeoutError:
            if stop.is_set():
                raise KeyboardInterrupt from None


def verify(target: str, options: VerifyOptions, **kwargs) -> RunResult:
    """Verify ``target`` against the contract; see :class:`VerifyOptions`."""
    return Verifier(target, options, **kwargs).run()
