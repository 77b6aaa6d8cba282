"""Node handlers: persistent workers versus `node` per case, and `--workers 1` versus `--workers 2`.

Goal 3 of issue 10: (a) Node handlers run at >= 10x the cases per second of spawning `node` per case;
(b) `--workers N` uses N worker processes, and a handler that takes 5 ms per case runs >= 1.6x faster
with `--workers 2` than with `--workers 1`.

(a) is measured twice: at the handler (the same runner and protocol either way, as in
bench/bench_node_worker.py, whose functions this reuses) and end to end (`Verifier.run()` of a trivial
lambda, generation and checks included, cases per second) against the same node-per-case rate.
(b) is measured at the handler (cases pushed from 2N threads; distinct worker pids counted) and end to
end (`Verifier.run()` with workers=1 and 2 of a lambda that answers after a 5 ms timer). Each side is
interleaved with the other --repeat times; the script prints medians with min and max.

    .venv/bin/python bench/bench_workers.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_node_worker import per_case, persistent  # noqa: E402  (bench/ is not a package)

REPO = Path(__file__).resolve().parents[1]
EVENT = "surveybot_messaging_survey_ended"
TRIVIAL = REPO / "tests/fixtures/handlers/node/v1/ok_callback.js"
SLEEP_PID = REPO / "tests/fixtures/handlers/node/probe/sleep_then_pid.js"  # waits payload.ms, returns {pid}
# A 5 ms lambda whose answer is valid whatever the payload, so that verify can run it end to end.
SLOW_OK = 'function lambda(input, callback) {\n  setTimeout(() => callback(null, "ok"), 5);\n}\n'


def fmt(xs: list[float], unit: str = "/s") -> str:
    return f"median {statistics.median(xs):9.1f}{unit}  (min {min(xs):.1f}, max {max(xs):.1f}, runs {len(xs)})"


def verify_rate(target: str, *, workers: int, examples: int, seed: int) -> float:
    """Cases per second of one in-process verify run (generation, handler, checks; no reports)."""
    from lpf_contract.verify.engine import Verifier
    from lpf_contract.verify import VerifyOptions

    options = VerifyOptions(events=(EVENT,), examples=examples, seed=seed, systematic=False, workers=workers)
    start = time.perf_counter()
    result = Verifier(target, options).run()
    elapsed = time.perf_counter() - start
    assert result.verdict == "pass" and result.cases == examples, (result.verdict, result.cases, result.failures[:1])
    return result.cases / elapsed


def pool_rate(workers: int, cases: int) -> tuple[float, int]:
    """(cases per second, distinct worker pids) of the 5 ms lambda invoked from 2N threads."""
    from lpf_contract.handlers import load_handler

    inp = {"headers": [], "payload": {"ms": 5}}
    with load_handler(str(SLEEP_PID), workers=workers) as h:
        with ThreadPoolExecutor(2 * workers) as pool:
            list(pool.map(lambda _: h.invoke(EVENT, inp), range(4 * workers)))  # start every worker
            start = time.perf_counter()
            outs = list(pool.map(lambda _: h.invoke(EVENT, inp), range(cases)))
            elapsed = time.perf_counter() - start
    assert all(o.ok for o in outs), next(o.error_message for o in outs if not o.ok)
    return cases / elapsed, len({o.result["pid"] for o in outs})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cases", type=int, default=3000, help="cases for the persistent worker")
    p.add_argument("--spawn-cases", type=int, default=30, help="cases for node-per-case")
    p.add_argument("--examples", type=int, default=300, help="generated payloads per verify run")
    p.add_argument("--slow-cases", type=int, default=400, help="cases of the 5 ms lambda at the handler")
    p.add_argument("--quick", action="store_true", help="fewer cases, 2 runs")
    args = p.parse_args(argv)
    if args.quick:
        args.repeat, args.cases, args.spawn_cases, args.examples, args.slow_cases = 2, 1000, 15, 150, 200

    r: dict[str, list[float]] = {k: [] for k in ("persistent", "spawn", "verify", "pool1", "pool2", "ver1", "ver2")}
    pids: dict[int, set[int]] = {1: set(), 2: set()}
    with tempfile.TemporaryDirectory(prefix="lpf-bench-workers-") as tmp:
        slow = Path(tmp) / "slow_ok.js"
        slow.write_text(SLOW_OK, encoding="utf-8")
        verify_rate(str(TRIVIAL), workers=1, examples=20, seed=0)  # imports and first-use caches out of the figures
        for run in range(args.repeat):
            r["persistent"].append(persistent(args.cases)[0])
            r["spawn"].append(per_case(args.spawn_cases)[0])
            r["verify"].append(verify_rate(str(TRIVIAL), workers=1, examples=args.examples, seed=run))
            for w in (1, 2):
                rate, n = pool_rate(w, args.slow_cases)
                r[f"pool{w}"].append(rate)
                pids[w].add(n)
            for w in (1, 2):
                r[f"ver{w}"].append(verify_rate(str(slow), workers=w, examples=args.examples, seed=run))
            print(
                f"run {run + 1}: persistent {r['persistent'][-1]:.0f}/s, spawn {r['spawn'][-1]:.1f}/s, verify {r['verify'][-1]:.0f}/s; "
                f"5 ms lambda: handler w1 {r['pool1'][-1]:.0f}/s w2 {r['pool2'][-1]:.0f}/s, verify w1 {r['ver1'][-1]:.0f}/s w2 {r['ver2'][-1]:.0f}/s",
                file=sys.stderr,
            )

    med = {k: statistics.median(v) for k, v in r.items()}
    a_handler = med["persistent"] / med["spawn"]
    a_verify = med["verify"] / med["spawn"]
    b_handler = med["pool2"] / med["pool1"]
    b_verify = med["ver2"] / med["ver1"]
    print("(a) Node: persistent worker vs node per case (trivial lambda)")
    print(f"  node per case (load_handler+invoke+close) {fmt(r['spawn'])}")
    print(f"  persistent worker, invoke                 {fmt(r['persistent'])}   ratio {a_handler:7.0f}x")
    print(f"  verify end to end, workers=1              {fmt(r['verify'])}   ratio {a_verify:7.1f}x")
    print(f"  goal >= 10x: handler {'met' if a_handler >= 10 else 'MISSED'}, verify end to end {'met' if a_verify >= 10 else 'MISSED'}")
    print("(b) a lambda taking 5 ms per case (setTimeout), workers=1 vs workers=2")
    print(f"  handler, workers=1 {fmt(r['pool1'])}  distinct worker pids {sorted(pids[1])}")
    print(f"  handler, workers=2 {fmt(r['pool2'])}  distinct worker pids {sorted(pids[2])}   ratio {b_handler:.2f}x")
    print(f"  verify,  workers=1 {fmt(r['ver1'])}")
    print(f"  verify,  workers=2 {fmt(r['ver2'])}   ratio {b_verify:.2f}x")
    print(f"  goal >= 1.6x: handler {'met' if b_handler >= 1.6 else 'MISSED'}, verify end to end {'met' if b_verify >= 1.6 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
