from __future__ import annotations

from .setup import add_node_option


def add_parser(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="verify a handler (JS file/folder, file.py:function, or http(s):// gateway) against the contract",
        description=(
            "Runs the systematic variants and --examples generated payloads per event through the handler, "
            "checks every outcome, shrinks each distinct failure and writes reports. "
            "Exit 0 no error-level failure, 1 some, 2 bad input."
        ),
    )
    p.add_argument("handler", metavar="HANDLER")
    p.add_argument("--event", action="append", default=[], metavar="ID", help="event id (repeatable; default: all events)")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: current)")
    p.add_argument("--examples", type=int, default=None, metavar="N", help="generated payloads per event (default 200, or the config file's)")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="seed (default: 0 under CI=true, random otherwise; always printed)")
    p.add_argument("--timeout-ms", type=int, default=None, metavar="MS", help="time limit per invocation (default 30000, the platform's)")
    p.add_argument("--runtime", choices=("v1", "v2"), default=None, help="force the Node runtime (default: detected)")
    add_node_option(p)
    p.add_argument("--workers", type=int, default=None, metavar="N", help="handler worker processes (default 1)")
    p.add_argument("--report-dir", default=None, metavar="DIR", help="where reports go (default reports/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (also off when stderr is not a terminal)")
    p.add_argument("--no-systematic", action="store_true", help="skip the systematic variants (generated payloads only)")
    p.add_argument("--header", action="append", default=[], metavar="'Name: value'", help="HTTP header for http(s) targets (repeatable)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="environment variable the handler sees (repeatable; it sees no host variables)")
    p.add_argument("--allow-domain", action="append", default=[], metavar="DOMAIN",
                   help="domain the handler may reach over HTTP (repeatable; one leading wildcard allowed, e.g. *.example.com)")
    p.add_argument("--secrets", default=None, metavar="FILE",
                   help="JSON file {\"name\": \"value\"} served by the toolbelt's SecretClient")
    p.add_argument("--snapshot-dir", default=None, metavar="DIR",
                   help="also compare the golden examples' outcomes with the snapshots in DIR (see `snapshot`); counted in the reports")
    p.add_argument("--replay", default=None, metavar="FILE", help="re-run one saved failing payload (from the report dir's repro/)")
    p.set_defaults(run=run)


def run(args) -> int:
    import signal
    import sys
    from pathlib import Path

    from ..contracts import load_registry
    from ..errors import LambdaSyntaxError
    from ..verify import VerifyOptions, Verifier, load_repro, replay

    _apply_config(args)
    options = VerifyOptions(
        events=tuple(args.event),
        version=args.version,
        examples=args.examples,
        seed=args.seed,
        timeout_ms=args.timeout_ms,
        runtime=args.runtime,
        node=args.node,
        workers=args.workers,
        headers=tuple(args.header),
        env=tuple(_env_pair(e) for e in args.env),
        allow_domains=tuple(args.allow_domain),
        secrets_file=Path(args.secrets) if args.secrets else None,
        systematic=not args.no_systematic,
        report_dir=Path(args.report_dir),
        contracts_dir=Path(args.contracts) if args.contracts else None,
    )
    registry = load_registry(args.contracts)
    if args.replay:
        return _replay(args, registry, options, load_repro(Path(args.replay)), replay)

    from ..handlers import load_handler
    from ..report import check_writable, write_reports

    report_dir = Path(args.report_dir)
    check_writable(report_dir)
    verifier = Verifier(args.handler, options, registry=registry)  # version and events checked first

    def on_term(signum, frame):  # SIGTERM behaves like Ctrl-C: stop, clean up, still report
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        # Loaded before the header: a handler that cannot load is one line of error and exit 2; one
        # that does not parse is a deploy-rules finding (the platform refuses to deploy it): exit 1.
        try:
            handler = load_handler(args.handler, **options.handler_options())
        except LambdaSyntaxError as exc:
            handler = None
            result = verifier.not_deployable(exc)
            print(f"lpf-contract verify: handler={args.handler} does not parse: {exc}", file=sys.stderr)
            write_reports(result, report_dir)
        if handler is not None:
            try:
                print(f"lpf-contract verify: handler={args.handler} kind={handler.kind} version={verifier.version.name} "
                      f"seed={verifier.seed} examples={options.examples} events={','.join(verifier.events)}", file=sys.stderr)
                if not args.no_progress and sys.stderr.isatty():
                    result = _with_progress(verifier, handler)
                else:
                    result = verifier.run(handler=handler, replaceable=True)
                # The verifier may have replaced a handler whose workers it killed (a certain hang).
                live = verifier.handler or handler
                # Reports first: a snapshot problem below must not lose what verify found.
                write_reports(result, report_dir)
                if args.snapshot_dir and not result.interrupted:
                    result = _with_snapshots(args, registry, options, result, live)
                    write_reports(result, report_dir)
            finally:
                handler.close()
                if verifier.handler is not None:
                    verifier.handler.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_summary(result, report_dir)
    if result.interrupted:
        return 130
    return 1 if result.verdict == "fail" else 0


def _apply_config(args) -> None:
    """Fill the options not given on the command line from the config file, then the built-in defaults."""
    from ..config import function_name, load_config, pick
    from ..verify import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT_MS

    cfg = load_config().for_target(args.handler)
    args.examples = pick(args.examples, cfg.examples, DEFAULT_EXAMPLES)
    args.timeout_ms = pick(args.timeout_ms, cfg.timeout_ms, DEFAULT_TIMEOUT_MS)
    args.workers = pick(args.workers, cfg.workers, 1)
    args.seed = pick(args.seed, cfg.seed, None)
    args.version = pick(args.version, cfg.version, None)
    args.secrets = pick(args.secrets, cfg.secrets and str(cfg.secrets), None)
    args.report_dir = pick(args.report_dir, cfg.report_dir and str(cfg.report_dir), "reports")
    # Allow-lists add up (the file's domains and the flags'), like lpf's settings.json whitelist.
    args.allow_domain = [*(cfg.allow_domains or ()), *args.allow_domain]
    snapshots = cfg.snapshot_dir / function_name(args.handler) if cfg.snapshot_dir else None
    if args.snapshot_dir is None and snapshots is not None and snapshots.is_dir():
        args.snapshot_dir = str(snapshots)  # a function with recorded snapshots: compare them too
    args.config_settings = cfg  # severity and payloads: read by the later scenario/severity features


def _with_snapshots(args, registry, options, result, handler):
    import dataclasses

    from ..snapshot import format_report, run_snapshots

    # The verified handler itself, with its --env/--allow-domain/--secrets: not a second, bare one.
    report = run_snapshots(
        handler, registry=registry, snapshot_dir=args.snapshot_dir, version=options.version, events=options.events,
    )
    print(format_report(report))
    return dataclasses.replace(result, snapshots=report.to_dict())


def _with_progress(verifier, handler):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as bar:
        tasks = {}

        def progress(event, done, total):
            if event not in tasks:
                tasks[event] = bar.add_task(event, total=total)
            bar.update(tasks[event], completed=done)

        return verifier.run(progress=progress, handler=handler, replaceable=True)


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
        print(f"{name}: cases={ev.cases} failed={ev.failed} coverage={cov}{skipped}")
    state = "INTERRUPTED, partial results" if result.interrupted else result.verdict.upper()
    print(f"verdict={state} cases={result.cases} failed={result.failed} distinct_failures={len(result.failures)} "
          f"seed={result.seed} reports={report_dir}")
    sys.stdout.flush()


def _replay(args, registry, options, repro, replay) -> int:
    from ..errors import LambdaSyntaxError
    from ..model import Severity

    try:
        outcome, findings = replay(args.handler, repro, options, registry=registry)
    except LambdaSyntaxError as exc:
        # As in a full run: a lambda that does not parse is a deploy-rules finding, not bad input.
        print(f"ERROR [deploy-rules] syntax: {exc}")
        print("verdict=FAIL")
        return 1
    print(f"replay: event={repro['event']} fault={outcome.fault or 'none'} result={outcome.result!r}")
    for log in outcome.logs:
        print(f"  log.{log.level}: {log.text}")
    for f in findings:
        print(f"{f.severity.upper()} [{f.check}] {f.message}")
    errors = [f for f in findings if f.severity == Severity.ERROR]
    print("verdict=" + ("FAIL" if errors else "PASS"))
    return 1 if errors else 0


def _env_pair(text: str) -> tuple[str, str]:
    from ..errors import UsageError

    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--env needs NAME=VALUE (e.g. --env GREETING=hello), got env={text}")
    return name, value
