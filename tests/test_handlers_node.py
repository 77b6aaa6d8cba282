"""Node adapter: what the worker may see and use, parallel workers, and recovery from busy loops."""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lpf_contract.errors import HandlerLoadError
from lpf_contract.handlers import FaultKind, load_handler
from tests.conftest import processes_with_marker
from lpf_contract.handlers import node as node_module
from lpf_contract.handlers.node import NodeHandler, load_function_config

FIXTURES = Path(__file__).parent / "fixtures" / "handlers" / "node"
PROBE = FIXTURES / "probe"
EVENT = "surveybot_messaging_survey_started"


def inp(**payload):
    return {"headers": [], "payload": payload}


def test_handler_sees_only_configured_environment(monkeypatch):
    monkeypatch.setenv("LPF_CONTRACT_HOST_ONLY", "must-not-leak")
    with load_handler(str(PROBE / "env_keys.js"), env={"API_BASE": "https://x"}) as h:
        out = h.invoke(EVENT, inp())
    assert out.ok, out.error_message
    assert out.result == ["API_BASE"]


def test_folder_target_reads_config_json():
    folder = FIXTURES / "folder" / "survey_fn"
    with load_handler(str(folder), env={"BRAND": "override"}) as h:
        assert h.source_path == (folder / "index.js").resolve()
        assert h.config.event == "surveybot_messaging_survey_ended"
        out = h.invoke(EVENT, h.sample_input)
    assert out.result == {"greeting": "hello", "brand": "override", "event": "ended"}


def test_function_config_skips_the_cli_placeholder_entry():
    config = load_function_config(FIXTURES / "folder" / "survey_fn")
    assert config.environment == (("GREETING", "hello"), ("BRAND", "acme"))
    assert config.input == {"headers": [], "payload": {"surveyEvent": "ended"}}


@pytest.mark.parametrize("env", [{"A": "x" * 201}, {"A": 1}, {"x" * 201: "v"}])
def test_environment_follows_platform_rules(env):
    with pytest.raises(HandlerLoadError, match="environment variable"):
        load_handler(str(PROBE / "env_keys.js"), env=env)


def test_heap_is_capped_like_the_platform():
    with load_handler(str(PROBE / "heap_limit.js")) as h:
        out = h.invoke(EVENT, inp())
    assert 256 <= out.result["heapLimitMb"] < 320


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_toolbelt_http_reaches_allow_listed_domains_only(local_server):
    url = f"{local_server}/survey?id=1"
    with load_handler(str(FIXTURES / "v1" / "toolbelt_http.js"), allow_domains=["127.0.0.1"]) as allowed:
        ok = allowed.invoke(EVENT, inp(url=url))
    with load_handler(str(FIXTURES / "v1" / "toolbelt_http.js"), allow_domains=["*.example.com"]) as denied:
        refused = denied.invoke(EVENT, inp(url=url))
    assert ok.result == {"status": 200, "body": {"path": "/survey?id=1"}}
    assert refused.result == {"status": 403, "name": "StatusCodeError"}


def test_busy_loop_costs_about_the_timeout_and_loses_no_case():
    with load_handler(str(PROBE / "busy_when_asked.js"), timeout_ms=1000) as h:
        first = h.invoke(EVENT, inp(n=0))
        start = time.monotonic()
        stuck = h.invoke(EVENT, inp(busy=True))
        after = h.invoke(EVENT, inp(n=1))
        elapsed = time.monotonic() - start
    assert stuck.fault is FaultKind.TIMEOUT
    assert after.ok and after.result["n"] == 1
    assert after.result["pid"] != first.result["pid"]  # the stuck worker was replaced
    assert elapsed < 3.0  # generous: the target is timeout + respawn, about 1.1 s here


def test_workers_run_cases_in_parallel_and_survive_busy_neighbours():
    marker = f"lpf-contract-test-{uuid.uuid4()}"
    h = load_handler(str(PROBE / "busy_when_asked.js"), timeout_ms=800, workers=2, env={"MARKER": marker})
    cases = [inp(busy=(i % 3 == 0), n=i) for i in range(6)]
    with h, ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(lambda c: h.invoke(EVENT, c), cases))
        assert 1 <= len(processes_with_marker(marker)) <= 2  # never more than workers=2
    assert [o.fault for o in outs] == [FaultKind.TIMEOUT, None, None, FaultKind.TIMEOUT, None, None]
    assert [o.result["n"] for o in outs if o.ok] == [1, 2, 4, 5]
    assert processes_with_marker(marker) == []


