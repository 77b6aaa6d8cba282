"""Cases per second for a trivial Node lambda: one persistent worker versus a fresh `node` per case.

Both sides go through the same runner and protocol (load_handler + invoke), so the difference is
the cost of starting node and loading the handler. Run: `.venv/bin/python bench/bench_node_worker.py`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from lpf_contract.handlers import load_handler

LAMBDA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "handlers" / "node" / "v1" / "ok_callback.js"
EVENT = "surveybot_messaging_survey_ended"
INPUT = {"headers": [], "payload": {"conversationId": "c-1", "survey": {"id": 1, "answers": [1, 2, 3]}}}


def persistent(n: int) -> tuple[float, list[float]]:
    lat = []
    with load_handler(str(LAMBDA)) as h:
        for _ in range(200):  # warm up the JIT and the allocator
            h.invoke(EVENT, INPUT)
        start = time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            out = h.invoke(EVENT, INPUT)
            lat.append(time.perf_counter() - t)
            assert out.ok, out.error_message
        return n / (time.perf_counter() - start), lat


def per_case(n: int) -> tuple[float, list[float]]:
    lat = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        with load_handler(str(LAMBDA)) as h:
            out = h.invoke(EVENT, INPUT)
        lat.append(time.perf_counter() - t)
        assert out.ok, out.error_message
    return n / (time.perf_counter() - start), lat


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=5000, help="cases for the persistent worker")
    p.add_argument("--spawn-cases", type=int, default=40, help="cases for node-per-case")
    args = p.parse_args()
    rate_p, lat_p = persistent(args.cases)
    rate_s, lat_s = per_case(args.spawn_cases)
    print(f"lambda={LAMBDA.name} node={'persistent worker'}")
    print(f"persistent worker : {rate_p:10.0f} cases/s  p50={statistics.median(lat_p) * 1e6:8.0f} µs  (n={args.cases})")
    print(f"node per case     : {rate_s:10.1f} cases/s  p50={statistics.median(lat_s) * 1e3:8.1f} ms  (n={args.spawn_cases})")
    print(f"ratio             : {rate_p / rate_s:10.0f}x")


if __name__ == "__main__":
    main()
