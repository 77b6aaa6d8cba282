"""Payload generation rate: lpf-contract's compiled strategy vs hypothesis-jsonschema, side by side.

Both run under the same Hypothesis harness (@given, @seed, database=None, generate phase only) on the
same bundled payload schema, interleaved in this process. Rates are per second of this process' CPU
time, not wall time: on a shared 2-core machine other jobs would otherwise swing them by 2x.

    .venv/bin/python bench/bench_generation.py [--event ID] [--count 1000] [--baseline-count 60] [--repeat 5]

Prints payloads per second for each (median, min, max over --repeat runs) and the ratio of the medians
(issue 10, goal 1: >= 30x). Also prints the rate of `lpf_contract.variants.generate()`, what
`lpf-contract variants` and `verify` use: the same strategy drawn by Hypothesis' choice provider
without the test engine around it (no novelty tracking or mutation of earlier examples; issue 16:
>= 50x), and which choice source the strategy used (variants/_fast.py, or the public-API fallback).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def _rate(strategy, count: int, seed: int) -> tuple[float, float]:
    """(payloads per second, mean JSON bytes) of one @given run drawing ``count`` payloads."""
    from lpf_contract.variants import draw_batch

    start = time.process_time()
    out = draw_batch(strategy, count, seed)
    elapsed = time.process_time() - start
    return len(out) / elapsed, statistics.fmean(len(json.dumps(p)) for p in out)


def _fmt(rates: list[float]) -> str:
    return f"median {statistics.median(rates):8.1f}/s  (min {min(rates):.1f}, max {max(rates):.1f}, runs {len(rates)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", default="surveybot_messaging_survey_ended")
    parser.add_argument("--count", type=int, default=1000, help="payloads per run of our strategy")
    parser.add_argument("--baseline-count", type=int, default=60, help="payloads per run of hypothesis-jsonschema (slow)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--public", action="store_true", help="measure the public-API fallback instead of variants/_fast.py")
    args = parser.parse_args(argv)
    if args.public:
        from lpf_contract.variants import _fast

        _fast.AVAILABLE = False  # what an incompatible Hypothesis release would leave us with

    from hypothesis_jsonschema import from_schema

    from lpf_contract.contracts import load_registry
    from lpf_contract.variants import generate, payload_strategy

    registry = load_registry()
    schema = registry.bundled(registry.event(args.event).payload_uri)
    ours_strategy = payload_strategy(registry, args.event)
    baseline_strategy = from_schema(schema)

    ours, baseline, sizes = [], [], {}
    for run in range(args.repeat):
        # Interleaved so that a burst of load on the machine does not land on one side only.
        rate, sizes["ours"] = _rate(ours_strategy, args.count, seed=run)
        ours.append(rate)
        rate, sizes["hypothesis-jsonschema"] = _rate(baseline_strategy, args.baseline_count, seed=run)
        baseline.append(rate)
        print(f"run {run + 1}: ours {ours[-1]:.1f}/s, hypothesis-jsonschema {baseline[-1]:.1f}/s", file=sys.stderr)

    gen_rates = []
    for run in range(args.repeat):
        start = time.process_time()
        n = sum(1 for _ in generate(registry, args.event, count=args.count, seed=run))
        gen_rates.append(n / (time.process_time() - start))

    base = statistics.median(baseline)
    ratio = statistics.median(ours) / base
    print(f"event: {args.event}  (bundled payload schema)")
    print(f"lpf-contract strategy, @given ({args.count:5d} per run): {_fmt(ours)}  mean payload {sizes['ours']:.0f} B")
    print(
        f"hypothesis-jsonschema, @given ({args.baseline_count:5d} per run): {_fmt(baseline)}  mean payload {sizes['hypothesis-jsonschema']:.0f} B"
    )
    print(f"variants.generate()           ({args.count:5d} per run): {_fmt(gen_rates)}")
    print(f"ratio @given vs @given (medians): {ratio:.1f}x   goal >= 30x: {'met' if ratio >= 30 else 'NOT met'}")
    gen_ratio = statistics.median(gen_rates) / base
    print(
        f"ratio generate() vs hypothesis-jsonschema (medians): {gen_ratio:.1f}x   goal >= 50x: {'met' if gen_ratio >= 50 else 'NOT met'}"
    )
    from lpf_contract.variants import _fast

    print(f"choice source: {'variants/_fast.py' if _fast.AVAILABLE else 'public API fallback (' + _fast.PROBLEM + ')'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
