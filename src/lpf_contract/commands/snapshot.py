from __future__ import annotations

from .setup import add_node_option


def add_parser(sub) -> None:
    p = sub.add_parser(
        "snapshot",
        help="compare a handler's outcomes on the golden examples with recorded snapshots",
        description=(
            "Runs every golden example of the contract through the handler and compares each outcome "
            "(result, or fault kind and error code, and the number of log calls) with "
            "DIR/<event-id>/<example-name>.json. Exit 0 all match, 1 a difference, a missing snapshot or "
            "a snapshot with no example left, 2 bad input."
        ),
    )
    p.add_argument("handler", metavar="HANDLER", help="JS file/folder, file.py:function, or http(s):// gateway")
    p.add_argument("--snapshot-dir", default=None, metavar="DIR",
                   help="where snapshots live (one folder per event id); default: the config file's snapshot-dir/<function>/")
    p.add_argument("--update", action="store_true", help="write missing and changed snapshots and list them")
    p.add_argument("--prune", action="store_true", help="delete snapshots that no golden example matches any more")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: current)")
    p.add_argument("--event", action="append", default=[], metavar="ID", help="event id (repeatable; default: all events)")
    p.add_argument(
        "--ignore-path",
        action="append",
        default=[],
        metavar="JSONPATH",
        help=(
            "mask a volatile part of every snapshot, as a JSONPath over the snapshot document "
            "{result, fault: {kind, code}, log_count}: '$.result[*].text', '$..timestamp', "
            "\"$.result[?(@.type == 'transfer')].skillId\" (repeatable)"
        ),
    )
    p.add_argument("--payloads", action="append", default=[], metavar="FILE",
                   help="scenario payloads of your own (.json/.jsonl), recorded like golden examples as "
                        "<event>/scenario-<file stem>-<line>.json (repeatable; adds to the config file's payloads)")
    p.add_argument("--timeout-ms", type=int, default=None, metavar="MS", help="time limit per invocation (default 30000)")
    p.add_argument("--runtime", choices=("v1", "v2"), default=None, help="force the Node runtime (default: detected)")
    add_node_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    import sys

    from ..contracts.registry import load_registry
    from ..core.errors import UsageError
    from ..snapshot.run import format_report, run_snapshots
    from ..verify.engine import MAX_TIMEOUT_MS

    _apply_config(args)
    if not 1 <= args.timeout_ms <= MAX_TIMEOUT_MS:
        raise UsageError(f"--timeout-ms must be between 1 and {MAX_TIMEOUT_MS}, got timeout_ms={args.timeout_ms}")
    registry = load_registry(args.contracts)
    scenarios = _scenarios(args, registry)
    target = args.handler
    if args.node is not None:
        from ..handlers import load_handler

        # A bare target is loaded by run_snapshots without --node; this one is loaded here and closed below.
        target = load_handler(args.handler, timeout_ms=args.timeout_ms, runtime=args.runtime, workers=1, node=args.node)
    try:
        report = run_snapshots(
            target,
            registry=registry,
            snapshot_dir=args.snapshot_dir,
            version=args.version,
            events=tuple(args.event),
            update=args.update,
            ignore_paths=tuple(args.ignore_path),
            prune=args.prune,
            timeout_ms=args.timeout_ms,
            runtime=args.runtime,
            scenarios=scenarios,
        )
    finally:
        if target is not args.handler:
            target.close()
    print(format_report(report))
    sys.stdout.flush()
    return 0 if report.passed else 1


def _apply_config(args) -> None:
    """Options not given on the command line come from the config file, then the built-in defaults."""
    from ..config import function_name, load_config, pick
    from ..core.errors import UsageError
    from ..verify.engine import DEFAULT_TIMEOUT_MS

    cfg = load_config().for_target(args.handler)
    args.payloads = list(dict.fromkeys([*(str(p) for p in (cfg.payloads or ())), *args.payloads]))
    args.timeout_ms = pick(args.timeout_ms, cfg.timeout_ms, DEFAULT_TIMEOUT_MS)
    args.version = pick(args.version, cfg.version, None)
    if args.snapshot_dir is None:
        if cfg.snapshot_dir is None:
            raise UsageError("snapshot needs --snapshot-dir DIR (or snapshot-dir in [tool.lpf-contract]); "
                             "e.g. --snapshot-dir __lpf_snapshots__/" + function_name(args.handler))
        args.snapshot_dir = str(cfg.snapshot_dir / function_name(args.handler))


def _scenarios(args, registry):
    """The scenario payloads, each checked against every selected event's contract first (exit 2)."""
    from ..contracts.payloads import check_scenarios, read_scenarios

    if not args.payloads:
        return ()
    scenarios = read_scenarios(args.payloads)
    version = registry.version(args.version)
    for ev in list(dict.fromkeys(args.event)) or sorted(version.events):
        check_scenarios(scenarios, registry, ev, version.name)
    return scenarios
