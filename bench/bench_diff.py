"""How long `lpf-contract diff` takes: the CLI end to end (start-up included) and the diff alone.

Run: .venv/bin/python bench/bench_diff.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "lpf_contract.cli"]


def wall(argv: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        out.append(time.perf_counter() - t)
    return out


def show(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    print(f"{name:48} median {statistics.median(ms):7.1f} ms   min {ms[0]:7.1f}   max {ms[-1]:7.1f}   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    show("python start-up + import lpf_contract.cli", wall([*CLI, "--help"], runs))
    show("lpf-contract diff v1 v2 (process, witnesses)", wall([*CLI, "diff", "v1", "v2"], runs))
    show("lpf-contract diff v1 v2 --no-witnesses", wall([*CLI, "diff", "v1", "v2", "--no-witnesses"], runs))
    show("lpf-contract diff --transitive", wall([*CLI, "diff", "--transitive"], runs))

    from lpf_contract.contracts import load_registry
    from lpf_contract.diff import VersionRef, diff_versions

    t = time.perf_counter()
    registry = load_registry(REPO / "contracts")
    show("in process: load the registry (first time)", [time.perf_counter() - t])
    v1, v2 = VersionRef(registry, "v1", "v1"), VersionRef(registry, "v2", "v2")
    times = []
    for _ in range(runs * 3):
        t = time.perf_counter()
        diff_versions(v1, v2)
        times.append(time.perf_counter() - t)
    show("in process: diff_versions(v1, v2), warm", times)
    times = []
    for _ in range(runs * 3):
        t = time.perf_counter()
        diff_versions(v1, v1)
        times.append(time.perf_counter() - t)
    show("in process: diff_versions(v1, v1) (identical)", times)


if __name__ == "__main__":
    main()
