"""Ctrl-C / SIGTERM during verify: stops promptly, kills every worker, still writes a report."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lpf_contract.handlers.worker.pool import _descendants

from tests.conftest import FIXTURES, REPO

HANDLER = FIXTURES / "interrupt" / "slow_then_hang.js"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_stops_quickly_and_reports(sig, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "lpf_contract.cli", "verify", str(HANDLER), "--report-dir", str(tmp_path),
         "--no-progress", "--examples", "50", "--seed", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # Wait until the hang has begun: the worker is stuck in its busy loop.
    time.sleep(3)
    assert proc.poll() is None, proc.communicate()
    workers = _descendants(proc.pid)  # the pool's own /proc walk
    assert workers, "the verify process should have started handler workers"
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    stopped_after = time.monotonic() - sent
    assert proc.returncode == 130, out + err
    assert stopped_after < 5, f"took {stopped_after:.1f}s to stop"  # the hanging case's limit is 30 s
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert doc["interrupted"] is True and doc["summary"]["verdict"] == "fail"
    assert doc["summary"]["cases"] >= 5
    assert "INTERRUPTED" in out
    assert not list(tmp_path.glob(".conformance.json.*")), "temp files left behind"
    deadline = time.monotonic() + 3
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in workers if _alive(p)] == []
