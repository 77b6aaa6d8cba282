"""core/platform.json is the one source of the platform's facts: Python and Node read the same values,
and no platform number or error code is written down anywhere else in the package."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from lpf_contract.core import platform
from lpf_contract.core.outcome import PLATFORM_ERROR_CODES, FaultKind
from lpf_contract.handlers.http import V2_ERROR_CODES
from lpf_contract.handlers.node import NODE_DIR, find_node
from lpf_contract.handlers.provision import toolbelt_module
from tests.conftest import FIXTURES

SRC = Path(platform.__file__).resolve().parents[1]


def _walk(fact, where=""):
    if isinstance(fact, dict):
        if "value" in fact or "codes" in fact:
            yield where, fact
        for k, v in fact.items():
            if isinstance(v, dict):
                yield from _walk(v, f"{where}/{k}")


def test_every_fact_names_its_source():
    for key in ("limits", "handler_error_status", "error_codes", "liveperson_domains"):
        for where, fact in _walk({key: platform.FACTS[key]}):
            assert fact.get("source"), f"platform.json{where} has no source"
    for rt, entry in platform.runtimes().items():
        for name, module in entry["modules"].items():
            assert module.get("source"), f"platform.json/runtimes/{rt}/modules/{name} has no source"


def test_python_reads_the_file():
    assert platform.DEFAULT_TIME_LIMIT_MS == platform.FACTS["limits"]["time_limit_ms"]["value"] == 30_000
    assert (platform.MAX_LOG_CALLS, platform.MAX_LOG_CHARS, platform.MEMORY_MB) == (10, 6000, 256)
    assert {k.value: v for k, v in PLATFORM_ERROR_CODES.items()} == dict(platform.error_codes("v1"))
    assert {k.value: v for k, v in V2_ERROR_CODES.items() if k.value in platform.error_codes("v2")} == dict(
        platform.error_codes("v2")
    )
    # every code names a fault kind the adapters produce
    for fmt in ("v1", "v2"):
        assert {FaultKind(k) for k in platform.error_codes(fmt)} == {
            FaultKind.CUSTOM_FAILURE,
            FaultKind.RUNTIME_EXCEPTION,
            FaultKind.TIMEOUT,
            FaultKind.LOG_LIMIT,
        }


def test_log_limit_policy_is_the_platforms():
    assert platform.log_limit_exceeded(platform.MAX_LOG_CALLS, platform.MAX_LOG_CHARS) is None
    assert "log_calls=11 (max 10)" in platform.log_limit_exceeded(11, 0)
    assert "log_chars=6001 (max 6000)" in platform.log_limit_exceeded(1, 6001)


def test_node_sees_the_same_facts():
    proc = subprocess.run(
        [find_node(), str(FIXTURES / "platform" / "read_facts.js"), str(NODE_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["facts"] == json.loads(platform.PLATFORM_FILE.read_text(encoding="utf-8"))
    assert seen["toolbeltOfRuntime"] == {rt: toolbelt_module(rt) for rt in platform.runtimes()}
    assert tuple(seen["livepersonDomains"]) == platform.LIVEPERSON_DOMAINS


# Literals that may appear only in platform.json: a copy elsewhere is a second source that can drift.
_CODES = [code for fmt in ("v1", "v2") for code in platform.error_codes(fmt).values()]
_FORBIDDEN = [
    (re.compile(r"(?<![\w.])30_?000(?![\w])"), "the time limit"),
    (re.compile(r"(?<![\w.])6_?000(?![\w])"), "the log character limit"),
    (re.compile(r"(?<![\w.])100_?000(?![\w])"), "the source size limit"),
    *[(re.compile(rf"['\"]{re.escape(code)}['\"]"), "an error code") for code in _CODES],
    (re.compile(r"['\"]\*?\.?(?:api|ams-a|adminlogin)\.liveperson\.net['\"]"), "a LivePerson domain"),
]
# Kept-log caps of the workers are ours (memory bounds), not the platform's: decided there.
_ALLOWED = {("handlers/node/runner.js", "the source size limit"), ("handlers/python_worker.py", "the source size limit")}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SRC.rglob("*") if p.suffix in (".py", ".js") and "node_modules" not in p.parts),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_no_platform_literal_outside_platform_json(path):
    rel = str(path.relative_to(SRC))
    text = path.read_text(encoding="utf-8")
    for rx, what in _FORBIDDEN:
        if (rel, what) in _ALLOWED:
            continue
        m = rx.search(text)
        assert m is None, f"{rel} writes {what} ({m.group(0)}) itself: read it from core/platform.py (or platform.js)"
