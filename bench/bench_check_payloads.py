"""`check-payloads` on a 100 000-line JSONL versus python-jsonschema on the same schema, and its memory.

Goal 4 of issue 10: check-payloads at >= 20x python-jsonschema's rate, in constant memory. The script
writes the JSONL into a temporary folder: golden examples and variations of them (a few top-level
fields taken from `variants.generate()` payloads, so lines keep the golden size of about 3 KB), about
3 % invalid (the contract's negative examples, and variations missing a required field) and a few
lines that are not JSON, in a seeded random order. Then, interleaved
--repeat times:

- `lpf-contract check-payloads FILE --event E` as a process (start-up included): lines per second;
- python-jsonschema (`Draft7Validator`, reused, `is_valid`) on a --sample of the same lines, already
  parsed (the baseline's best case): payloads per second;
- the in-process `PayloadChecker` on the same sample, for a like-for-like figure.

It checks that both validators give the same verdict on every sampled line and that check-payloads
reports exactly the invalid lines written, and prints the peak RSS of check-payloads for 10 000 and
100 000 lines (constant memory: the two should be about equal).

    .venv/bin/python bench/bench_check_payloads.py [--lines 100000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVENT = "surveybot_messaging_survey_ended"
GOAL = 20.0
INVALID_SHARE = 0.03
NOT_JSON_SHARE = 0.001


def write_jsonl(path: Path, lines: int, *, seed: int = 0) -> int:
    """Write ``lines`` payload lines to ``path``; returns how many of them are invalid."""
    import orjson

    from lpf_contract.contracts import load_registry
    from lpf_contract.variants import generate

    registry = load_registry()
    fast = registry.fast_validator(registry.event(EVENT).payload_uri)
    rng = random.Random(seed)
    golden = [e.payload for e in registry.examples(EVENT)]
    # Variations keep the golden examples' size (about 3 KB) and shape: a few top-level fields of each
    # come from a generated payload. The rare cross-over the schema rejects is left out of the pool.
    valid = list(golden)
    for donor in generate(registry, EVENT, count=400, seed=seed):
        p = copy.deepcopy(rng.choice(golden))
        for key in rng.sample(sorted(donor), k=min(3, len(donor))):
            p[key] = donor[key]
        if fast.is_valid(p):
            valid.append(p)
    invalid = [e.payload for e in registry.examples(EVENT, invalid=True)]
    for p in valid[:200]:  # a dropped field (the commonest real breakage), where the schema requires it
        broken = copy.deepcopy(p)
        broken.pop(rng.choice(sorted(broken)))
        if not fast.is_valid(broken):
            invalid.append(broken)
    valid_b = [orjson.dumps(p) + b"\n" for p in valid]
    invalid_b = [orjson.dumps(p) + b"\n" for p in invalid]
    bad = 0
    with path.open("wb") as out:
        for _ in range(lines):
            x = rng.random()
            if x < NOT_JSON_SHARE:
                out.write(b'{"conversationId": "truncated\n')
                bad += 1
            elif x < NOT_JSON_SHARE + INVALID_SHARE:
                out.write(rng.choice(invalid_b))
                bad += 1
            else:
                out.write(rng.choice(valid_b))
    return bad


# The CLI's own entry point, then its peak RSS from /proc (VmHWM belongs to this process image only;
# getrusage's ru_maxrss would include the parent's memory at fork, inherited across exec on Linux).
_MEASURED = """
import sys
from lpf_contract.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as f:
    hwm = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
