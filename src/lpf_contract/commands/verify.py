from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform
from .setup import add_handler_options


def add_parser(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="verify a handler (JS file/folder, file.py:function, or http(s):// gateway) against the contract",
        description=(
            "Runs the systematic variants and --examples generated payloads per event through the handler, "
            "checks every outcome, shrinks each distinct failure and writes reports. "
            "Several targets, or a folder of function folders, verify each function against its config.json "
            "event, with reports in REPORT_DIR/<function>/ and an index. "
            "Exit 0 no error-level failure, 1 some, 2 bad input (the worst over the functions)."
        ),
    )
    p.add_argument(
        "targets",
        nargs="+",
        metavar="PATH",
        help="a handler (.js file, functions/<name>/ folder, file.py:function, http(s):// URL) or a folder of "
        "function folders (functions/: each of them); several targets verify each, with an index",
    )
    p.add_argument("--event", action="append", default=[], metavar="ID", help="event id (repeatable; default: all events)")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: current)")
    p.add_argument(
        "--examples", type=int, default=None, metavar="N", help="generated payloads per event (default 200, or the config file's)"
    )
    p.add_argument(
        "--seed", type=int, default=None, metavar="N", help="seed (default: 0 under CI=true, random otherwise; always printed)"
    )
    p.add_argument(
        "--timeout-ms",
        type=int,
        default=None,
        metavar="MS",
        help=f"time limit per invocation (default {platform.DEFAULT_TIME_LIMIT_MS}, the platform's)",
    )
    p.add_argument("--runtime", choices=("v1", "v2"), default=None, help="force the Node runtime (default: detected)")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="handler worker processes (default 1)")
    p.add_argument("--report-dir", default=None, metavar="DIR", help="where reports go (default reports/)")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress output (a bar on a terminal; without one, a line every ~10 s and one per finished event)",
    )
    p.add_argument("--no-systematic", action="store_true", help="skip the systematic variants (generated payloads only)")
    p.add_argument(
        "--header", action="append", default=[], metavar="'Name: value'", help="HTTP header for http(s) targets (repeatable)"
    )
    add_handler_options(p, verify=True)  # --env, --allow-domain, --secrets, --fixtures, --record, --http-faults, --node
    p.add_argument(
        "--snapshot-dir",
        default=None,
        metavar="DIR",
        help="also compare the golden examples' outcomes with the snapshots in DIR (see `snapshot`); counted in the reports",
    )
    p.add_argument(
        "--replay", default=None, metavar="FILE", help="re-run one saved failing payload (from the report dir's repro/)"
    )
    p.add_argument(
        "--payloads",
        action="append",
        default=[],
        metavar="FILE",
        help="scenario payloads of your own (.json object/array or .jsonl; payloads or invocation bodies), "
        "run as cases scenario:FILE:LINE for every verified event (repeatable; adds to the config file's)",
    )
    p.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default=None,
        help="the lowest severity that fails the run (default error; or the config file's fail-on)",
    )
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CHECK=LEVEL",
        help="set a check's severity, error or warning (repeatable; over the config file's severity table)",
    )
    p.add_argument(
        "--ignore-check",
        action="append",
        default=[],
        metavar="ID",
        help="drop a check's findings (repeatable; adds to the config file's ignore-checks); ids: `lpf-contract checks`",
    )
    p.add_argument(
        "--shard",
        default=None,
        metavar="K/N",
        help="verify the K-th of N parts of the functions (round-robin by name), for a CI matrix",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    from ..contracts.registry import load_registry
    from ..core.errors import LpfContractError
    from ..verify.functions_repo import expand_targets

    try:
        _check_targets_exist(args.targets)
        plan = expand_targets(args.targets, shard=args.shard)
        registry = load_registry(args.contracts)
        if args.replay and (plan.many or len(plan.functions) != 1):
            from ..core.errors import UsageError

            raise UsageError(f"--replay re-runs one function: give one target, got targets={' '.join(args.targets)}")
        if args.record and (plan.many or args.replay):
            from ..core.errors import UsageError

            # One fixtures file per recording: the functions of a folder call different APIs (decided here).
            raise UsageError(
                f"--record records one function's full run: give one target and no --replay, got targets={' '.join(args.targets)}"
            )
        return _run_plan(args, plan, registry)
    except LpfContractError as exc:
        if not args.replay:
            _write_error_report(args, exc)
        raise


def _check_targets_exist(targets) -> None:
    """A path typo says "not found" (not "unknown handler target"): URLs and module:function are left to
    the loader, everything else is a path that must exist."""
    from ..core.errors import UsageError

    for target in targets:
        if target.startswith(("http://", "https://")):
            continue
        path = target
        if ":" in target:
            left, _, _ = target.rpartition(":")
            if not left.endswith(".py"):
                continue  # package.module:function
            path = left
        if not Path(path).exists():
            raise UsageError(
                f"handler {'file' if Path(path).suffix else 'folder'} not found: path={path}; check the path "
                "(a .js file, a function folder, a folder of functions, "
                "file.py:function, package.module:function or an http(s):// URL)"
            )


def _run_plan(args, plan, registry) -> int:
    import signal
    import tempfile

    def on_term(signum, frame):  # SIGTERM behaves like Ctrl-C: stop, clean up, still report
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        # Secrets merged from several sources live in a private folder for the run only.
        with tempfile.TemporaryDirectory(prefix="lpf-contract-secrets-") as private:
            if not plan.many:
                (fn,) = plan.functions
                prepared = _prepare(args, fn, registry, Path(private), report_dir=None)
                if args.replay:
                    return _replay_prepared(args, registry, prepared)
                return _run_single(args, registry, prepared)
            return _run_many(args, registry, plan, Path(private))
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_error_report(args, exc, report_dir: Path | None = None) -> None:
    """A run that stops on bad input (exit 2) still leaves a report saying so: ``verdict: error`` and
    the reason replace whatever an earlier run left in the report dir (a stale PASS is a CI artefact
    that lies). Best effort: when the report dir itself is the problem, the exit-2 line says it all."""
    from .. import __version__
    from ..core.results import RunResult
    from ..report import ReportWriteError, write_reports

    if isinstance(exc, ReportWriteError):
        return
    where = report_dir or args.report_dir
    if where is None:
        try:
            from ..config import load_config

            cfg = load_config()
            one = len(args.targets) == 1
            configured = (cfg.for_target(args.targets[0]) if one else cfg.settings).report_dir
        except Exception:  # a broken config file is the error being reported: fall back to the default
            configured = None
        where = configured or "reports"
    run = RunResult(
        tool={"name": "lpf-contract", "version": __version__},
        contract_version=args.version or "unknown",
        handler={"target": " ".join(args.targets), "kind": "unknown", "runtime": None},
        seed=args.seed if args.seed is not None and args.seed >= 0 else 0,
        examples=args.examples if args.examples is not None and args.examples >= 0 else 0,
        events={},
        failures=(),
        reason=str(exc),
    )
    try:
        write_reports(run, Path(where))
    except (ReportWriteError, OSError):
        pass


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    """One function, ready to verify: its options (config file, config.json, settings.json, flags)."""

    function: Any  # functions_repo.Function
    args: Any  # the per-function copy of the parsed arguments (config file applied)
    options: Any  # VerifyOptions; None when skipped
    report_dir: Path
    skipped: str = ""  # why the function is not verified (its event has no contract)
    notes: tuple[Any, ...] = ()  # StaticFinding warnings about the function's own files
    scenarios: tuple[Any, ...] = ()  # payloads.Scenario
    fixtures: Any = None  # handlers.fixtures.Fixtures (--fixtures or the config file's), or None


def _prepare(args, fn, registry, private: Path, *, report_dir: Path | None) -> _Prepared:
    """Everything a function's run needs, or an LpfContractError (exit 2) when it cannot be checked."""
    import copy

    from ..verify.checks import severity_policy
    from ..verify.options import VerifyOptions, resolve_seed

    fargs = copy.copy(args)
    fargs.handler = fn.target
    flag_secrets, flag_snapshots = args.secrets, args.snapshot_dir
    if report_dir is not None:  # one of many: --snapshot-dir is a root, like the config file's
        fargs.snapshot_dir = None
    cfg = _apply_config(fargs)
    if report_dir is not None:
        fargs.report_dir = str(report_dir)
        if flag_snapshots is not None and (Path(flag_snapshots) / fn.name).is_dir():
            fargs.snapshot_dir = str(Path(flag_snapshots) / fn.name)
    if fargs.seed is None:
        fargs.seed = args.run_seed if getattr(args, "run_seed", None) is not None else resolve_seed(None)
    from ..verify.functions_repo import prepare_target

    # The one preparation every way of running a function shares (functions_repo.prepare_target).
    setup = prepare_target(
        fn,
        registry=registry,
        version=fargs.version,
        events=fargs.event,
        env=[_env_pair(e) for e in fargs.env],
        allow_domains=fargs.allow_domain,
        config_secrets=cfg.secrets,
        flag_secrets=flag_secrets,
        payload_files=[*(str(p) for p in (cfg.payloads or ())), *fargs.payloads],
        private=private,
    )
    events, skipped, scenarios = setup.events, setup.skipped, setup.scenarios
    extra, notes = setup.extra_cases, setup.notes

    policy = severity_policy(
        flag_severity=fargs.severity,
        flag_ignore=fargs.ignore_check,
        flag_fail_on=fargs.fail_on,
        config_severity=cfg.severity,
        config_ignore=cfg.ignore_checks or (),
        config_fail_on=cfg.fail_on,
    )
    notes = tuple(policy.apply(notes))
    fixtures, faults = _external_call_options(fargs, fn.target, setup.allow_domains)
    options = None
    if events:
        options = VerifyOptions(
            events=events,
            version=fargs.version,
            examples=fargs.examples,
            seed=fargs.seed,
            timeout_ms=fargs.timeout_ms,
            runtime=fargs.runtime,
            node=fargs.node,
            workers=fargs.workers,
            headers=tuple(fargs.header),
            env=setup.env,
            allow_domains=setup.allow_domains,
            secrets_file=setup.secrets_file,
            systematic=not fargs.no_systematic,
            report_dir=Path(fargs.report_dir),
            target_label=fn.target,
            contracts_dir=Path(args.contracts) if args.contracts else None,
            extra_cases=tuple(extra),
            secrets_label=setup.secrets_label,
            severity=policy,
            fixtures=fixtures.document if fixtures is not None else None,
            fixtures_file=fixtures.path if fixtures is not None else None,
            http_faults=faults,
            record_file=Path(fargs.record) if fargs.record else None,
        )
    return _Prepared(
        function=fn,
        args=fargs,
        options=options,
        report_dir=Path(fargs.report_dir),
        skipped=skipped,
        notes=tuple(notes),
        scenarios=scenarios,
        fixtures=fixtures,
    )


def _external_call_options(args, target: str, allow_domains) -> tuple[Any, tuple[str, ...]]:
    """--fixtures (loaded, its never-answering entries warned about) and --http-faults (the modes),
    refused for targets that are not Node lambdas: only the emulated platform can intercept a call."""
    from ..core.errors import UsageError
    from ..handlers import target_kind
    from ..handlers.fixtures import parse_fault_modes
    from .setup import load_fixtures_option

    faults = parse_fault_modes(args.http_faults)
    given = [
        name for name, value in (("--fixtures", args.fixtures), ("--record", args.record), ("--http-faults", faults)) if value
    ]
    if given and target_kind(target) != "node":
        raise UsageError(
            f"{', '.join(given)} apply to Node lambdas only (the emulated platform answers their external calls): "
            f"target={target} kind={target_kind(target)}; drop them"
        )
    if args.record:
        _check_record_path(Path(args.record))
    return load_fixtures_option(args.fixtures, allow_domains), faults


def _check_record_path(path: Path) -> None:
    """--record's file must be writable before the run spends its time calling real hosts."""
    import os

    from ..core.errors import UsageError

    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"--record names a folder: path={path}; give a file name ending .yaml, .yml or .json")
    if not folder.is_dir() or not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--record cannot write its file: path={path}; create the folder or pick a writable path")


