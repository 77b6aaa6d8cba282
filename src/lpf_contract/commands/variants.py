from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "variants",
        help="write generated payloads of an event as JSONL (Hypothesis, from the payload schema)",
        description=(
            "Writes one payload per line (keys sorted). The seed goes to stderr: pass it back with --seed to get "
            "the same payloads. Default seed: 0 under CI=true, random otherwise."
        ),
    )
    p.add_argument("--event", required=True, metavar="ID", help="event id, e.g. surveybot_messaging_survey_ended")
    p.add_argument(
        "--count", type=int, default=None, metavar="N", help="random payloads to generate (default 100, or 0 with --systematic)"
    )
    p.add_argument("--seed", type=int, default=None, metavar="S", help="seed for reproducible output")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: the current one)")
    p.add_argument(
        "--systematic",
        action="store_true",
        help="first write the systematic set (golden examples, every enum value, optional fields present/absent, boundaries)",
    )
    p.add_argument("-o", "--output", default=None, metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys

    import orjson

    from ..contracts.registry import load_registry
    from ..core.errors import UsageError
    from ..variants import Coverage, generate, systematic_variants
    from ..verify.engine import resolve_seed

    count = args.count if args.count is not None else (0 if args.systematic else 100)
    if count < 0:
        raise UsageError(f"--count={count} must be 0 or more")
    registry = load_registry(args.contracts)
    spec = registry.event(args.event, args.version)  # unknown event or version: exit 2 before any output
    seed = resolve_seed(args.seed)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # unwritable: exit 2 before output
    print(f"seed={seed}", file=sys.stderr, flush=True)

    coverage = Coverage.for_schema(registry.bundled(spec.payload_uri))
    written = 0
    try:
        if args.systematic:
            for payload in (v.payload for v in systematic_variants(registry, args.event, spec.version)):
                coverage.observe(payload)
                out.write(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
                written += 1
        for payload in generate(registry, args.event, count=count, seed=seed, version=spec.version):
            coverage.observe(payload)
            out.write(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            written += 1
        out.flush()
    finally:
        if args.output:
            out.close()
    summary = coverage.summary()
    where = f" to {args.output}" if args.output else ""
    print(
        f"wrote {written} payloads{where} event={args.event} version={spec.version} seed={seed} "
        f"coverage={summary['percent']}% (enum {summary['enum']['covered']}/{summary['enum']['total']}, "
        f"optional {summary['optional']['covered']}/{summary['optional']['total']})",
        file=sys.stderr,
    )
    return 0
