"""Python adapter: target forms, environment, parallel workers, busy loops."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lpf_contract.core.errors import HandlerLoadError
from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers import load_handler

FIXTURES = Path(__file__).parent / "fixtures" / "handlers" / "python"
EVENT = "surveybot_messaging_survey_ended"


def inp(**payload):
    return {"headers": [], "payload": payload}


def test_module_target_resolves_from_the_working_directory(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    with load_handler("pyhandlers.survey:lambda_handler") as h:
        assert h.kind == "python" and h.runtime is None and h.source_path is None
        out = h.invoke(EVENT, inp())
    assert out.ok and out.result == "ok"


def test_file_target_records_its_source_path():
    with load_handler(f"{FIXTURES / 'handlers.py'}:ok_return") as h:
        assert h.source_path == (FIXTURES / "handlers.py").resolve()


def test_host_environment_does_not_leak(monkeypatch):
    monkeypatch.setenv("LPF_CONTRACT_HOST_ONLY", "must-not-leak")
    with load_handler(f"{FIXTURES / 'probe.py'}:env_keys", env={"API_BASE": "x"}) as h:
        out = h.invoke(EVENT, inp())
    assert "API_BASE" in out.result
    assert "LPF_CONTRACT_HOST_ONLY" not in out.result


def test_parallel_workers_and_busy_loop_recovery():
    with load_handler(f"{FIXTURES / 'probe.py'}:busy_when_asked", workers=2, timeout_ms=800) as h:
        with ThreadPoolExecutor(max_workers=2) as pool:
            outs = list(pool.map(lambda i: h.invoke(EVENT, inp(busy=i == 0, n=i)), range(4)))
        start = time.monotonic()
        stuck = h.invoke(EVENT, inp(busy=True))
        after = h.invoke(EVENT, inp(n=9))
        elapsed = time.monotonic() - start
    assert [o.fault for o in outs] == [FaultKind.TIMEOUT, None, None, None]
    assert stuck.fault is FaultKind.TIMEOUT and after.result["n"] == 9
    assert elapsed < 2.4  # generous: timeout 0.8 s + respawn


def test_concurrent_invocations_use_distinct_workers():
    with load_handler(f"{FIXTURES / 'probe.py'}:sleep_then_pid", workers=2) as h, ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: h.invoke(EVENT, inp(ms=300)), range(2)))
    assert outs[0].result["pid"] != outs[1].result["pid"]


def test_worker_hides_its_socket_and_kills_what_a_case_left_behind():
    with load_handler(f"{FIXTURES / 'probe.py'}:argv_and_child") as h:
        out = h.invoke(EVENT, inp())
        child = out.result["child"]
        for _ in range(100):  # SIGKILL is asynchronous
            try:
                with open(f"/proc/{child}/stat", "rb") as f:
                    alive = f.read().rsplit(b") ", 1)[-1][:1] != b"Z"
            except OSError:
                alive = False
            if not alive:
                break
            time.sleep(0.02)
    assert out.result["argv"] == []
    assert not alive, f"the case's child pid={child} outlived its result"


def test_a_module_that_raises_after_defining_its_function_loads_and_fails_every_invocation():
    with load_handler(f"{FIXTURES / 'load_raises.py'}:handler") as h:
        fault = h.load_fault
        outs = [h.invoke(EVENT, inp(n=i)) for i in range(2)]
    assert fault == {"name": "KeyError", "message": "'ALLOWED_SKILLS'", "line": 10}
    for out in outs:
        assert out.fault is FaultKind.RUNTIME_EXCEPTION
        assert out.details["phase"] == "load" and out.details["line"] == 10
        assert "KeyError: 'ALLOWED_SKILLS'" in out.error_message


def test_a_module_that_raises_before_its_function_exists_does_not_load():
    with pytest.raises(HandlerLoadError, match="importing the module failed: .*KeyError"):
        load_handler(f"{FIXTURES / 'load_raises_first.py'}:handler")


def test_a_clean_python_module_has_no_load_fault():
    with load_handler(f"{FIXTURES / 'handlers.py'}:ok_return") as h:
        assert h.load_fault is None


def test_no_bytecode_is_left_beside_the_users_handler(tmp_path):
    # The handler and a helper module it imports from its own folder: neither leaves a __pycache__.
    (tmp_path / "helper.py").write_text("def answer():\n    return 'ok'\n", encoding="utf-8")
    (tmp_path / "handler.py").write_text(
        "from helper import answer\n\n\ndef handle(inp):\n    return answer()\n", encoding="utf-8"
    )
    with load_handler(f"{tmp_path / 'handler.py'}:handle") as h:
        assert h.invoke("surveybot_messaging_survey_ended", {"headers": [], "payload": {}}).result == "ok"
    assert not (tmp_path / "__pycache__").exists()
