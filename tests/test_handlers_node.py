"""Node adapter: what the worker may see and use, parallel workers, and recovery from busy loops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from lpf_contract.core.errors import HandlerLoadError, LambdaSyntaxError
from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers import load_handler
from lpf_contract.handlers.node import NodeHandler, load_function_config
from tests.conftest import QuietHandler, http_server, processes_with_marker

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


class _Echo(QuietHandler):
    def do_GET(self):
        self.reply(200, json.dumps({"path": self.path}).encode())


@pytest.fixture
def local_server():
    with http_server(_Echo) as (url, _):
        yield url


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


# --- The platform's Node (V1 14.19.0, V2 22) and the local one ----------------------------------------
# Tests below run on the local `node` (`node="local"`) and again on the platform's Node builds, which is
# what load_handler uses by default (provisioned from npm by lpf-contract setup, handlers/provision.py).


@pytest.fixture(params=["local", "platform"])
def node(request, monkeypatch) -> str:
    """Runs the test on the local `node`, then on the platform's Node for the lambda's runtime."""
    if request.param == "local":
        from lpf_contract.handlers import provision

        chosen = provision.runtime_for
        monkeypatch.setattr(provision, "runtime_for", lambda runtime, *, node=None: chosen(runtime, node=node or "local"))
    return request.param


def _node_version(h) -> str:
    with open(f"/proc/{next(iter(h._pool._all)).proc.pid}/cmdline", "rb") as f:
        argv0 = f.read().split(b"\0")[0].decode()
    return subprocess.run([argv0, "--version"], capture_output=True, text=True).stdout.strip()


def test_the_node_fixture_really_runs_node_14(node):
    with load_handler(str(FIXTURES / "v1" / "ok_callback.js")) as h:
        version = _node_version(h)
        out = h.invoke(EVENT, inp())
    assert out.ok
    assert (version == "v14.19.0") == (node == "platform"), version  # ok_callback.js is a V1 lambda


# --- Load-time faults (issue 13, item 3) --------------------------------------------------------------

CATALOGUE = yaml.safe_load((FIXTURES.parent / "catalogue.yaml").read_text(encoding="utf-8"))
LOAD_FAULTS = [e for e in CATALOGUE["node"] if "load_fault" in e]


@pytest.mark.parametrize("entry", LOAD_FAULTS, ids=[e["target"] for e in LOAD_FAULTS])
def test_a_top_level_throw_loads_and_fails_every_invocation_with_its_line(entry, node):
    target = FIXTURES.parent / entry["target"]
    with load_handler(str(target), workers=2) as h, ThreadPoolExecutor(max_workers=2) as pool:
        fault = h.load_fault
        outs = list(pool.map(lambda i: h.invoke(EVENT, inp(n=i)), range(4)))
    assert fault["name"] == entry["load_fault"]["name"] and fault["line"] == entry["load_fault"]["line"], fault
    assert fault["message"]
    for out in outs:
        assert out.fault is FaultKind(entry["fault"])
        assert out.details["phase"] == "load" and out.details["line"] == entry["load_fault"]["line"]
        assert str(target.resolve()) in out.details["stack"]
        assert fault["message"] in out.error_message


def test_a_clean_load_has_no_load_fault_and_no_phase():
    with load_handler(str(FIXTURES / "v1" / "runtime_type_error.js")) as h:
        assert h.load_fault is None
        out = h.invoke(EVENT, inp())
    assert out.fault is FaultKind.RUNTIME_EXCEPTION and "phase" not in out.details


def test_a_syntax_error_raises_lambda_syntax_error_with_line_and_detail(node):
    with pytest.raises(LambdaSyntaxError) as err:
        load_handler(str(FIXTURES / "v1" / "load_syntax_error.js"))
    assert isinstance(err.value, HandlerLoadError) and err.value.exit_code == 2
    assert err.value.line == 2
    assert err.value.detail.startswith("SyntaxError: ")
    assert "line=2" in str(err.value)


def test_node14_refuses_syntax_that_newer_nodes_accept(tmp_path):
    target = tmp_path / "index.js"
    target.write_text('function lambda(input, callback) {\n  let seen;\n  seen ??= "x";\n  callback(null, seen);\n}\n')
    with load_handler(str(target), node="local") as h:  # the local node parses ??=
        assert h.invoke(EVENT, inp()).result == "x"
    with pytest.raises(LambdaSyntaxError) as err:  # V1 runs on the platform's 14.19.0, which does not
        load_handler(str(target))
    assert err.value.line == 3


@pytest.mark.parametrize("name", ["load_no_lambda.js", "load_throws_before_let_lambda.js"])
def test_no_lambda_at_all_stays_a_plain_load_error(name):
    with pytest.raises(HandlerLoadError, match="no function named lambda") as err:
        load_handler(str(FIXTURES / "v1" / name))
    assert not isinstance(err.value, LambdaSyntaxError)
    if name == "load_throws_before_let_lambda.js":
        assert "top-level code threw first at line=2: TypeError" in str(err.value)


def test_a_missing_file_stays_a_plain_load_error(tmp_path):
    with pytest.raises(HandlerLoadError) as err:
        load_handler(str(tmp_path / "nope.js"))
    assert not isinstance(err.value, LambdaSyntaxError)


def test_use_strict_stays_in_force_and_line_numbers_stay_the_files(node, tmp_path):
    target = tmp_path / "index.js"
    target.write_text('"use strict";\nfunction lambda(input, callback) {\n  undeclared = 1;\n  callback(null, "ok");\n}\n')
    with load_handler(str(target)) as h:
        out = h.invoke(EVENT, inp())
    assert out.fault is FaultKind.RUNTIME_EXCEPTION and "ReferenceError" in out.error_message
    assert f"{target.resolve()}:3:" in out.details["stack"]


# --- A lambda that never answers (issue 13, item 4) ---------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("v1/timeout_no_callback.js", "the callback was never called and nothing was pending"),
        ("v2/timeout_pending.js", "the returned promise never settled and nothing was pending"),
    ],
)
def test_a_lambda_that_can_never_answer_times_out_at_once(target, message, node):
    # The limit is far beyond the test's run time: only the never-called path can end this case.
    with load_handler(str(FIXTURES / target), timeout_ms=30_000) as h:
        out = h.invoke(EVENT, inp())
        again = h.invoke(EVENT, inp())
    for o in (out, again):
        assert o.fault is FaultKind.TIMEOUT, o.error_message
        assert o.error_code == "com.liveperson.faas.handler.executiontime-exceeded"
        assert o.details["never_called"] is True and o.details["timeout_ms"] == 30_000
        assert message in o.error_message


@pytest.fixture(scope="module")
def silent_server():
    """A loopback server that accepts connections and never answers."""
    import socket

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/never"
    srv.close()


@pytest.fixture(scope="module")
def silent_dns():
    """A loopback UDP port where DNS queries go unanswered."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def fifo(tmp_path) -> str:
    path = tmp_path / "fifo"
    os.mkfifo(path)  # nobody writes: a read of it stays pending in the thread pool
    return str(path)