def _run_single(args, registry, prepared: _Prepared) -> int:
    """One function in the layout it always had: reports in REPORT_DIR itself."""
    from ..report import check_writable

    if prepared.options is None:
        from ..report import clear_reports

        clear_reports(prepared.report_dir)  # nothing verified: an older run's reports must not stand for this one
        print(f"lpf-contract verify: handler={prepared.function.target} skipped: {prepared.skipped}", file=sys.stderr)
        print(f"verdict=SKIPPED {prepared.function.target}: {prepared.skipped}")
        return 0
    check_writable(prepared.report_dir)
    result = _verify_one(registry, prepared)
    _print_summary(result, prepared.report_dir)
    if result.interrupted:
        return 130
    # error: the run could not judge some cases (a call no fixture answers; issue 17), nothing failed.
    return {"fail": 1, "error": 2}.get(result.verdict, 0)


def _verify_one(registry, prepared: _Prepared):
    """Verify one prepared function and write its reports; returns the RunResult."""
    import dataclasses

    from ..core.errors import LambdaSyntaxError
    from ..handlers import load_handler
    from ..report import write_reports
    from ..verify.engine import Verifier

    args, options, report_dir = prepared.args, prepared.options, prepared.report_dir
    verifier = Verifier(args.handler, options, registry=registry)  # version and events checked first
    # Loaded before the header: a handler that cannot load is one line of error and exit 2; one
    # that does not parse is a deploy-rules finding (the platform refuses to deploy it): exit 1.
    try:
        handler = load_handler(args.handler, **options.handler_options())
    except LambdaSyntaxError as exc:
        result = verifier.not_deployable(exc)
        result = dataclasses.replace(result, static=(*result.static, *prepared.notes))
        print(f"lpf-contract verify: handler={args.handler} does not parse: {exc}", file=sys.stderr)
        write_reports(result, report_dir)
        return result
    try:
        print(
            # contract= is the contract version judged against; runtime= the Node runtime the handler runs on.
            f"lpf-contract verify: handler={args.handler} kind={handler.kind} contract={verifier.version.name} "
            f"runtime={handler.runtime or 'n/a'} "
            f"seed={verifier.seed} examples={options.examples} events={','.join(verifier.events)}",
            file=sys.stderr,
        )
        result = _run_with_progress(args, verifier, handler)
        if prepared.notes:
            result = dataclasses.replace(result, static=(*result.static, *prepared.notes))
        # The verifier may have replaced a handler whose workers it killed (a certain hang).
        live = verifier.handler or handler
        # Reports first: a snapshot problem below must not lose what verify found.
        write_reports(result, report_dir)
        if options.record_file is not None:
            _write_recording(prepared, verifier)
        if args.snapshot_dir and not result.interrupted:
            result = _with_snapshots(args, registry, options, result, live, prepared.scenarios)
            write_reports(result, report_dir)
    finally:
        handler.close()
        if verifier.handler is not None:
            verifier.handler.close()
    return result


