from __future__ import annotations

from typing import Any

# How `contracts` words each result policy (contracts.RESULT_POLICIES has the sources).
_POLICY_TEXT = {
    "acted-on": "result policy acted-on: the platform executes the result, so it is checked",
    "ignored": "result policy ignored: the platform discards the result, so it is not checked; commands in it are a warning",
}


def add_parser(sub) -> None:
    p = sub.add_parser("contracts", help="list contract versions, events and schemas")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..contracts.registry import load_registry

    registry = load_registry(args.contracts)  # checked as it loads
    rows: list[dict[str, Any]] = []
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
                    # What the platform does with the lambda's result (contracts.RESULT_POLICIES).
                    "result_policy": ev.result_policy,
                    # Whether no result at all is fine (the result schema's x-lpf-no-result).
                    "no_result": "allowed" if registry.no_result_allowed(ev.result_uri) else "violation",
                    # How well LivePerson documents the payload (registry.yaml documentation).
                    "documentation": ev.documentation or "unrated",
                    "lambda_limit": ev.lambda_limit,
                    "default": ev.event_id in v.default_events,
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
            print(
                f"  {r['event']}  [{r['name']}]  documentation: {r['documentation']}"
                + ("" if r["default"] else "  (verified only when named: --event or config.json)")
            )
            print(f"    payload: {r['payload']}")
            no_result = (
                ""
                if r["result_policy"] == "ignored"
                else ("; no result allowed" if r["no_result"] == "allowed" else "; no result is a violation")
            )
            print(f"    result:  {r['result']}  ({_POLICY_TEXT.get(r['result_policy'], r['result_policy'])}{no_result})")
            print(f"    examples: {r['examples']}")
    return 0