def test_concurrent_invocations_use_distinct_workers():
    with load_handler(str(PROBE / "sleep_then_pid.js"), workers=2) as h, ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(lambda _: h.invoke(EVENT, inp(ms=300)), range(2)))
    assert all(o.ok for o in outs)
    assert outs[0].result["pid"] != outs[1].result["pid"]


def test_per_call_timeout_overrides_the_handler_default():
    with load_handler(str(PROBE / "sleep_then_pid.js"), timeout_ms=30000) as h:
        out = h.invoke(EVENT, inp(ms=5000), timeout_ms=200)
        again = h.invoke(EVENT, inp(ms=1))
    assert out.fault is FaultKind.TIMEOUT and "timeout_ms=200" in out.error_message
    assert again.ok


def test_close_is_idempotent_and_kills_workers():
    marker = f"lpf-contract-test-{uuid.uuid4()}"
    h = load_handler(str(PROBE / "env_keys.js"), env={"MARKER": marker})
    assert len(processes_with_marker(marker)) == 1
    h.close()
    h.close()
    assert processes_with_marker(marker) == []
    assert h.invoke(EVENT, inp()).fault is FaultKind.CRASH


def test_node_local_without_node_on_path_is_a_load_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HandlerLoadError, match="node not found on PATH"):
        load_handler(str(PROBE / "env_keys.js"), node="local")


def test_the_platform_build_needs_no_node_on_path(monkeypatch, tmp_path):
    # The provisioned build (tests/test_provision.py installs it from scratch) is found by path.
    from lpf_contract.handlers import provision

    provision.ensure(provision.RUNTIMES)  # while npm is still on PATH
    monkeypatch.setenv("PATH", str(tmp_path))
    with load_handler(str(PROBE / "env_keys.js")) as h:
        assert h.invoke(EVENT, inp()).ok


def test_load_errors_name_the_line_for_syntax_errors():
    with pytest.raises(HandlerLoadError, match=r"line=2"):
        load_handler(str(FIXTURES / "v1" / "load_syntax_error.js"))


def _wait_for_death(pid: int) -> None:
    for _ in range(200):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b") ", 1)[-1][:1] == b"Z":
                    return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError(f"pid={pid} still running after SIGKILL")


def test_a_worker_that_died_between_cases_costs_the_next_case_nothing():
    # Killed from outside while idle (the OOM killer, a user, a process the lambda left behind).
    with load_handler(str(PROBE / "sleep_then_pid.js")) as h:
        first = h.invoke(EVENT, inp(ms=0))
        os.kill(first.result["pid"], signal.SIGKILL)
        _wait_for_death(first.result["pid"])
        second = h.invoke(EVENT, inp(ms=0))
    assert first.ok and second.ok, (first, second)
    assert first.result["pid"] != second.result["pid"]


def test_a_timer_left_behind_never_fires():
    with load_handler(str(PROBE / "exit_after_result.js")) as h:
        first = h.invoke(EVENT, inp())
        time.sleep(0.3)  # the leftover timer would have ended the worker by now
        second = h.invoke(EVENT, inp())
    assert first.ok and second.ok
    assert first.result["pid"] == second.result["pid"]


def test_work_queued_after_the_result_never_runs():
    # The probe counts timers with process.getActiveResourcesInfo (Node >= 17): the local Node, not 14.19.
    with load_handler(str(PROBE / "immediate_after_result.js"), node="local") as h:
        first = h.invoke(EVENT, inp())
        time.sleep(0.1)
        probe = h.invoke(EVENT, inp(pending=True))
    assert (first.fault, first.logs) == (None, ())
    assert probe.result == {"pending": 0, "pid": first.result["pid"]}  # same worker: nothing ended it


def test_the_private_socket_is_not_in_process_argv():
    with load_handler(str(PROBE / "argv.js")) as h:
        out = h.invoke(EVENT, inp())
    assert out.result == {"argv": []}


def test_memory_limit_applies_from_the_start():
    # A bare Node worker is resident well above 1 MB: the cap is checked while loading too.
    with pytest.raises(HandlerLoadError, match=r"out of memory while loading: .* rss_mb=\d+ > limit_mb=1"):
        NodeHandler(str(PROBE / "env_keys.js"), memory_limit_mb=1)


def test_memory_limit_must_be_positive():
    with pytest.raises(HandlerLoadError, match="memory_limit_mb=0"):
        NodeHandler(str(PROBE / "env_keys.js"), memory_limit_mb=0)
