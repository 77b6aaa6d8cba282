"""What a hanging lambda costs a whole `lpf-contract verify` run (issue 13, item 5).

Two lambdas, each verified end to end through the CLI with both events of the contract and the default
200 generated examples per event:

(a) a V1 lambda that never calls back and leaves nothing pending, at the default 30 s time limit. The
    runner reports such a case as a `timeout` at once (details["never_called"]), so the run must take a
    few seconds, shrinking included. With a runner that cannot tell (it waits the limit), the run is
    bounded by the hang budget instead: about 4 time limits, 2 minutes.
(b) a busy loop (`while (true) {}`) at a small --timeout-ms (default 1000): every case hangs. Goal:
    the whole run costs about 4-5 time limits (before the run-wide hang budget: 3 hanging cases per
    event plus about 4 limits of shrinking per event, about 14).

Prints the wall time of each run (median, min, max over --repeat runs) and, for (b), that time in time
limits. Wall times include the CLI's start, payload generation and the worker restarts after each kill.

    .venv/bin/python bench/bench_hangs.py [--repeat 3] [--timeout-ms 1000] [--skip-never-called]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "lpf_contract.cli"]
NEVER_CALLS = "function lambda(input, callback) {\n  if (input.neverSet) callback(null, 'ok'); // forgets to call back\n}\n"
BUSY_LOOP = "function lambda(input, callback) {\n  while (true) {}\n  callback(null, 'ok');\n}\n"


def verify_seconds(target: Path, report_dir: Path, *extra: str) -> tuple[float, dict]:
    """Wall seconds of one `lpf-contract verify` run (both events) and its conformance.json."""
    argv = [*CLI, "verify", str(target), "--seed", "1", "--no-progress", "--report-dir", str(report_dir), *extra]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    if proc.returncode != 1:
        raise SystemExit(f"verify exited {proc.returncode} (expected 1): {proc.stderr[-2000:]}")
    return elapsed, json.loads((report_dir / "conformance.json").read_text())


def describe(doc: dict) -> str:
    events = ", ".join(
        f"{name.removeprefix('surveybot_messaging_')}: cases={e['cases']} skipped={e['skipped']}" for name, e in sorted(doc["events"].items())
    )
    failures = ", ".join(sorted({f"{f['check']}" + (f" ({f['shrink_steps']} shrink steps)" if f["shrunk"] else "") for f in doc["failures"]}))
    return f"{events}; failures: {failures}"


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.1f} s  (min {min(xs):.1f}, max {max(xs):.1f}, runs {len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout-ms", type=int, default=1000, help="time limit of the busy-loop runs (b)")
    ap.add_argument("--skip-never-called", action="store_true", help="skip (a), e.g. with a runner that waits the limit")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        never, busy = tmp_path / "never_calls.js", tmp_path / "busy_loop.js"
        never.write_text(NEVER_CALLS)
        busy.write_text(BUSY_LOOP)
        if not args.skip_never_called:
            times, doc = [], {}
            for i in range(args.repeat):
                t, doc = verify_seconds(never, tmp_path / f"a{i}")
                times.append(t)
            print(f"(a) never-calling V1 lambda, default 30 s limit:  {fmt(times)}  = {statistics.median(times) / 30:.2f} time limits")
            print(f"    {describe(doc)}")
        times, doc = [], {}
        limit_s = args.timeout_ms / 1000
        for i in range(args.repeat):
            t, doc = verify_seconds(busy, tmp_path / f"b{i}", "--timeout-ms", str(args.timeout_ms))
            times.append(t)
        print(f"(b) busy loop, --timeout-ms {args.timeout_ms}:  {fmt(times)}  = {statistics.median(times) / limit_s:.1f} time limits "
              f"(goal <= ~4-5; before the run-wide budget about 14)")
        print(f"    {describe(doc)}")


if __name__ == "__main__":
    main()