def _write_recording(prepared: _Prepared, verifier) -> None:
    """--record: the exchanges the run sent to real hosts (the engine's ``Verifier.recorded``, in case
    order) as a fixtures file, after the --fixtures given; secrets, tokens and the values of secret-named
    environment variables redacted."""
    from ..handlers.fixtures import known_secrets, write_recorded

    options = prepared.options
    secrets = known_secrets(options.secrets_file, options.env)
    exchanges = _recorded(verifier)
    existing = prepared.fixtures.raw if prepared.fixtures is not None else None
    doc = write_recorded(options.record_file, exchanges, secrets=secrets, existing=existing)
    kept = len((existing or {}).get("http") or ())
    if not exchanges:
        print(
            "WARNING --record: no request reached a real host, so nothing was recorded; requests to hosts off the "
            "allow-list are refused as the platform's proxy refuses them: add --allow-domain HOST (or the "
            "function's settings.json whitelist)",
            file=sys.stderr,
        )
    print(
        f"lpf-contract verify: recorded={len(doc['http']) - kept} fixtures file={options.record_file} "
        f"(exchanges={len(exchanges)}, kept={kept}); replay with --fixtures {options.record_file}",
        file=sys.stderr,
    )


def _recorded(verifier) -> list[Any]:
    """The exchanges the engine collected under --record (helper C2's ``Verifier.recorded``, in case order)."""
    return list(getattr(verifier, "recorded", None) or ())


