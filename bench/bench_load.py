"""Load: memory of a long verify run and a long serve session, both through the real console script.

1. `lpf-contract verify examples/handlers/survey_v1.js --workers 2 --examples N --no-systematic` over
   both events (default N=2500: 5 000 cases), sampling the RSS of the suite process and of each
   handler worker from /proc (psutil is not a dependency) at start, middle and end.
2. `lpf-contract serve` of the same lambda with --workers 2, and R requests (default 10 000) from
   loopback client threads: requests/s, errors (must be 0), and the worker count and RSS at the end.

Prints figures and asserts nothing about time. Run: `.venv/bin/python bench/bench_load.py [N] [R]`.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("lpf-contract")
HANDLER = REPO / "examples" / "handlers" / "survey_v1.js"
EVENT = "surveybot_messaging_survey_ended"
SAMPLE_S = 0.5


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def workers_of(pid: int) -> list[int]:
    """The Node workers (runner.js) among ``pid``'s descendants."""
    from lpf_contract.handlers.worker.pool import _descendants

    found = []
    for child in _descendants(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"runner.js" in f.read():
                    found.append(child)
        except OSError:
            pass
    return sorted(found)


def snapshot(pid: int) -> dict:
    workers = workers_of(pid)
    return {
        "t": time.monotonic(),
        "suite": rss_mb(pid),
        "workers": {w: rss_mb(w) for w in workers},
    }


def fmt(s: dict, t0: float) -> str:
    ws = " ".join(f"{v:.0f}" for v in s["workers"].values() if v is not None) or "-"
    return f"t={s['t'] - t0:6.1f}s suite={s['suite'] or 0:6.1f} MB workers({len(s['workers'])})=[{ws}] MB"


def bench_verify(examples: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpf-bench-load-") as tmp:
        argv = [str(CLI), "verify", str(HANDLER), "--workers", "2", "--examples", str(examples), "--no-systematic",
                "--seed", "0", "--timeout-ms", "10000", "--report-dir", tmp, "--no-progress"]
        print(f"== verify: {' '.join(argv[1:])}")
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        samples = []
        while proc.poll() is None:
            s = snapshot(proc.pid)
            if s["suite"] is not None and s["workers"]:  # the run proper: workers are up
                samples.append(s)
            time.sleep(SAMPLE_S)
        out, err = proc.communicate()
        elapsed = time.monotonic() - t0
        summary = json.loads((Path(tmp) / "conformance.json").read_text())["summary"] if proc.returncode in (0, 1) else {}
    if not samples:
        print(f"   no samples (exit={proc.returncode}): {err[-500:]}")
        return
    print(f"   exit={proc.returncode} cases={summary.get('cases')} failed={summary.get('failed')} "
          f"elapsed={elapsed:.1f}s rate={(summary.get('cases') or 0) / elapsed:.0f} cases/s samples={len(samples)}")
    # Start = the first sample with both workers up (the second one starts on first demand).
    steady = [s for s in samples if len(s["workers"]) >= 2] or samples
    for label, s in (("start", steady[0]), ("middle", steady[len(steady) // 2]), ("end", steady[-1])):
        print(f"   {label:6} {fmt(s, t0)}")
    peak_suite = max(s["suite"] for s in samples)
    peak_worker = max((v for s in samples for v in s["workers"].values() if v is not None), default=0)
    pids = sorted({w for s in samples for w in s["workers"]})
    print(f"   peak suite={peak_suite:.1f} MB peak worker={peak_worker:.1f} MB distinct worker pids={len(pids)}")


def _body() -> bytes:
    payload = json.loads(next((REPO / "contracts/v1/examples" / EVENT).glob("close-reason-consumer.json")).read_text())
    return json.dumps({"timestamp": 1, "headers": [], "payload": payload}).encode()


def bench_serve(requests: int, threads: int = 4) -> None:
    argv = [str(CLI), "serve", str(HANDLER), "--port", "0", "--workers", "2", "--timeout-ms", "10000"]
    print(f"== serve: {' '.join(argv[1:])}; {requests} requests from {threads} loopback threads")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: set[int] = set()
    try:
        first = proc.stdout.readline()  # "lpf-contract serve: http://127.0.0.1:PORT handler=..."
        url = first.split()[2]
        host, port = url.removeprefix("http://").split(":")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
        path = f"/api/account/12345678/events/{EVENT}/invoke?v=1"
        body = _body()
        counts = {"ok": 0, "errors": 0}
        statuses: dict[str, int] = {}
        lock = threading.Lock()
        per_thread = [requests // threads + (1 if i < requests % threads else 0) for i in range(threads)]

        def client(n: int) -> None:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            for _ in range(n):
                try:
                    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    good = resp.status == 200 and json.loads(data)[0]["result"] is not None
                    key = str(resp.status)
                    if resp.getheader("connection", "").lower() == "close" or resp.version == 10:
                        conn.close()
                        conn = http.client.HTTPConnection(host, int(port), timeout=30)
                except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError) as exc:
                    good, key = False, type(exc).__name__
                    conn.close()
                    conn = http.client.HTTPConnection(host, int(port), timeout=30)
                with lock:
                    counts["ok" if good else "errors"] += 1
                    statuses[key] = statuses.get(key, 0) + 1
            conn.close()

        start = snapshot(proc.pid)
        t0 = time.monotonic()
        pool = [threading.Thread(target=client, args=(n,)) for n in per_thread]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - t0
        end = snapshot(proc.pid)
        seen = set(start["workers"]) | set(end["workers"])
        print(f"   requests={requests} ok={counts['ok']} errors={counts['errors']} statuses={dict(sorted(statuses.items()))} "
              f"elapsed={elapsed:.1f}s rate={requests / elapsed:.0f} req/s")
        print(f"   start  {fmt(start, t0)}")
        print(f"   end    {fmt(end, t0)}")
        print(f"   workers at end={len(end['workers'])} (configured 2)")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    time.sleep(0.2)
    left = [p for p in seen if _alive(p)]
    print(f"   serve exit={proc.returncode}; of its {len(seen)} worker pids, alive after stop={len(left)}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b") ", 1)[-1][:1] != b"Z"
    except OSError:
        return False


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    bench_verify(examples)
    bench_serve(requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
