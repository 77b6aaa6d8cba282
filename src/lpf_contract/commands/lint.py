from __future__ import annotations

from .setup import add_node_option


def add_parser(sub) -> None:
    p = sub.add_parser(
        "lint",
        help="check a lambda against the platform's save-time rules",
        description=(
            "Static deploy rules: valid syntax (node --check with the runtime's Node: 14.19.0 for V1, 22 for V2), a top-level lambda function, under 100000 characters, "
            "no eval / new Function, only the platform's modules, a V1 lambda that uses its callback. "
            "Exit 0 when clean, 1 when any rule is broken, 2 for bad input."
        ),
    )
    p.add_argument("files", nargs="+", metavar="HANDLER", help="a .js file or a functions/<name>/ folder")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--runtime", choices=("v1", "v2"), default=None,
                   help="parse as this runtime's lambda (default: read from the source; V1 parses with Node 14.19.0)")
    add_node_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    import json
    import sys

    from ..verify.deploy_rules import lint_file, resolve_source

    for f in args.files:  # fail on a missing file before linting anything
        resolve_source(f)
    report = []
    total = 0
    for f in args.files:
        issues = lint_file(f, runtime=args.runtime, node=args.node)
        total += len(issues)
        report.append({"path": str(f), "issues": [{"rule": i.rule, "line": i.line, "message": i.message} for i in issues]})
    if args.format == "json":
        print(json.dumps({"files": report, "issues": total}, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        for entry in report:
            for i in entry["issues"]:
                where = f"{entry['path']}:{i['line']}" if i["line"] else entry["path"]
                sys.stdout.write(f"{where}: {i['rule']}: {i['message']}\n")
        print(f"linted={len(report)} issues={total}", file=sys.stderr)
    return 1 if total else 0
