from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("checks", help="list the checks verify runs (id, severity, what it means)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..verify.checks import CHECKS

    rows = [{"id": c.id, "severity": str(c.severity), "static": c.fn is None, "description": c.description} for c in CHECKS]
    if args.format == "json":
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        print(f"{r['id']:<{width}}  {r['severity']:<7}  {r['description']}")
    return 0