print(f"peak_rss_kib={hwm}", file=sys.stderr)
sys.exit(code)
"""


def run_check(path: Path) -> tuple[float, int, int, int]:
    """(wall seconds, checked, invalid, peak RSS in KiB) of one check-payloads process."""
    argv = [sys.executable, "-c", _MEASURED, "check-payloads", str(path), "--event", EVENT]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=err)
        elapsed = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode(errors="replace")
    m = re.search(r"checked=(\d+) invalid=(\d+)", text)
    rss = re.search(r"peak_rss_kib=(\d+)", text)
    if proc.returncode not in (0, 1) or not m or not rss:
        raise SystemExit(f"check-payloads exited {proc.returncode}: {text[-800:]}")
    return elapsed, int(m.group(1)), int(m.group(2)), int(rss.group(1))


def sample_lines(path: Path, n: int, seed: int) -> list:
    """``n`` parsed payloads spread over the file (lines that are not JSON left out)."""
    import orjson

    rng = random.Random(seed)
    raw = path.read_bytes().splitlines()
    out = []
    for line in rng.sample(raw, min(n * 2, len(raw))):
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
        if len(out) == n:
            break
    return out


def explain_costs(registry, uri: str, path: Path, n: int) -> dict[str, float]:
    """Milliseconds per invalid line to explain it: what check-payloads uses, and python-jsonschema alone."""
    from lpf_contract.contracts.payloads import PayloadChecker, iter_entries

    checker = PayloadChecker(registry, EVENT)
    fast = registry.fast_validator(uri)
    bad = []
    for e in iter_entries(path):
        if e.parse_error is None and not fast.is_valid(e.payload):
            bad.append(e.payload)
            if len(bad) == n:
                break
    out = {}
    for name, fn in (("check-payloads (PayloadChecker.explain)", checker.explain),
                     ("python-jsonschema alone (Registry.errors)", lambda x: registry.errors(uri, x))):
        start = time.perf_counter()
        for x in bad:
            fn(x)
        out[name] = (time.perf_counter() - start) / len(bad) * 1000
    return out


def rate(fn, items: list) -> float:
    start = time.perf_counter()
    for x in items:
        fn(x)
    return len(items) / (time.perf_counter() - start)


def fmt(xs: list[float], unit: str = "/s") -> str:
    return f"median {statistics.median(xs):9.0f}{unit}  (min {min(xs):.0f}, max {max(xs):.0f}, runs {len(xs)})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=100_000)
    p.add_argument("--small", type=int, default=10_000, help="lines of the second file, for the memory comparison")
    p.add_argument("--sample", type=int, default=1500, help="parsed lines python-jsonschema validates per run")
    p.add_argument("--explain", type=int, default=300, help="invalid lines timed for the cost of explaining them")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="20 000 lines, 2 runs")
    args = p.parse_args(argv)
    if args.quick:
        args.lines, args.small, args.sample, args.repeat = 20_000, 2_000, 800, 2

    import jsonschema

    from lpf_contract.contracts import load_registry
    from lpf_contract.contracts.payloads import Entry, PayloadChecker

    registry = load_registry()
    spec = registry.event(EVENT)
    schema = registry.bundled(spec.payload_uri)
    baseline = jsonschema.validators.validator_for(schema)(schema)
    fast = registry.fast_validator(spec.payload_uri)

    with tempfile.TemporaryDirectory(prefix="lpf-bench-payloads-") as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        bad_big = write_jsonl(big, args.lines, seed=0)
        bad_small = write_jsonl(small, args.small, seed=1)
        size_mb = big.stat().st_size / 1e6
        sample = sample_lines(big, args.sample, seed=0)
        disagree = sum(1 for x in sample if baseline.is_valid(x) != fast.is_valid(x))
        sample_invalid = sum(1 for x in sample if not fast.is_valid(x))
        explain_ms = explain_costs(registry, spec.payload_uri, big, args.explain)

        runs: dict[str, list[float]] = {"cli": [], "jsonschema": [], "checker": [], "rss_big": [], "rss_small": []}
        counts = set()
        for run in range(args.repeat):
            elapsed, checked, invalid, rss = run_check(big)
            runs["cli"].append(checked / elapsed)
            runs["rss_big"].append(rss / 1024)
            counts.add((checked, invalid))
            runs["jsonschema"].append(rate(baseline.is_valid, sample))
            checker = PayloadChecker(registry, EVENT)
            entries = [Entry("sample", i, x) for i, x in enumerate(sample)]
            runs["checker"].append(rate(checker.check, entries))
            _, _, small_invalid, rss_small = run_check(small)
            runs["rss_small"].append(rss_small / 1024)
            print(
                f"run {run + 1}: check-payloads {runs['cli'][-1]:.0f} lines/s, python-jsonschema {runs['jsonschema'][-1]:.0f}/s, "
                f"PayloadChecker {runs['checker'][-1]:.0f}/s, peak RSS {runs['rss_big'][-1]:.0f} MiB / {runs['rss_small'][-1]:.0f} MiB",
                file=sys.stderr,
            )

    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = med["cli"] / med["jsonschema"]
    ratios = [c / j for c, j in zip(runs["cli"], runs["jsonschema"])]
    (checked, invalid), *_ = sorted(counts)
    print(f"file: {args.lines} lines, {size_mb:.0f} MB ({size_mb * 1e6 / args.lines:.0f} B a line), {bad_big} invalid written ({bad_big / args.lines:.1%}); event {EVENT}")
    print(f"check-payloads (process, start-up included) {fmt(runs['cli'], ' lines/s')}  checked={checked} invalid={invalid} "
          f"({'matches' if (checked, invalid) == (args.lines, bad_big) and len(counts) == 1 else 'DOES NOT match'} what was written)")
    print(f"python-jsonschema Draft7Validator.is_valid  {fmt(runs['jsonschema'])}  on {len(sample)} parsed lines ({sample_invalid} invalid)")
    print(f"PayloadChecker.check in process             {fmt(runs['checker'])}  same lines; in-process ratio {med['checker'] / med['jsonschema']:.0f}x")
    explain_s = explain_ms["check-payloads (PayloadChecker.explain)"] * bad_big / 1000
    print("explaining one invalid line: " + ", ".join(f"{k} {v:.3f} ms" for k, v in explain_ms.items())
          + f"; x {bad_big} invalid lines = {explain_s:.1f} s, {explain_s / (args.lines / med['cli']):.0%} of check-payloads' median wall time")
    print(f"verdicts python-jsonschema vs jsonschema-rs on the sample: {len(sample) - disagree}/{len(sample)} agree")
    print(f"peak RSS check-payloads: {args.lines} lines {fmt(runs['rss_big'], ' MiB')};  {args.small} lines {fmt(runs['rss_small'], ' MiB')}"
          f"  ratio {med['rss_big'] / med['rss_small']:.2f} (constant memory: ~1.0)")
    print(f"ratio check-payloads/python-jsonschema (medians): {ratio:.1f}x  (per run min {min(ratios):.1f}, max {max(ratios):.1f})   "
          f"goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
