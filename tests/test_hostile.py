"""Hostile handlers (issue 9), beyond the faults of tests/fixtures/handlers/catalogue.yaml.

Each fixture under tests/fixtures/hostile/ is copied into a fresh temporary folder, so every process it
starts (worker, child, grandchild) can be found in /proc by that folder's path: in its argv or as its
working directory. What is and is not isolated is written down in docs/handler-isolation.md; these
tests hold the suite to that text.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers import load_handler
from tests.conftest import FIXTURES

HOSTILE = FIXTURES / "hostile"
CLI = Path(sys.executable).with_name("lpf-contract")
EVENT = "surveybot_messaging_survey_started"


def inp(**payload):
    return {"headers": [], "payload": payload}


def place(name: str, tmp_path: Path) -> Path:
    """Copy fixture ``name`` to ``tmp_path/<stem>/index.js``: a unique path the test can look for."""
    folder = tmp_path / Path(name).stem
    folder.mkdir()
    shutil.copy(HOSTILE / name, folder / "index.js")
    return folder / "index.js"


def survivors(marker: Path) -> list[str]:
    """Live processes (zombies excluded) that mention ``marker`` in their argv or run in it."""
    found = []
    needle = str(marker)
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b") ", 1)[-1][:1] == b"Z":
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if needle in cmdline or cwd.startswith(needle):
            found.append(f"pid={pid} cwd={cwd} {cmdline[:160]}")
    return found


def wait_until_gone(marker: Path, seconds: float = 3.0) -> list[str]:
    # SIGKILL is asynchronous: give the kernel a moment to reap before calling something a survivor.
    deadline = time.monotonic() + seconds
    while True:
        left = survivors(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def run_cli(*argv, env=None, timeout=120):
    return subprocess.run(
        [str(CLI), *map(str, argv)], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        env={**os.environ, "CI": "true", **(env or {})},
    )


# -- memory ----------------------------------------------------------------------------------------


def test_slow_heap_creep_is_a_crash_at_the_platform_cap(tmp_path):
    target = place("heap_creep.js", tmp_path)
    with load_handler(str(target), timeout_ms=30000) as h:
        out = h.invoke(EVENT, inp())
    assert out.fault is FaultKind.CRASH, out
    assert "out of memory (heap limit 256 MB" in out.error_message
    assert wait_until_gone(target.parent) == []


def test_off_heap_buffers_are_capped_too(tmp_path):
    # Buffers live outside the V8 heap, so --max-old-space-size does not see them. The fixture stops
    # by itself at 1 GB: if it gets there, nothing capped it.
    target = place("offheap_hoard.js", tmp_path)
    with load_handler(str(target), timeout_ms=20000) as h:
        out = h.invoke(EVENT, inp(maxMb=1024))
    assert out.fault is FaultKind.CRASH, f"a lambda held {out.result} outside the 256 MB heap cap"


# -- processes and timers that outlive the result --------------------------------------------------


def test_children_and_timers_die_with_the_handler(tmp_path):
    target = place("leaves_children_and_timers.js", tmp_path)
    h = load_handler(str(target))
    out = h.invoke(EVENT, inp())
    assert out.ok and out.result == "ok"
    assert out.logs == ()  # the interval's logs come after the result: dropped, as the platform does
    h.close()
    assert wait_until_gone(target.parent) == []


def test_no_child_process_survives_the_case(tmp_path):
    target = place("leaves_children_and_timers.js", tmp_path)
    with load_handler(str(target)) as h:
        assert h.invoke(EVENT, inp()).ok
        left = [p for p in wait_until_gone(target, seconds=1.0) if " -e " in p]
    assert left == [], "children the lambda started are still running after its result"


def test_no_timer_survives_the_case(tmp_path):
    target = place("leaves_children_and_timers.js", tmp_path)
    # The probe counts timers with process.getActiveResourcesInfo (Node >= 17): the local Node, not 14.19.
    with load_handler(str(target), node="local") as h:
        assert h.invoke(EVENT, inp()).ok
        probe = h.invoke(EVENT, inp(probe=True))
    assert probe.result == {"pendingTimers": 0}, "the previous case's interval and timeout still run in the worker"


def test_verify_leaves_no_process_behind(tmp_path):
    target = place("leaves_children_and_timers.js", tmp_path)
    reports = tmp_path / "reports"
    proc = run_cli("verify", target, "--examples", "5", "--no-systematic", "--workers", "2", "--timeout-ms", "5000", "--report-dir", reports,
                   "--no-progress")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert json.loads((reports / "conformance.json").read_text())["summary"]["verdict"] == "pass"
    assert wait_until_gone(target.parent) == []


# -- output ----------------------------------------------------------------------------------------


def test_megabytes_on_stdout_are_drained_not_parsed(tmp_path):
    target = place("stdout_megabytes.js", tmp_path)
    with load_handler(str(target), timeout_ms=20000) as h:
        outs = [h.invoke(EVENT, inp(mb=16)) for _ in range(3)]
    assert [(o.fault, o.result, o.logs) for o in outs] == [(None, "real", ())] * 3


def test_verify_with_a_stdout_flood_finishes_and_judges_the_real_result(tmp_path):
    # "real" is no valid survey result: verify must fail on exactly that, never on the forged "ok"-like lines.
    target = place("stdout_megabytes.js", tmp_path)
    # v1 named: its results are acted on, so "real" is a violation (v2 ignores survey results).
    proc = run_cli("verify", target, "--examples", "5", "--no-systematic", "--timeout-ms", "10000",
                   "--report-dir", tmp_path / "r", "--no-progress", "--version", "v1")
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = json.loads((tmp_path / "r" / "conformance.json").read_text())
    assert report["summary"]["cases"] == 10
    assert {(f["check"], f["result"]) for f in report["failures"]} == {("response-schema", "real")}
    assert "forged" not in proc.stdout + proc.stderr
    assert wait_until_gone(target.parent) == []


@pytest.mark.parametrize(
    "line",
    ["garbage that is not JSON", '{"op":"log","id":1}', "[1, 2", "null"],
    ids=["not-json", "log-without-text", "cut-off", "json-null"],
)
def test_garbage_on_the_private_socket_is_a_fault_not_an_exception(tmp_path, line):
    target = place("writes_to_ipc_fd.js", tmp_path)
    with load_handler(str(target), timeout_ms=3000) as h:
        out = h.invoke(EVENT, inp(line=line))
        again = h.invoke(EVENT, inp(line="{}"))
    assert out.fault is FaultKind.CRASH, out
    assert again.fault is None and again.result == "real"  # the next case gets a clean worker
    assert wait_until_gone(target.parent) == []


def test_verify_classifies_protocol_garbage(tmp_path):
    # Every case writes garbage on the socket: verify must report crashes (exit 1), not a traceback.
    target = tmp_path / "ipc_garbage" / "index.js"
    target.parent.mkdir()
    target.write_text((HOSTILE / "writes_to_ipc_fd.js").read_text().replace("input.payload.line", '"garbage"'))
    proc = run_cli("verify", target, "--examples", "1", "--no-systematic", "--timeout-ms", "3000",
                   "--report-dir", tmp_path / "r", "--no-progress")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert wait_until_gone(target.parent) == []


# -- a blocked event loop --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["blocks_in_exec_sync.js", "blocks_in_atomics_wait.js"])
def test_blocked_event_loop_is_a_timeout_and_everything_it_started_dies(tmp_path, name):
    target = place(name, tmp_path)
    with load_handler(str(target), timeout_ms=1000) as h:
        out = h.invoke(EVENT, inp())
        assert out.fault is FaultKind.TIMEOUT
        assert wait_until_gone(target) == []  # the `sleep 120` child of execSync included
    assert wait_until_gone(target.parent) == []


# -- the host's environment ------------------------------------------------------------------------

_DRIVER = """
import json, sys
from lpf_contract.handlers import load_handler
with load_handler(sys.argv[1], env={"CONFIGURED": "yes"}) as h:
    print(json.dumps(h.invoke("%s", {"headers": [], "payload": {"canary": sys.argv[2]}}).result))
