from __future__ import annotations

RENDER_FORMATS = ("md", "html", "junit", "json", "text")
COMPARE_FORMATS = ("text", "md", "json")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="re-render a conformance.json (md, html, junit, json, text), compare two of them, or print its JSON Schema",
        description=(
            "lpf-contract report conformance.json --format md|html|junit|json|text [-o FILE] re-renders a saved report; "
            "lpf-contract report --compare OLD.json NEW.json [--format text|md|json] lists what got fixed, what "
            "regressed (by event, check and location), what the new run did not cover and how coverage moved; --schema prints the JSON Schema of "
            "conformance.json. Exit 0 ok, 1 when --compare finds a new error-level failure or the new run could not check, 2 bad input."
        ),
    )
    p.add_argument("file", nargs="?", metavar="CONFORMANCE_JSON", help="a conformance.json written by verify")
    p.add_argument(
        "--format",
        "-f",
        default=None,
        choices=sorted(set(RENDER_FORMATS + COMPARE_FORMATS)),
        help="output format (default md; with --compare: text)",
    )
    p.add_argument("-o", "--output", default=None, metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--compare", nargs=2, default=None, metavar=("OLD", "NEW"), help="compare two conformance.json files")
    p.add_argument("--schema", action="store_true", help="print the JSON Schema of conformance.json and exit")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys
    from pathlib import Path

    from ..core.errors import UsageError
    from ..core.files import atomic_write
    from ..report import load_run, schema_text

    modes = sum(bool(x) for x in (args.schema, args.compare, args.file))
    if modes != 1:
        raise UsageError(
            "pass exactly one of: CONFORMANCE_JSON, --compare OLD NEW, --schema "
            "(e.g. lpf-contract report reports/conformance.json --format html -o report.html)"
        )
    if args.schema:
        if args.format:
            raise UsageError("--schema prints JSON Schema; drop --format")
        out = schema_text()
        code = 0
    elif args.compare:
        from ..report.compare import RENDERERS, compare

        fmt = args.format or "text"
        if fmt not in COMPARE_FORMATS:
            raise UsageError(f"--compare writes text, md or json, got format={fmt}")
        old, new = (load_run(Path(p)) for p in args.compare)
        result = compare(old, new)
        out = RENDERERS[fmt](result)
        code = result.exit_code
    else:
        from ..report import FORMATS

        fmt = args.format or "md"
        if fmt not in RENDER_FORMATS:
            raise UsageError(f"a report renders as md, html, junit, json or text, got format={fmt}")
        out = FORMATS[fmt](load_run(Path(args.file)))
        code = 0
    if args.output:
        try:
            atomic_write(Path(args.output), out)
        except OSError as exc:
            from ..report import ReportWriteError

            raise ReportWriteError(f"cannot write output: path={args.output}: {exc.strerror}; pass another -o FILE") from None
    else:
        sys.stdout.write(out)
        sys.stdout.flush()
    return code