def _run_many(args, registry, plan, private: Path) -> int:
    """Each function in turn: reports in REPORT_DIR/<name>/, then REPORT_DIR/index.json and index.md."""
    from .. import __version__
    from ..config import load_config
    from ..core.errors import LpfContractError
    from ..report import check_writable, clear_reports
    from ..report.index import IndexEntry, run_verdict, worst_code, write_index
    from ..verify.options import resolve_seed

    # The config file's top-level report-dir (a function's own table cannot move the index).
    top = load_config().settings
    root = Path(args.report_dir or top.report_dir or "reports")
    check_writable(root)
    clear_reports(root)  # this run's functions and index only: none of an earlier run's survive
    # One seed for the whole run (printed): the flag, else the config file's top-level seed (which
    # every function runs with unless its own table sets one), else a random one.
    args.run_seed = args.seed if args.seed is not None else top.seed if top.seed is not None else resolve_seed(None)
    shard = f" shard={plan.shard[0]}/{plan.shard[1]} of {plan.total}" if plan.shard else ""
    print(f"lpf-contract verify: functions={len(plan.functions)}{shard} seed={args.run_seed} reports={root}")
    prepared: list[_Prepared | IndexEntry] = []
    for fn in plan.functions:
        try:
            prepared.append(_prepare(args, fn, registry, private, report_dir=root / fn.name))
        except LpfContractError as exc:
            if _is_run_input_error(exc):
                raise
            prepared.append(IndexEntry(name=fn.name, target=fn.target, verdict="error", reason=str(exc)))
    entries: list[IndexEntry] = []
    interrupted = False
    try:
        for item in prepared:
            if isinstance(item, IndexEntry):
                print(f"--- {item.name}: {item.target}")
                print(f"ERROR {item.name}: could not check: {item.reason}")
                _write_error_report(_one_target(args, item.target), item.reason, root / item.name)
                entries.append(item)
                continue
            fn = item.function
            print(f"--- {fn.name}: {fn.target}" + (f" events={','.join(item.options.events)}" if item.options else ""))
            if item.options is None:
                print(f"SKIPPED {fn.name}: {item.skipped}")
                entries.append(IndexEntry(name=fn.name, target=fn.target, verdict="skipped", reason=item.skipped))
                continue
            try:
                item.report_dir.mkdir(parents=True, exist_ok=True)
                result = _verify_one(registry, item)
            except LpfContractError as exc:
                print(f"ERROR {fn.name}: could not check: {exc}")
                _write_error_report(_one_target(item.args, fn.target), exc, item.report_dir)
                entries.append(
                    IndexEntry(name=fn.name, target=fn.target, verdict="error", events=item.options.events, reason=str(exc))
                )
                continue
            sys.stdout.flush()
            _print_summary(result, item.report_dir)
            entries.append(_entry(fn, item, result, root))
            if result.interrupted:
                interrupted = True
                break
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        done = {e.name for e in entries}
        entries += [
            IndexEntry(
                name=p.function.name if isinstance(p, _Prepared) else p.name,
                target=p.function.target if isinstance(p, _Prepared) else p.target,
                verdict="not-run",
                reason="the run was interrupted first",
            )
            for p in prepared
            if (p.function.name if isinstance(p, _Prepared) else p.name) not in done
        ]
    kwargs = {"shard": plan.shard, "total": plan.total, "interrupted": interrupted}
    write_index(root, entries, tool={"name": "lpf-contract", "version": __version__}, **kwargs)
    counts = " ".join(f"{v}={sum(1 for e in entries if e.verdict == v)}" for v in ("pass", "fail", "error", "skipped"))
    print(
        f"functions={len(entries)} {counts} verdict={run_verdict(entries, interrupted=interrupted).upper()} "
        f"index={root / 'index.md'}"
    )
    sys.stdout.flush()
    return 130 if interrupted else worst_code(entries)