""" % EVENT


@pytest.fixture
def environment_seen(tmp_path):
    """What reads_host_environment.js sees when the suite was started with a canary variable."""
    target = place("reads_host_environment.js", tmp_path)
    canary = f"LPF_CANARY_{os.getpid()}"
    proc = subprocess.run([sys.executable, "-c", _DRIVER, str(target), canary], capture_output=True, text=True,
                          timeout=60, env={**os.environ, canary: "host-secret"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_handler_sees_only_configured_variables(environment_seen):
    assert environment_seen["envKeys"] == ["CONFIGURED"]
    assert environment_seen["processEnv"] is False
    assert environment_seen["selfEnviron"] is False
    assert environment_seen["childEnv"] is False


def test_suite_environment_is_readable_through_proc(environment_seen):
    # Not isolated (docs/handler-isolation.md): the worker runs as the same user as the suite, so
    # /proc/<parent>/environ is open to it. If this starts failing, update the document.
    assert environment_seen["parentEnviron"] is True


# -- the network -----------------------------------------------------------------------------------


class _Target(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_target():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Target.hits = 0
    yield f"http://127.0.0.1:{server.server_address[1]}/survey"
    server.shutdown()
    server.server_close()


def test_direct_connections_to_hosts_off_the_allow_list_are_refused(tmp_path, loopback_target):
    target = place("direct_network.js", tmp_path)
    with load_handler(str(target), allow_domains=["api.example.com"], timeout_ms=10000) as h:
        out = h.invoke(EVENT, inp(url=loopback_target))
    assert out.ok, out.error_message
    assert not any(v.startswith(("status", "connected")) for v in out.result.values()), out.result
    assert _Target.hits == 0


@pytest.mark.parametrize(
    ("node", "fetch"),
    # A V1 lambda runs on the platform's Node 14.19, which has no fetch; the local Node's fetch
    # goes through the same allow-list.
    [(None, "no fetch"), ("local", "status 200")],
)
def test_direct_connections_to_allow_listed_hosts_work(tmp_path, loopback_target, node, fetch):
    target = place("direct_network.js", tmp_path)
    with load_handler(str(target), allow_domains=["127.0.0.1"], timeout_ms=10000, node=node) as h:
        out = h.invoke(EVENT, inp(url=loopback_target))
    assert out.result == {"http": "status 200", "net": "connected", "fetch": fetch}


# -- the file system -------------------------------------------------------------------------------


def test_files_outside_the_handler_folder_are_not_protected(tmp_path):
    # Not isolated (docs/handler-isolation.md): the worker runs as the suite's user, in the handler's
    # folder, with that user's file permissions.
    target = place("writes_outside_its_folder.js", tmp_path)
    outside = tmp_path / "elsewhere" / "written.txt"
    outside.parent.mkdir()
    with load_handler(str(target)) as h:
        out = h.invoke(EVENT, inp(path=str(outside)))
    assert out.result["cwd"] == str(target.parent)
    assert outside.read_text() == "written by a lambda\n"
