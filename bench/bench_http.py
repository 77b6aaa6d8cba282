"""Invocations per second: a handler in process versus the same handler behind `lpf-contract serve`.

Prints one line per setup; run with `.venv/bin/python bench/bench_http.py [N]`.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lpf_contract.contracts import load_registry
from lpf_contract.handlers import load_handler
from lpf_contract.handlers.http import HttpHandler
from lpf_contract.serve.app import InvocationApp, make_server, server_url

REPO = Path(__file__).resolve().parents[1]
EVENT = "surveybot_messaging_survey_ended"
TARGETS = {
    "python": str(REPO / "examples/handlers/survey_handler.py") + ":handle",
    "node-v1": str(REPO / "examples/handlers/survey_v1.js"),
}


def rate(handler, inp, n: int, threads: int) -> tuple[float, float]:
    lat: list[float] = []

    def one(_):
        t = time.perf_counter()
        out = handler.invoke(EVENT, inp)
        lat.append(time.perf_counter() - t)
        assert out.ok, (out.fault, out.error_message)

    for _ in range(20):  # warm-up: worker start, connection set-up
        one(None)
    lat.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started), statistics.median(lat) * 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    registry = load_registry()
    payload = registry.examples(EVENT)[0].payload
    inp = {"headers": [], "payload": payload, "timestamp": 1}
    for kind, target in TARGETS.items():
        handler = load_handler(target, workers=2, timeout_ms=10000)
        server = make_server(InvocationApp(handler, registry=registry), port=0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            with HttpHandler(server_url(server)) as http:
                for threads in (1, 4):
                    r, p50 = rate(handler, inp, n, threads)
                    print(f"{kind:8} in process       threads={threads}  {r:8.0f} /s  p50 {p50:7.0f} us")
                    r, p50 = rate(http, inp, n, threads)
                    print(f"{kind:8} via serve (HTTP) threads={threads}  {r:8.0f} /s  p50 {p50:7.0f} us")
        finally:
            server.shutdown()
            server.server_close()
            handler.close()


if __name__ == "__main__":
    main()