def _one_target(args, target: str):
    import copy

    one = copy.copy(args)
    one.targets = [target]
    return one


def _is_run_input_error(exc) -> bool:
    """Bad input of the run itself (options, the config file, the contracts, scenario payload files):
    exit 2 at once, before anything runs. Other errors are one function's (its config.json, its
    settings.json, a lambda that cannot load): that function's verdict is ``error``, the others run."""
    from ..contracts.payloads import ScenarioError
    from ..core.errors import ContractError, UsageError

    return isinstance(exc, (UsageError, ContractError, ScenarioError))


def _entry(fn, prepared: _Prepared, result, root: Path):
    from ..core.results import Severity
    from ..report.index import IndexEntry

    errors = sum(1 for f in result.failures if f.severity == Severity.ERROR) + sum(
        1 for s in result.static if s.severity == Severity.ERROR
    )
    warnings = sum(1 for f in result.failures if f.severity == Severity.WARNING) + sum(
        1 for s in result.static if s.severity == Severity.WARNING
    )
    return IndexEntry(
        name=fn.name,
        target=fn.target,
        # error: some cases could not be judged (a call no fixture answers), and nothing failed.
        verdict=result.verdict if result.verdict in ("fail", "error") else "pass",
        events=tuple(result.events),
        cases=result.cases,
        failed=result.failed,
        errors=errors,
        warnings=warnings,
        reason="interrupted, partial results" if result.interrupted else result.reason,
        unchecked=result.unchecked,
        missing_fixtures=len(result.missing_fixtures),
        report=(prepared.report_dir / "conformance.md").relative_to(root).as_posix(),
        notes=tuple(n.message for n in prepared.notes),
    )


