"""Persistent-worker speed on the platform's Node builds versus the local Node.

Issue 13: V1 lambdas now run on Node 14.19.0 (the platform's) instead of the local Node; the goal
is that a persistent worker's invocations per second on 14.19 stay within 20 % of the local Node's.
The same trivial V1 lambda runs through load_handler + invoke (runner, protocol, checks of the
Python side) on: the provisioned Node 14.19.0 (its default), the local `node` (`--node local`) and
the provisioned Node 22 (`--node PATH`). The sides are interleaved --repeat times; the script prints
medians with min and max, and the ratios against the local Node.

    .venv/bin/python bench/bench_node_versions.py [--repeat 5] [--cases 3000] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from lpf_contract.handlers import load_handler, provision

REPO = Path(__file__).resolve().parents[1]
LAMBDA = REPO / "tests/fixtures/handlers/node/v1/ok_callback.js"
EVENT = "surveybot_messaging_survey_ended"
INPUT = {"headers": [], "payload": {"conversationId": "c-1", "survey": {"id": 1, "answers": [1, 2, 3]}}}


def rate(node: str | None, cases: int) -> tuple[float, str]:
    """(invocations per second of one persistent worker, the Node version the lambda saw)."""
    with load_handler(str(LAMBDA), node=node) as h:
        for _ in range(300):  # warm up the JIT and the allocator
            out = h.invoke(EVENT, INPUT)
            assert out.ok, out.error_message
        start = time.perf_counter()
        for _ in range(cases):
            h.invoke(EVENT, INPUT)
        elapsed = time.perf_counter() - start
        version = subprocess.run([h.node_binary, "--version"], capture_output=True, text=True).stdout.strip()
    return cases / elapsed, version


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):8.0f}/s  (min {min(xs):.0f}, max {max(xs):.0f}, runs {len(xs)})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--quick", action="store_true", help="1000 cases, 3 runs")
    args = p.parse_args(argv)
    if args.quick:
        args.repeat, args.cases = 3, 1000
    provision.ensure(provision.RUNTIMES)
    sides = {
        "platform V1 (default)": None,
        "local (--node local)": "local",
        "platform V2 build (--node)": provision.runtime_for("v2").node,
    }
    rates: dict[str, list[float]] = {name: [] for name in sides}
    versions: dict[str, str] = {}
    for _ in range(args.repeat):
        for name, node in sides.items():  # interleaved: machine noise spreads over every side
            r, versions[name] = rate(node, args.cases)
            rates[name].append(r)
    print(f"lambda={LAMBDA.name} cases={args.cases} repeat={args.repeat}")
    for name in sides:
        print(f"{name:28} {versions[name]:9} {fmt(rates[name])}")
    local = statistics.median(rates["local (--node local)"])
    for name in sides:
        if name != "local (--node local)":
            ratio = statistics.median(rates[name]) / local
            print(f"ratio {name} / local: {ratio:.2f}  ({(ratio - 1) * 100:+.0f} %)")
    v1 = statistics.median(rates["platform V1 (default)"]) / local
    print(f"goal: Node 14.19 within 20 % of the local Node: {'met' if v1 >= 0.8 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
