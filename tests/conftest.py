from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in process: returns (exit_code, stdout, stderr)."""
    from lpf_contract.cli import main

    def run(*argv: str):
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def processes_with_marker(marker: str) -> list[str]:
    """Live processes whose environment holds ``marker`` (our workers and anything they spawned)."""
    found = []
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().split(b") ")[-1][:1] == b"Z":  # a zombie is already dead
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"pid={pid} {cmdline[:120]}")
        except OSError:
            continue
    return found


def run_pytest(cwd: Path, *args: str, examples: int) -> subprocess.CompletedProcess:
    """pytest with the installed lpf-contract plugin in a user's repository ``cwd`` (no conftest.py),
    under CI=true, with none of this session's PYTEST_ or LPF_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LPF_"))}
    env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfs", "--lpf-examples", str(examples), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler for the tests' local APIs: ``reply`` answers, nothing is logged."""

    def reply(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"content-type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[tuple[str, http.server.ThreadingHTTPServer]]:
    """A local API on 127.0.0.1 (a free port) served from a daemon thread: yields its base URL and the server."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
