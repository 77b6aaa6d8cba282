"""Start-up cost of the CLI: `lpf-contract --help` and `lpf-contract diff v1 v2`, wall time per process.

Goal 6 of issue 10: `diff v1 v2` under 0.5 s including start-up, `--help` under 0.3 s. Each command runs
--repeat times, interleaved with a bare `python -c pass` (the interpreter's own floor), and the script
prints median, min and max, twice: with cached bytecode (what an installed tool normally has; the
cache goes to a temporary PYTHONPYCACHEPREFIX) and with PYTHONDONTWRITEBYTECODE=1 (every lpf_contract
module compiled from source at each start, as on machines that set it). When a median is over its
budget (or with --importtime) it also prints the slowest imports of that command.

    .venv/bin/python bench/bench_startup.py [--repeat 9] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "lpf_contract.cli"]
COMMANDS = {
    # name: (argv after the CLI, budget in seconds or None for the reference)
    "python -c pass": (None, None),
    "lpf-contract --help": (["--help"], 0.3),
    "lpf-contract diff v1 v2": (["diff", "v1", "v2"], 0.5),
}


def _cli() -> list[str]:
    # The console script is what users run; fall back to -m when the venv has none (same imports).
    script = Path(sys.executable).with_name("lpf-contract")
    return [str(script)] if script.is_file() else CLI


def _argv(extra: list[str] | None) -> list[str]:
    return [sys.executable, "-c", "pass"] if extra is None else _cli() + extra


def environments(cache_dir: str) -> dict[str, dict[str, str]]:
    """The two ways Python may start: with cached bytecode (what users normally get) and without."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    # A private cache folder: the bench writes no __pycache__ into the working tree.
    return {
        "cached .pyc": {**base, "PYTHONPYCACHEPREFIX": cache_dir},
        "no .pyc (PYTHONDONTWRITEBYTECODE=1)": {**base, "PYTHONDONTWRITEBYTECODE": "1"},
    }


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    # diff exits 1 when the versions differ in a breaking way (v1 -> v2 does): that is its answer, not a failure.
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def import_offenders(extra: list[str], top: int, env: dict[str, str]) -> tuple[int, list[tuple[int, int, str]]]:
    """(all imports in µs, [(cumulative µs, self µs, module)] of the slowest, slowest first) of one CLI run."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lpf_contract.cli", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        rows.append((int(cum_us), int(self_us), name.rstrip()))
    total = sum(cum for cum, _, name in rows if not name.startswith("  "))  # top-level imports only
    return total, sorted(rows, reverse=True)[:top]


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:6.0f} ms  (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, runs {len(xs)})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--importtime", action="store_true", help="always print the slowest imports")
    p.add_argument("--top", type=int, default=12, help="imports to list")
    p.add_argument("--quick", action="store_true", help="3 runs each")
    args = p.parse_args(argv)
    repeat = 3 if args.quick else args.repeat

    with tempfile.TemporaryDirectory(prefix="lpf-bench-pyc-") as cache_dir:
        envs = environments(cache_dir)
        for env in envs.values():
            for extra, _ in COMMANDS.values():  # warm the page cache and fill the bytecode cache
                wall(_argv(extra), env)
        times = {(mode, name): [] for mode in envs for name in COMMANDS}
        for _ in range(repeat):
            for mode, env in envs.items():
                for name, (extra, _) in COMMANDS.items():
                    times[mode, name].append(wall(_argv(extra), env))

        for mode in envs:
            print(f"-- {mode}")
            floor = statistics.median(times[mode, "python -c pass"])
            for name, (extra, budget) in COMMANDS.items():
                med = statistics.median(times[mode, name])
                line = f"{name:26} {fmt(times[mode, name])}"
                if budget is not None:
                    verdict = "met" if med <= budget else "MISSED"
                    line += f"  goal < {budget:.1f} s: {med / budget:.2f} of budget, {verdict}; {med - floor:.2f} s above the interpreter"
                print(line)
        for mode, env in envs.items():
            for name, (extra, budget) in COMMANDS.items():
                if budget is None or not (args.importtime or statistics.median(times[mode, name]) > budget):
                    continue
                total, rows = import_offenders(extra, args.top, env)
                print(f"\nimports of `{name}`, {mode}: {total / 1000:.0f} ms in all; the slowest (python -X importtime, cumulative / self):")
                for cum, self_us, mod in rows:
                    print(f"  {cum / 1000:7.1f} ms  {self_us / 1000:6.1f} ms  {mod}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