def _replay_prepared(args, registry, prepared: _Prepared) -> int:
    from ..verify.repro import load_repro, replay

    options = prepared.options
    repro = load_repro(Path(args.replay))
    if options is None:  # skipped for its config.json event; a saved repro still names its own event
        from ..verify.checks import severity_policy
        from ..verify.options import VerifyOptions

        options = VerifyOptions(
            version=prepared.args.version,
            timeout_ms=prepared.args.timeout_ms,
            runtime=prepared.args.runtime,
            node=prepared.args.node,
            severity=severity_policy(
                flag_severity=prepared.args.severity,
                flag_ignore=prepared.args.ignore_check,
                flag_fail_on=prepared.args.fail_on,
            ),
        )
    return _replay(prepared.args, registry, options, repro, replay)


def _apply_config(args, target: str | None = None):
    """Fill the options not given on the command line from the config file, then the built-in defaults.

    Returns the function's Settings (the config file's top level merged with its own table).
    """
    from ..config import load_config, pick
    from ..handlers import function_name
    from ..verify.options import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT_MS

    target = target or getattr(args, "handler", None) or args.targets[0]
    cfg = load_config().for_target(target)
    args.examples = pick(args.examples, cfg.examples, DEFAULT_EXAMPLES)
    args.timeout_ms = pick(args.timeout_ms, cfg.timeout_ms, DEFAULT_TIMEOUT_MS)
    args.workers = pick(args.workers, cfg.workers, 1)
    args.seed = pick(args.seed, cfg.seed, None)
    args.version = pick(args.version, cfg.version, None)
    args.secrets = pick(args.secrets, cfg.secrets and str(cfg.secrets), None)
    args.report_dir = pick(args.report_dir, cfg.report_dir and str(cfg.report_dir), "reports")
    # Allow-lists add up (the file's domains and the flags'), like lpf's settings.json whitelist.
    args.allow_domain = [*(cfg.allow_domains or ()), *args.allow_domain]
    args.fixtures = pick(args.fixtures, cfg.fixtures and str(cfg.fixtures), None)
    if args.http_faults is None and cfg.http_faults is not None:
        args.http_faults = ",".join(cfg.http_faults) or None
    snapshots = cfg.snapshot_dir / function_name(target) if cfg.snapshot_dir else None
    if args.snapshot_dir is None and snapshots is not None and snapshots.is_dir():
        args.snapshot_dir = str(snapshots)  # a function with recorded snapshots: compare them too
    return cfg


