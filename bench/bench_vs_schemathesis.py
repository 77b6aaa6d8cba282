"""`verify` versus schemathesis driving `lpf-contract serve` of the same handler, same example count.

Goal 5 of issue 10: verify runs >= 5x the cases per second of schemathesis. Both run as processes on
the same event's operation with the same number of generated examples, interleaved --repeat times:

- `lpf-contract verify H --event E --examples N --no-systematic --seed 0`;
- `lpf-contract serve H --port 0 --workers 1` started once, then
  `schemathesis run contracts/v1/invocation.openapi.yaml --url URL -n N --phases fuzzing --mode positive
  --seed 0 --generation-database none --include-operation-id invoke.E -w 1` (the flags of schemathesis
  4.x; the fuzzing phase alone so that the fixed cases of the other phases do not pad the count).

Cases per second = cases run / process wall time (start-up included on both sides); the script also
prints schemathesis' own fuzzing-phase time, which leaves its start-up out.

    .venv/bin/python bench/bench_vs_schemathesis.py [--examples 200] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVENT = "surveybot_messaging_survey_ended"
TRIVIAL = str(REPO / "tests/fixtures/handlers/node/v1/ok_callback.js")
GOAL = 5.0


def _bin(name: str, module: str) -> list[str]:
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.is_file() else [sys.executable, "-m", module]


def start_serve(handler: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        _bin("lpf-contract", "lpf_contract.cli") + ["serve", handler, "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline()  # "lpf-contract serve: http://127.0.0.1:PORT handler=..."
    m = re.search(r"(http://\S+)", first)
    if not m:
        proc.kill()
        raise SystemExit(f"serve did not start: {first!r} {proc.stderr.read()[-800:]}")
    return proc, m.group(1)


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_schemathesis(url: str, examples: int, seed: int, cwd: Path) -> tuple[float, int, float | None]:
    """(wall seconds, cases, fuzzing-phase seconds as schemathesis reports them)."""
    spec = REPO / "contracts/v1/invocation.openapi.yaml"
    argv = _bin("schemathesis", "schemathesis.cli") + [
        "run", str(spec), "--url", url, "-n", str(examples), "--phases", "fuzzing", "--mode", "positive",
        "--seed", str(seed), "--generation-database", "none", "--include-operation-id", f"invoke.{EVENT}", "-w", "1",
    ]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - start
    m = re.search(r"(\d+) generated", proc.stdout)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"schemathesis exited {proc.returncode}:\n{proc.stdout[-1500:]}{proc.stderr[-800:]}")
    phase = re.search(r"Fuzzing \(in ([\d.]+)s\)", proc.stdout)
    return elapsed, int(m.group(1)), float(phase.group(1)) if phase else None


def run_verify(handler: str, examples: int, seed: int, report_dir: Path) -> tuple[float, int]:
    argv = _bin("lpf-contract", "lpf_contract.cli") + [
        "verify", handler, "--event", EVENT, "--examples", str(examples), "--no-systematic", "--seed", str(seed),
        "--report-dir", str(report_dir), "--no-progress",
    ]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "CI": "true"})
    elapsed = time.perf_counter() - start
    m = re.search(r"verdict=\w+ cases=(\d+)", proc.stdout)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"verify exited {proc.returncode}:\n{proc.stdout[-1500:]}{proc.stderr[-800:]}")
    return elapsed, int(m.group(1))


def fmt(xs: list[float], unit: str = " cases/s") -> str:
    return f"median {statistics.median(xs):7.1f}{unit}  (min {min(xs):.1f}, max {max(xs):.1f}, runs {len(xs)})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=200, help="generated examples on each side")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--handler", default=TRIVIAL)
    p.add_argument("--quick", action="store_true", help="60 examples, 2 runs")
    args = p.parse_args(argv)
    if args.quick:
        args.examples, args.repeat = 60, 2

    runs: dict[str, list[float]] = {"verify": [], "st": [], "st_phase": []}
    cases = {"verify": set(), "st": set()}
    server, url = start_serve(args.handler)
    try:
        with tempfile.TemporaryDirectory(prefix="lpf-bench-st-") as tmp_s:
            tmp = Path(tmp_s)
            for run in range(args.repeat):
                elapsed, n = run_verify(args.handler, args.examples, run, tmp / "reports")
                runs["verify"].append(n / elapsed)
                cases["verify"].add(n)
                elapsed, n, phase = run_schemathesis(url, args.examples, run, tmp)
                runs["st"].append(n / elapsed)
                cases["st"].add(n)
                if phase:
                    runs["st_phase"].append(n / phase)
                print(f"run {run + 1}: verify {runs['verify'][-1]:.1f} cases/s, schemathesis {runs['st'][-1]:.1f} cases/s", file=sys.stderr)
    finally:
        stop_serve(server)

    ratio = statistics.median(runs["verify"]) / statistics.median(runs["st"])
    ratios = [v / s for v, s in zip(runs["verify"], runs["st"])]
    print(f"handler: {args.handler}  event: {EVENT}  examples: {args.examples}  (processes, start-up included)")
    print(f"lpf-contract verify                 {fmt(runs['verify'])}  cases run {sorted(cases['verify'])}")
    print(f"schemathesis -> lpf-contract serve  {fmt(runs['st'])}  cases run {sorted(cases['st'])}")
    if runs["st_phase"]:
        print(f"schemathesis fuzzing phase only     {fmt(runs['st_phase'])}  (its start-up left out)")
    print(f"ratio verify/schemathesis (medians): {ratio:.1f}x  (per run min {min(ratios):.1f}, max {max(ratios):.1f})   "
          f"goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
