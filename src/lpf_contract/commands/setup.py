from __future__ import annotations

_NODE_HELP = (
    "Node binary for every runtime: a path, or `local` for the node on PATH "
    "(default: the platform's build, V1 14.19.0 / V2 22, installed by `lpf-contract setup`)"
)


def add_node_option(p) -> None:
    """``--node PATH|local``, shared by every command that runs or parses lambdas."""
    p.add_argument("--node", default=None, metavar="PATH|local", help=_NODE_HELP)


def add_handler_options(p, *, verify: bool = False) -> None:
    """``--env``, ``--allow-domain``, ``--secrets``, ``--fixtures`` and ``--node``: what a lambda sees, the
    same for every command that runs one (verify, snapshot, serve), so a served or recorded lambda sees
    what a verified one does. ``verify=True`` adds verify's ``--record`` and ``--http-faults``."""
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment variable the handler sees (repeatable; it sees no host variables)",
    )
    p.add_argument(
        "--allow-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="domain the handler may reach over HTTP (repeatable; one leading wildcard allowed, e.g. *.example.com)",
    )
    p.add_argument(
        "--secrets",
        default=None,
        metavar="FILE",
        help='JSON secrets served by the toolbelt\'s SecretClient: {"name": "value"}, [{"key", "value"}] or lpf\'s '
        "settings.json (adds to functions/settings.json and the config file's)",
    )
    p.add_argument(
        "--fixtures",
        default=None,
        metavar="FILE",
        help="YAML/JSON fixtures answering the lambda's external calls: HTTP (fetch, http/https, "
        "Toolbelt.HTTPClient), LivePerson's toolbelt clients, the Context Service. With it no request "
        "reaches the network: an unmatched allow-listed request fails with the fixture to add "
        "(Node lambdas only; or the config file's fixtures)",
    )
    if verify:
        p.add_argument(
            "--record",
            default=None,
            metavar="FILE",
            help="call the real allow-listed hosts (once per distinct request) and write what they answered "
            "to FILE as fixtures (YAML for .yaml/.yml, else JSON), secrets and tokens redacted; with "
            "--fixtures, those answer first and FILE is them plus the recorded ones (Node lambdas only)",
        )
        p.add_argument(
            "--http-faults",
            nargs="?",
            const="all",
            default=None,
            metavar="MODES",
            help="also run every case that made external calls with each of them failing: a comma list of "
            "5xx, refused, timeout (bare or `all`: the three), so the lambda's error handling is judged "
            "(Node lambdas only; or the config file's http-faults)",
        )
    add_node_option(p)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "setup",
        help="install the platform's Node builds and modules into the cache (done on first use otherwise)",
        description=(
            "Installs, with npm, the Node builds lambdas run on (V1 14.19.0, V2 22) and the platform's modules "
            "(lodash, luxon, oauth-1.0a, jsforce) into the cache: $LPF_CONTRACT_CACHE, else the user's cache folder. "
            "For CI images and offline machines: run it where the npm registry is reachable, then copy the cache "
            "folder and set LPF_CONTRACT_CACHE. --check only reports what is there: exit 0 all present, 2 missing."
        ),
    )
    p.add_argument("--runtime", choices=("v1", "v2", "all"), default="all", help="which runtime's Node (default: all)")
    p.add_argument("--check", action="store_true", help="report what is installed, install nothing (exit 0 / 2)")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys

    from ..handlers import provision

    runtimes = provision.RUNTIMES if args.runtime == "all" else (args.runtime,)
    cache = provision.cache_dir()
    if not args.check:
        provision.ensure(runtimes)
    rows = provision.status(runtimes, cache=cache)
    print(f"cache={cache}")
    for name, path, present, note in rows:
        state = "present" if present else "missing"
        print(f"  {state:8} {name}" + (f"  {path}" if path else "") + (f"  ({note})" if note else ""))
    missing = [name for name, _, present, _ in rows if not present]
    if missing:
        print(
            f"lpf-contract setup: missing={len(missing)}; run `lpf-contract setup"
            + (f" --runtime {args.runtime}" if args.runtime != "all" else "")
            + "` where the npm registry is reachable",
            file=sys.stderr,
        )
        return 2
    return 0


def load_fixtures_option(path, allow_domains):
    """--fixtures loaded (exit 2 when invalid), its never-answering entries warned about; None without one."""
    import sys

    from ..handlers.fixtures import load_fixtures

    if not path:
        return None
    fixtures = load_fixtures(path)
    for warning in fixtures.warnings(allow_domains):
        print(f"WARNING {warning}", file=sys.stderr)
    return fixtures
