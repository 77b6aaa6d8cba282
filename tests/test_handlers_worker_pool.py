"""Worker plumbing: reply classification, process-tree cleanup, drained output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lpf_contract.core.errors import HandlerLoadError
from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers.worker.pool import MAX_LOG_CALLS, MAX_LOG_CHARS, ProtocolError, Worker, WorkerSpec, _crash_message, _descendants, _outcome, parse_message, start_worker

PROTOCOL_LINES = yaml.safe_load((Path(__file__).parent / "fixtures" / "handlers" / "protocol_lines.yaml").read_text())


def reply(**kw):
    base = {"op": "result", "id": 1, "results": 1, "logCalls": 0, "logChars": 0, "durationMs": 1.5}
    base.update(kw)
    return base


def test_clean_reply():
    out = _outcome(reply(hasResult=True, result="ok"), [], 9.0)
    assert out.ok and out.result == "ok" and out.has_result and out.duration_ms == 1.5


def test_log_limit_wins_over_everything():
    out = _outcome(reply(results=2, logCalls=MAX_LOG_CALLS + 1, hasResult=True, result="x"), [], 1)
    assert out.fault is FaultKind.LOG_LIMIT
    assert out.error_code == "com.liveperson.faas.handler.log-limit-reached"
    assert _outcome(reply(logChars=MAX_LOG_CHARS + 1), [], 1).fault is FaultKind.LOG_LIMIT
    assert _outcome(reply(logCalls=MAX_LOG_CALLS, logChars=MAX_LOG_CHARS), [], 1).fault is None


def test_second_result_after_an_error_says_so():
    out = _outcome(reply(results=2, fault="custom-failure", error={"name": "Error", "message": "no"}), [], 1)
    assert out.fault is FaultKind.MULTIPLE_RESULTS
    assert "Error: no" in out.error_message and out.details["first_fault"] == "custom-failure"


def test_fault_codes_come_from_the_platform_table():
    out = _outcome(reply(fault="runtime-exception", error={"name": "TypeError", "message": "x"}), [], 1)
    assert out.error_code == "com.liveperson.faas.handler.runtime-exception"
    assert _outcome(reply(fault="not-serializable", error={"message": "m"}), [], 1).error_code is None


def test_crash_message_names_out_of_memory():
    assert "out of memory" in _crash_message(None, "SIGABRT", "FATAL ERROR: Reached heap limit")
    assert _crash_message(3, None, "") == "the worker process died during the invocation (exit_code=3)"


def test_descendants_sees_grandchildren():
    child = subprocess.Popen([sys.executable, "-c", "import subprocess,sys,time; subprocess.Popen(['sleep','30']); time.sleep(30)"])
    try:
        for _ in range(100):
            below = _descendants(os.getpid())
            if len(below) >= 2:
                break
            time.sleep(0.02)
        assert child.pid in below and len(below) >= 2
    finally:
        for pid in _descendants(child.pid) + [child.pid]:
            os.kill(pid, 9)
        child.wait()


def _spec(code: str) -> WorkerSpec:
    return WorkerSpec(argv=(sys.executable, "-c", code), env={}, cwd=None, load_message={"op": "load"}, load_timeout_s=5, label="test")


def test_output_is_drained_and_only_a_tail_kept():
    code = (
        "import sys, socket\n"
        "s = socket.socket(fileno=int(sys.argv[-1]))\n"
        "sys.stdout.write('o' * 3_000_000); sys.stdout.flush()\n"
        "sys.stderr.write('e' * 3_000_000 + 'END'); sys.stderr.flush()\n"
        "s.recv(100); s.sendall(b'{\"op\":\"loaded\"}\\n'); s.recv(100)\n"
    )
    worker = start_worker(_spec(code))
    try:
        assert worker.load_reply == {"op": "loaded"}
        time.sleep(0.1)
        tail = worker.stderr_text()
        assert tail.endswith("END") and len(tail) <= 16 * 1024
    finally:
        worker.kill()
        worker.kill()
    assert worker.proc.returncode is not None


def test_worker_dying_while_loading_is_a_load_error():
    with pytest.raises(HandlerLoadError, match="exit_code=7"):
        start_worker(_spec("import sys; sys.stderr.write('bad things'); sys.exit(7)"))


def test_worker_start_failure_is_a_load_error(tmp_path):
    spec = WorkerSpec(argv=(str(tmp_path / "nope"),), env={}, cwd=None, load_message={}, load_timeout_s=1, label="t")
    with pytest.raises(HandlerLoadError, match="cannot start worker"):
        Worker(spec)


@pytest.mark.parametrize("case", PROTOCOL_LINES, ids=[c["line"][:40] for c in PROTOCOL_LINES])
def test_protocol_lines_are_accepted_or_refused(case):
    line = case["line"].encode()
    if "problem" not in case:
        assert isinstance(parse_message(line), dict)
    else:
        with pytest.raises(ProtocolError, match=case["problem"]):
            parse_message(line)


def test_garbage_while_loading_is_a_load_error():
    code = "import sys, socket\ns = socket.socket(fileno=int(sys.argv[-1]))\ns.recv(100); s.sendall(b'nonsense\\n'); s.recv(100)\n"
    with pytest.raises(HandlerLoadError, match="private socket .*not JSON"):
        start_worker(_spec(code))


def test_children_left_by_a_case_are_killed_with_their_own_children():
    # The worker leaves a child that has a child of its own; kill_children must take both and leave the worker.
    code = (
        "import sys, socket, subprocess\n"
        "s = socket.socket(fileno=int(sys.argv[-1]))\n"
        "s.recv(100)\n"
        "subprocess.Popen([sys.executable, '-c', 'import subprocess, time; subprocess.Popen([\\'sleep\\', \\'30\\']); time.sleep(30)'])\n"
        "s.sendall(b'{\"op\":\"loaded\"}\\n'); s.recv(100)\n"
    )
    worker = start_worker(_spec(code))
    try:
        for _ in range(100):
            below = _descendants(worker.proc.pid)
            if len(below) >= 2:
                break
            time.sleep(0.02)
        assert len(below) == 2
        assert sorted(worker.kill_children()) == sorted(below)
        for _ in range(100):
            if all(_is_gone(p) for p in below):
                break
            time.sleep(0.02)
        assert [p for p in below if not _is_gone(p)] == []
        assert worker.proc.poll() is None
    finally:
        worker.kill()


def _is_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b") ", 1)[-1][:1] == b"Z"
    except OSError:
        return True
