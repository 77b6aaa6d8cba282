"""`verify` of a trivial correct handler versus only generating the same payloads, side by side.

Goal 2 of issue 10: `lpf-contract verify H --examples 1000` takes at most 1.5x the wall time of
`lpf-contract variants --count 1000` (running the handler, checking results and writing reports add at
most half). Both run as processes on the same event, seed and count, interleaved --repeat times so that
load on the machine hits both alike; verify runs with --no-systematic so that both see exactly the same
1000 generated payloads, and once more with the systematic set (what a plain `verify` runs) for context.
The in-process figures take interpreter start-up and imports out: `variants.generate()` alone versus
`Verifier.run()` plus `write_reports()`.

    .venv/bin/python bench/bench_verify.py [--count 1000] [--repeat 3] [--handler TARGET] [--quick]
    .venv/bin/python bench/bench_verify.py --breakdown   # where the in-process run spends its time
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

REPO = Path(__file__).resolve().parents[1]
EVENT = "surveybot_messaging_survey_ended"
TRIVIAL = str(REPO / "tests/fixtures/handlers/node/v1/ok_callback.js")  # callback(null, "ok")
GOAL = 1.5


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("lpf-contract")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lpf_contract.cli"]


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "CI": "true"})
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}")
    return elapsed


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.2f} s  (min {min(xs):.2f}, max {max(xs):.2f}, runs {len(xs)})"


def in_process(handler: str, count: int, seed: int, tmp: Path) -> tuple[float, float]:
    """(seconds to generate ``count`` payloads, seconds for a verify run plus its reports), same process."""
    from lpf_contract.contracts import load_registry
    from lpf_contract.report import write_reports
    from lpf_contract.variants import generate
    from lpf_contract.verify.engine import Verifier
    from lpf_contract.verify import VerifyOptions

    registry = load_registry()
    start = time.perf_counter()
    n = sum(1 for _ in generate(registry, EVENT, count=count, seed=seed))
    gen = time.perf_counter() - start
    assert n == count, n
    options = VerifyOptions(events=(EVENT,), examples=count, seed=seed, systematic=False, report_dir=tmp)
    start = time.perf_counter()
    result = Verifier(handler, options, registry=registry).run()
    write_reports(result, tmp)
    ver = time.perf_counter() - start
    assert result.verdict == "pass" and result.cases == count, (result.verdict, result.cases)
    return gen, ver


# Where an in-process verify run spends its time: (module, attribute, label). Best effort: a name that
# the library no longer has is reported as such, not guessed.
_PARTS = (
    ("lpf_contract.handlers", "load_handler", "load_handler (worker start)"),
    ("lpf_contract.verify", "Verifier._static", "deploy-rule lint"),
    ("lpf_contract.variants", "draw_direct", "drawing payloads"),
    ("lpf_contract.verify", "_wait", "waiting for handler replies"),
    ("lpf_contract.verify", "Verifier._findings", "checks"),
    ("lpf_contract.variants.coverage", "Coverage.observe", "coverage bookkeeping"),
)


def breakdown(handler: str, count: int, repeat: int, tmp: Path) -> None:
    """Print the share of each part of ``Verifier.run()`` + ``write_reports()`` (medians over ``repeat`` runs)."""
    import functools
    import importlib

    from lpf_contract.contracts import load_registry
    from lpf_contract.report import write_reports
    from lpf_contract.verify.engine import Verifier
    from lpf_contract.verify import VerifyOptions

    spent: dict[str, float] = {}
    missing = []
    for module, attr, label in _PARTS:
        owner = importlib.import_module(module)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        fn = getattr(owner, name, None)
        if fn is None:
            missing.append(f"{module}.{attr}")
            continue

        @functools.wraps(fn)
        def timed(*a, _fn=fn, _label=label, **k):
            start = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)
    registry = load_registry()
    rows = []
    for run in range(repeat):
        spent.clear()
        options = VerifyOptions(events=(EVENT,), examples=count, seed=run, systematic=False, report_dir=tmp)
        start = time.perf_counter()
        result = Verifier(handler, options, registry=registry).run()
        t = time.perf_counter()
        write_reports(result, tmp)
        spent["write_reports"] = time.perf_counter() - t
        spent["total"] = time.perf_counter() - start
        rows.append(dict(spent))
    total = statistics.median(r["total"] for r in rows)
    print(f"in-process breakdown of Verifier.run()+write_reports(), {count} cases, medians of {repeat} runs:")
    for label in [p[2] for p in _PARTS if p[2] in rows[0]] + ["write_reports"]:
        med = statistics.median(r.get(label, 0.0) for r in rows)
        print(f"  {label:30} {med * 1000:7.0f} ms  {med / total:5.0%}")
    print(f"  {'total':30} {total * 1000:7.0f} ms")
    if missing:
        print(f"  (not timed, no longer in the library: {', '.join(missing)})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1000, help="generated payloads (variants --count, verify --examples)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--handler", default=TRIVIAL, help="a handler that passes (default: a Node lambda answering 'ok')")
    p.add_argument("--quick", action="store_true", help="300 payloads, 2 runs")
    p.add_argument("--breakdown", action="store_true", help="only print where an in-process verify run spends its time")
    args = p.parse_args(argv)
    count, repeat = (300, 2) if args.quick else (args.count, args.repeat)
    if args.breakdown:
        with tempfile.TemporaryDirectory(prefix="lpf-bench-verify-") as tmp:
            breakdown(args.handler, count, max(repeat, 3), Path(tmp))
        return 0

    cli = _cli()
    runs: dict[str, list[float]] = {"variants": [], "verify": [], "verify+systematic": [], "gen": [], "ver": []}
    with tempfile.TemporaryDirectory(prefix="lpf-bench-verify-") as tmp_s:
        tmp = Path(tmp_s)
        common = ["--event", EVENT, "--seed", "0"]
        for run in range(repeat):
            # Interleaved so that a burst of load lands on all sides, not one.
            runs["variants"].append(wall(cli + ["variants", *common, "--count", str(count), "-o", str(tmp / "v.jsonl")]))
            verify = cli + ["verify", args.handler, *common, "--examples", str(count), "--report-dir", str(tmp / "r"), "--no-progress"]
            runs["verify"].append(wall(verify + ["--no-systematic"]))
            runs["verify+systematic"].append(wall(verify))
            gen, ver = in_process(args.handler, count, run, tmp / "in")
            runs["gen"].append(gen)
            runs["ver"].append(ver)
            print(
                f"run {run + 1}: variants {runs['variants'][-1]:.2f} s, verify {runs['verify'][-1]:.2f} s, "
                f"verify+systematic {runs['verify+systematic'][-1]:.2f} s; in process {gen:.2f} / {ver:.2f} s",
                file=sys.stderr,
            )

    med = {k: statistics.median(v) for k, v in runs.items()}
    ratios = [v / g for v, g in zip(runs["verify"], runs["variants"])]
    ratio = med["verify"] / med["variants"]
    print(f"handler: {args.handler}  event: {EVENT}  payloads: {count}  (processes, CI=true, seed 0)")
    print(f"lpf-contract variants --count {count:<5}          {fmt(runs['variants'])}  {count / med['variants']:6.0f} payloads/s")
    print(f"lpf-contract verify --examples {count} --no-systematic {fmt(runs['verify'])}  {count / med['verify']:6.0f} cases/s")
    print(f"lpf-contract verify --examples {count} (+systematic)  {fmt(runs['verify+systematic'])}  (context: also runs the systematic set)")
    print(f"in process: generate() {fmt(runs['gen'])};  Verifier.run()+write_reports() {fmt(runs['ver'])}")
    print(f"in process ratio verify/generate: {med['ver'] / med['gen']:.2f}x")
    print(
        f"ratio verify/variants (medians): {ratio:.2f}x  (per run min {min(ratios):.2f}, max {max(ratios):.2f})   "
        f"goal <= {GOAL}x: {'met' if ratio <= GOAL else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
