"""conformance.html rendered by a real headless Chromium: the DOM it builds, and screenshots to look at."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lpf_contract.report import load_run, render_html

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "report" / "fail.json"
SHOTS = REPO / "reports"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = os.environ.get("LPF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"chromium not found: path={path}; run `make e2e`, which installs Debian's chromium")
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, object]:
    run = load_run(FIXTURE)
    html = tmp_path_factory.mktemp("page") / "conformance.html"
    html.write_text(render_html(run), encoding="utf-8")
    return html, run


def browse(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / "profile"  # a fresh profile each time: nothing cached, nothing remembered
    profile.mkdir()
    proc = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, dict]] = []
        self.verdict = ""
        self.checks: list[str] = []
        self.coverage_rows = 0
        self.failures = 0
        self._in: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "verdict":
            self._in.add("verdict")
        if tag == "table" and a.get("id") == "coverage-table":
            self._in.add("coverage")
        if "coverage" in self._in and tag == "tr":
            self.coverage_rows += 1
        if tag == "details" and "failure" in (a.get("class") or ""):
            self.failures += 1
        if tag == "code" and a.get("class") == "check":
            self._in.add("check")
            self.checks.append("")

    def handle_endtag(self, tag):
        if tag == "header":
            self._in.discard("verdict")
        if tag == "table":
            self._in.discard("coverage")
        if tag == "code":
            self._in.discard("check")

    def handle_data(self, data):
        if "verdict" in self._in:
            self.verdict += data
        if "check" in self._in:
            self.checks[-1] += data


def test_dom_shows_verdict_every_failure_and_the_coverage_table(chromium, page, tmp_path):
    html, run = page
    proc = browse(chromium, tmp_path, "--dump-dom", html.as_uri())
    dom = Dom()
    dom.feed(proc.stdout)
    assert "FAIL" in dom.verdict and "does not conform" in dom.verdict
    assert dom.failures == len(run.failures)
    for f in run.failures:
        assert f.check in dom.checks
    assert "deploy-rules" in dom.checks  # the static finding too
    assert dom.coverage_rows == 1 + len(run.events)  # header row + one per event
    assert "<script" not in proc.stdout  # handler text stayed text after the browser parsed it


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("name, size", [("conformance.png", (1280, 1600)), ("conformance-phone.png", (390, 1600))])
def test_screenshots(chromium, page, tmp_path, name, size):
    html, _ = page
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / name
    shot.unlink(missing_ok=True)
    browse(chromium, tmp_path, f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}", html.as_uri())
    assert png_size(shot) == size
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few kB
