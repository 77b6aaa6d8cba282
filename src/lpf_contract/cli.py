"""Command line entry point: parses arguments and calls the library. Thin on purpose.

Each sub-command lives in ``lpf_contract.commands.<name>`` with ``add_parser(subparsers)`` and
``run(args) -> int``; those modules import only argparse at load time so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# Order is the order of `lpf-contract --help`.
COMMANDS = [
    "contracts",
    "check_payloads",
    "variants",
    "verify",
    "snapshot",
    "report",
    "checks",
    "serve",
    "openapi",
    "diff",
    "lint",
    "init",
    "setup",
]


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr and exit 2, like every other bad input."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lpf-contract",
        description="Contract testing and schema verification for LivePerson Functions lambdas.",
        epilog="Exit codes: 0 success, 1 contract violated, 2 bad input (we could not check).",
    )
    parser.add_argument("--version", action="version", version=f"lpf-contract {__version__}")
    parser.add_argument(
        "--contracts",
        metavar="DIR",
        default=None,
        help="folder holding registry.yaml (default: $LPF_CONTRACTS or the bundled contracts/)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .core.errors import LpfContractError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except LpfContractError as exc:
        print(f"lpf-contract {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        # A file we were told to read or write: still bad input, one line, exit 2.
        where = f": path={exc.filename}" if exc.filename else ""
        print(f"lpf-contract {args.command}: error: cannot write or read{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lpf-contract {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
