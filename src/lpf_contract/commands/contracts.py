from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("contracts", help="list contract versions, events and schemas")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..contracts import load_registry

    registry = load_registry(args.contracts)  # checked as it loads
    rows = []
    for v in registry.versions.values():
        for ev in v.events.values():
            rows.append(
                {
                    "version": v.name,
                    "status": v.status,
                    "event": ev.event_id,
                    "name": ev.name,
                    "payload": str(registry.schema_path(ev.payload_uri).relative_to(registry.root)),
                    "result": str(registry.schema_path(ev.result_uri).relative_to(registry.root)),
                    "examples": len(registry.examples(ev.event_id, v.name)),
                }
            )
    if args.format == "json":
        print(json.dumps({"contracts": str(registry.root), "events": rows}, indent=2, sort_keys=True))
        return 0
    print(f"contracts: {registry.root}")
    for v in registry.versions.values():
        print(f"{v.name} ({v.status})" + (f"  openapi: {v.openapi_file.relative_to(registry.root)}" if v.openapi_file else ""))
        for r in (r for r in rows if r["version"] == v.name):
            print(f"  {r['event']}  [{r['name']}]")
            print(f"    payload: {r['payload']}")
            print(f"    result:  {r['result']}")
            print(f"    examples: {r['examples']}")
    return 0