def _with_snapshots(args, registry, options, result, handler, scenarios=()):
    import dataclasses

    from ..snapshot.compare import format_report
    from ..snapshot.run import run_snapshots

    # The verified handler itself, with its --env/--allow-domain/--secrets: not a second, bare one.
    report = run_snapshots(
        handler,
        registry=registry,
        snapshot_dir=args.snapshot_dir,
        version=options.version,
        events=options.events,
        scenarios=scenarios,
    )
    print(format_report(report))
    return dataclasses.replace(result, snapshots=report.to_dict())


def _run_with_progress(args, verifier, handler):
    """One bar for the run on a terminal; plain lines (every ~10 s and per event) without one."""
    from ..verify.progress import PlainProgress, run_with_bar

    def run(progress):
        return verifier.run(progress=progress, handler=handler, replaceable=True)

    if args.no_progress:
        return verifier.run(handler=handler, replaceable=True)
    if sys.stderr.isatty():
        return run_with_bar(run)
    return run(PlainProgress(sys.stderr))


def _print_summary(result, report_dir) -> None:
    import sys

    for f in sorted(result.failures, key=lambda f: (f.event, f.check, f.location, f.path)):
        where = f" at {f.source}" if f.source and f.source not in f.message else ""
        print(f"{f.severity.upper()} {f.event} [{f.check}] {f.message}{where}")
        # The lambda's own frames only (the runner's and Node's say nothing to its author).
        for line in f.stack.splitlines()[1:6]:
            print(f"    {line.strip()}")
        if f.shrink_skipped:
            print(f"    {f.shrink_skipped}")
        print(f"    repro: {f.repro}")
    for s in result.static:
        print(f"{s.severity.upper()} [{s.check}] {s.rule}: {s.message}" + (f" (line {s.line})" if s.line else ""))
    for name, ev in sorted(result.events.items()):
        cov = ev.coverage.get("percent")
        cov = f"{cov}%" if cov is not None else "n/a"
        skipped = f" skipped={ev.skipped} ({ev.skipped_reason})" if ev.skipped else ""
        unchecked = f" unchecked={ev.unchecked}" if ev.unchecked else ""
        print(f"{name}: cases={ev.cases} failed={ev.failed}{unchecked} coverage={cov}{skipped}")
    for m in result.missing_fixtures:
        print(f"MISSING FIXTURE {m.get('method')} {m.get('target')} (via {m.get('via')}): cases={m.get('cases')}")
    if result.reason:
        print(result.reason)
    state = "INTERRUPTED, partial results" if result.interrupted else result.verdict.upper()
    print(
        f"verdict={state} cases={result.cases} failed={result.failed} {_findings(result)} seed={result.seed} reports={report_dir}"
    )
    sys.stdout.flush()


def _findings(result) -> str:
    """``findings=N (E errors, W warnings)``: warnings are findings too, but not failures of the verdict."""
    from ..core.results import Severity

    errors = sum(1 for f in result.failures if f.severity == Severity.ERROR)
    return f"findings={len(result.failures)} ({errors} errors, {len(result.failures) - errors} warnings)"


def _replay(args, registry, options, repro, replay) -> int:
    from ..core.errors import LambdaSyntaxError
    from ..core.results import Severity

    try:
        outcome, findings = replay(args.handler, repro, options, registry=registry)
    except LambdaSyntaxError as exc:
        # As in a full run: a lambda that does not parse is a deploy-rules finding, not bad input.
        print(f"ERROR [deploy-rules] syntax: {exc}")
        print("verdict=FAIL")
        return 1
    findings = options.policy.apply(findings)  # --severity / --ignore-check as in the full run
    print(f"replay: event={repro['event']} fault={outcome.fault or 'none'} result={outcome.result!r}")
    for log in outcome.logs:
        print(f"  log.{log.level}: {log.text}")
    for f in findings:
        print(f"{f.severity.upper()} [{f.check}] {f.message}")
    failing = (Severity.ERROR, Severity.WARNING) if options.policy.fail_on == Severity.WARNING else (Severity.ERROR,)
    errors = [f for f in findings if f.severity in failing]
    print("verdict=" + ("FAIL" if errors else "PASS"))
    return 1 if errors else 0


def _env_pair(text: str) -> tuple[str, str]:
    from ..core.errors import UsageError

    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--env needs NAME=VALUE (e.g. --env GREETING=hello), got env={text}")
    return name, value
