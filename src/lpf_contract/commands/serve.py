from __future__ import annotations

from ..core import platform
from .setup import add_handler_options


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a handler behind the invocation API (a local gateway for verify over HTTP and schemathesis)",
        description="Serves contracts/<version>/invocation.openapi.yaml on loopback, backed by HANDLER. "
        "Runs until Ctrl-C or SIGTERM.",
    )
    p.add_argument("handler", metavar="HANDLER", help="handler target: file.js, folder, file.py:function, or a gateway URL")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 picks a free one)")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: the current one)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="handler workers, i.e. parallel invocations (default: 2)")
    p.add_argument(
        "--timeout-ms",
        type=int,
        default=platform.DEFAULT_TIME_LIMIT_MS,
        metavar="MS",
        help=f"time limit per invocation (default: {platform.DEFAULT_TIME_LIMIT_MS}, the platform's)",
    )
    p.add_argument(
        "--api",
        choices=("auto", "v1", "v2"),
        default="auto",
        help="answer as the V1 or the V2 gateway; auto (default): V2 for requests with an LP-EventSource header and no "
        "v query, as LivePerson's client sends them to a V2 (functions/fninvocations) domain, else V1",
    )
    p.add_argument("--log-requests", action="store_true", help="print one line per request on stderr")
    add_handler_options(p)  # the handler options of verify: a served handler sees what a verified one sees
    p.set_defaults(run=run)


def run(args) -> int:
    import signal
    import sys
    import threading
    from pathlib import Path

    from ..contracts.registry import load_registry
    from ..core.errors import UsageError
    from ..handlers import load_handler
    from ..serve.app import InvocationApp, lambda_uuid, make_server, server_url

    if not 0 <= args.port <= 65535:
        raise UsageError(f"bad --port={args.port}: expected 0..65535")
    if args.workers < 1:
        raise UsageError(f"bad --workers={args.workers}: expected 1 or more")
    if args.timeout_ms < 1:
        raise UsageError(f"bad --timeout-ms={args.timeout_ms}: expected a positive number of milliseconds")
    registry = load_registry(args.contracts)
    version = registry.version(args.version)
    env = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--env needs NAME=VALUE (e.g. --env GREETING=hello), got env={item}")
        env[name] = value
    if args.secrets is not None and not Path(args.secrets).is_file():
        raise UsageError(f"secrets file not found: path={args.secrets}; pass --secrets FILE with a JSON object")
    from ..handlers.settings import find_settings, load_settings
    from .setup import load_fixtures_option

    # The allow-list load_handler serves: a function folder's settings.json whitelist, then the flags.
    settings = find_settings(Path(args.handler)) if Path(args.handler).is_dir() else None
    whitelist = load_settings(settings).whitelist if settings is not None else ()
    fixtures = load_fixtures_option(args.fixtures, (*whitelist, *args.allow_domain))
    handler = load_handler(
        args.handler,
        workers=args.workers,
        timeout_ms=args.timeout_ms,
        node=args.node,
        env=env or None,
        allow_domains=tuple(args.allow_domain),
        secrets_file=Path(args.secrets) if args.secrets else None,
        fixtures=fixtures.document if fixtures is not None else None,
    )
    try:
        app = InvocationApp(handler, registry=registry, version=version.name, api=args.api)
        try:
            server = make_server(app, host=args.host, port=args.port, quiet=not args.log_requests)
        except OSError as exc:
            raise UsageError(f"cannot listen on host={args.host} port={args.port}: {exc.strerror or exc}; try --port 0") from None
        url = server_url(server)
        print(
            f"lpf-contract serve: {url} handler={args.handler} version={version.name} workers={args.workers} api={args.api}",
            flush=True,
        )
        for event_id in sorted(version.events):
            print(f"  POST {url}/api/account/ACCOUNT/events/{event_id}/invoke  (lambda {lambda_uuid(version.name, event_id)})")
        openapi = version.openapi_file
        if openapi is not None:
            print(f"  schemathesis run {openapi} --url {url}")
        print("Ctrl-C stops.", flush=True)

        def stop(signum, frame):  # serve_forever must be shut down from another thread
            threading.Thread(target=server.shutdown, daemon=True).start()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
        print("lpf-contract serve: stopped", file=sys.stderr, flush=True)
    finally:
        handler.close()
    return 0
