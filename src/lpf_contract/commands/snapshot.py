from __future__ import annotations

from ..core import platform
from .setup import add_handler_options, load_fixtures_option


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
    p.add_argument(
        "--snapshot-dir",
        default=None,
        metavar="DIR",
        help="where snapshots live (one folder per event id); default: the config file's snapshot-dir/<function>/",
    )
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
    p.add_argument(
        "--payloads",
        action="append",
        default=[],
        metavar="FILE",
        help="scenario payloads of your own (.json/.jsonl), recorded like golden examples as "
        "<event>/scenario-<file stem>-<line>.json (repeatable; adds to the config file's payloads)",
    )
    p.add_argument(
        "--timeout-ms",
        type=int,
        default=None,
        metavar="MS",
        help=f"time limit per invocation (default {platform.DEFAULT_TIME_LIMIT_MS})",
    )
    p.add_argument("--runtime", choices=("v1", "v2"), default=None, help="force the Node runtime (default: detected)")
    add_handler_options(p)  # --env, --allow-domain, --secrets, --fixtures, --node, as verify
    p.set_defaults(run=run)


def run(args) -> int:
    import sys
    import tempfile
    from pathlib import Path

    from ..contracts.registry import load_registry
    from ..core.errors import UsageError
    from ..handlers import load_handler
    from ..snapshot.compare import format_report
    from ..snapshot.run import run_snapshots
    from ..verify.functions_repo import prepare_target
    from ..verify.options import MAX_TIMEOUT_MS
    from .verify import _env_pair

    _apply_config(args)
    if not 1 <= args.timeout_ms <= MAX_TIMEOUT_MS:
        raise UsageError(f"--timeout-ms must be between 1 and {MAX_TIMEOUT_MS}, got timeout_ms={args.timeout_ms}")
    registry = load_registry(args.contracts)
    with tempfile.TemporaryDirectory(prefix="lpf-contract-secrets-") as private:
        # Prepared as verify prepares it (functions_repo.prepare_target): config.json event,
        # settings.json secrets and whitelist, the config file's secrets/allow-list/payloads, the flags.
        setup = prepare_target(
            args.handler,
            registry=registry,
            version=args.version,
            events=args.event,
            env=[_env_pair(e) for e in args.env],
            allow_domains=args.allow_domain,
            config_secrets=args.config_secrets,
            flag_secrets=args.secrets,
            payload_files=args.payloads,
            private=Path(private),
        )
        if not setup.events:
            print(f"verdict=SKIPPED {args.handler}: {setup.skipped}")
            return 0
        fixtures = load_fixtures_option(args.fixtures, setup.allow_domains)
        handler = load_handler(
            args.handler,
            timeout_ms=args.timeout_ms,
            runtime=args.runtime,
            workers=1,
            node=args.node,
            **{k: v for k, v in setup.handler_options().items() if v},
            **({"fixtures": fixtures.document} if fixtures is not None else {}),
        )
        with handler:
            report = run_snapshots(
                handler,
                registry=registry,
                snapshot_dir=args.snapshot_dir,
                version=args.version,
                events=setup.events if setup.function.folder is not None or args.event else (),
                update=args.update,
                ignore_paths=tuple(args.ignore_path),
                prune=args.prune,
                scenarios=setup.scenarios,
            )
    print(format_report(report))
    sys.stdout.flush()
    return report.exit_code  # 1: a difference; 2: a case could not be checked (no fixture)


def _apply_config(args) -> None:
    """Options not given on the command line come from the config file, then the built-in defaults."""
    from ..config import load_config, pick
    from ..core.errors import UsageError
    from ..handlers import function_name
    from ..verify.options import DEFAULT_TIMEOUT_MS

    cfg = load_config().for_target(args.handler)
    args.payloads = list(dict.fromkeys([*(str(p) for p in (cfg.payloads or ())), *args.payloads]))
    args.timeout_ms = pick(args.timeout_ms, cfg.timeout_ms, DEFAULT_TIMEOUT_MS)
    args.version = pick(args.version, cfg.version, None)
    args.config_secrets = cfg.secrets
    args.allow_domain = [*(cfg.allow_domains or ()), *args.allow_domain]
    args.fixtures = pick(args.fixtures, cfg.fixtures and str(cfg.fixtures), None)
    if args.snapshot_dir is None:
        if cfg.snapshot_dir is None:
            raise UsageError(
                "snapshot needs --snapshot-dir DIR (or snapshot-dir in [tool.lpf-contract]); "
                "e.g. --snapshot-dir __lpf_snapshots__/" + function_name(args.handler)
            )
        args.snapshot_dir = str(cfg.snapshot_dir / function_name(args.handler))