PENDING_KINDS = [
    "timer",
    "unref-timer",
    "interval",
    "immediate-chain",
    "promisified-timer",
    "timers-promises",
    "fs-fifo",
    "http-request",
    "fetch",
    "child",
    "server",
    "dns-resolve",
    "pbkdf2",
    "zlib",
]


@pytest.mark.parametrize("kind", PENDING_KINDS)
def test_pending_work_is_never_reported_as_never_called(kind, node, silent_server, silent_dns, fifo):
    with load_handler(str(PROBE / "pending.js"), timeout_ms=400, allow_domains=["127.0.0.1"]) as h:
        out = h.invoke(EVENT, inp(kind=kind, url=silent_server, fifo=fifo, dns=silent_dns))
    assert out.fault is FaultKind.TIMEOUT, out.error_message
    assert "never_called" not in out.details and out.details["timeout_ms"] == 400


@pytest.mark.parametrize("kind", ["short-timer", "http-done", "toolbelt-done"])
def test_once_the_pending_work_is_over_the_silence_is_reported(kind, node, local_server):
    with load_handler(str(PROBE / "pending.js"), timeout_ms=30_000, allow_domains=["127.0.0.1"]) as h:
        out = h.invoke(EVENT, inp(kind=kind, url=f"{local_server}/done"))
    assert out.fault is FaultKind.TIMEOUT and out.details.get("never_called") is True, out.error_message


def test_work_the_top_level_code_left_running_is_pending(node):
    with load_handler(str(PROBE / "awaits_load_timer.js"), timeout_ms=400) as h:
        out = h.invoke(EVENT, inp())
    assert out.fault is FaultKind.TIMEOUT and "never_called" not in out.details


# --- The platform's own environment variables (issue 13, item 9) --------------------------------------


@pytest.mark.parametrize(("target", "name"), [("platform_env.js", "BRAND_ID"), ("platform_env_v2.js", "X_LIVEPERSON_BRAND_ID")])
def test_the_account_variable_follows_the_payloads_account(target, name, node):
    other = "X_LIVEPERSON_BRAND_ID" if name == "BRAND_ID" else "BRAND_ID"
    with load_handler(str(PROBE / target)) as h:
        first = h.invoke(EVENT, inp(accountId="12345678"))
        second = h.invoke(EVENT, inp(accountId="87654321"))
    assert first.result == {name: "12345678", other: None}
    assert second.result == {name: "87654321", other: None}


def test_without_an_account_in_the_payload_nothing_is_set():
    with load_handler(str(PROBE / "platform_env.js")) as h:
        out = h.invoke(EVENT, inp())
    assert out.result == {"BRAND_ID": None, "X_LIVEPERSON_BRAND_ID": None}


def test_the_users_value_comes_on_top():
    with load_handler(str(PROBE / "platform_env.js"), env={"BRAND_ID": "configured"}) as h:
        out = h.invoke(EVENT, inp(accountId="12345678"))
    assert out.result["BRAND_ID"] == "configured"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [({"key": "value"}, ()), ({"API_HOST": "api.example.com"}, (("API_HOST", "api.example.com"),))],
    ids=["lpf-template-placeholder", "real-variable"],
)
def test_config_json_placeholder_variables_are_not_sent(tmp_path, variables, expected):
    # lpf's template holds {"key": "value"}; `lpf push` sends no variables then (hasCustomEnvars).
    from lpf_contract.handlers.node import load_function_config

    (tmp_path / "config.json").write_text(json.dumps({"name": "f", "event": None, "environmentVariables": variables}))
    assert load_function_config(tmp_path).environment == expected


def test_stack_columns_on_line_1_are_the_files_own():
    # newuser finding 14: V8 counted the runner's wrapper prefix on line 1 (`line1.js:1:169`).
    source = FIXTURES.parent / "stack" / "line1.js"
    column = source.read_text(encoding="utf-8").index("deep") + 1  # V8 names the property read, 1-based
    with NodeHandler(str(source)) as handler:
        outcome = handler.invoke("surveybot_messaging_survey_ended", {"headers": [], "payload": {}})
    assert f"line1.js:1:{column} " in outcome.details["stack"] or f"line1.js:1:{column})" in outcome.details["stack"]
