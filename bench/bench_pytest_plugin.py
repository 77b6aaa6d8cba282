"""`pytest --lpf-handler H` vs `lpf-contract verify H`: wall time of the plugin's default run (goal <= 2x).

Both run in a copy of a user's functions repository (tests/fixtures/packaging/user-repo: no conftest.py,
the plugin comes from its entry point) with CI=true (seed 0) and the same handler. The pytest run is
the default one: the handler suite (one verify run + the snapshot tests, skipped or compared), no HTTP
suite. Prints medians, min and max of --repeat runs and the ratio; also with recorded snapshots, and
the opt-in --lpf-http run once for scale.

    .venv/bin/python bench/bench_pytest_plugin.py [--repeat 5] [--handler functions/survey/]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
USER_REPO = REPO / "tests" / "fixtures" / "packaging" / "user-repo"
BIN = Path(sys.executable).parent


def _time(argv: list[str], cwd: Path) -> float:
    env = {**os.environ, "CI": "true"}
    env.pop("LPF_CONTRACTS", None)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0,):
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def _stats(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f}s (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--handler", default="functions/survey/")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(USER_REPO, work)
        (work / ".git").mkdir()  # the config search stops here, as in a real repository
        verify = [str(BIN / "lpf-contract"), "verify", args.handler, "--no-progress", "--report-dir", str(Path(tmp) / "r")]
        plugin = [str(BIN / "pytest"), "-p", "no:cacheprovider", "-q", "--lpf-handler", args.handler]
        _time(verify, work)  # warm the OS caches once for both
        v = [_time(verify, work) for _ in range(args.repeat)]
        t = [_time(plugin, work) for _ in range(args.repeat)]
        _time([*plugin, "--lpf-snapshot-update"], work)
        s = [_time(plugin, work) for _ in range(args.repeat)]
        h = _time([*plugin, "--lpf-http"], work)
        # PYTHONDONTWRITEBYTECODE=1 makes pytest re-run its assertion rewriting of every entry-point
        # plugin's package (schemathesis, hypothesis, lpf_contract) on every start: seconds per run.
        print(f"handler={args.handler} PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
        print(f"lpf-contract verify H                     {_stats(v)}")
        print(f"pytest --lpf-handler H (no snapshots yet) {_stats(t)}  ratio {statistics.median(t) / statistics.median(v):.2f}x")
        print(f"pytest --lpf-handler H (snapshots)        {_stats(s)}  ratio {statistics.median(s) / statistics.median(v):.2f}x")
        print(f"pytest --lpf-handler H --lpf-http         {h:.2f}s (opt-in; once)")
        pv = [_time([str(BIN / "pytest"), "--version"], work) for _ in range(args.repeat)]
        print(f"pytest --version (start-up incl. autoloaded plugins) {_stats(pv)}")


if __name__ == "__main__":
    main()
