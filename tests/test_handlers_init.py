"""load_handler over the whole fixture catalogue: every handler classified exactly, nothing left running."""

from __future__ import annotations

import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from lpf_contract.core.errors import HandlerLoadError
from lpf_contract.core.outcome import FaultKind, Outcome
from lpf_contract.handlers import Handler, load_handler, target_kind
from tests.conftest import processes_with_marker

FIXTURES = Path(__file__).parent / "fixtures" / "handlers"
CATALOGUE = yaml.safe_load((FIXTURES / "catalogue.yaml").read_text(encoding="utf-8"))
DEFAULT_INPUT = {"headers": [], "payload": {"a": {"b": 2}}}
EVENT = "surveybot_messaging_survey_ended"


def _target(entry: dict[str, Any]) -> str:
    t = entry["target"]
    if ":" in t and not t.startswith("http"):
        path, _, func = t.rpartition(":")
        return f"{FIXTURES / path}:{func}"
    return str(FIXTURES / t)


def check_entry(entry: dict[str, Any], marker: str) -> list[str]:
    """Load, invoke once, compare with the catalogue; returns the mismatches."""
    options = dict(entry.get("options") or {})
    if "secrets_file" in options:
        options["secrets_file"] = str(FIXTURES / options["secrets_file"])
    options.setdefault("timeout_ms", 1000)
    options["env"] = {"LPF_CONTRACT_TEST_MARKER": marker}
    name = entry["target"] + (f" {entry['options']}" if entry.get("options") else "")
    if "load_error" in entry:
        try:
            load_handler(_target(entry), **options).close()
        except HandlerLoadError as exc:
            return [] if entry["load_error"] in str(exc) else [f"{name}: load error {exc!s} lacks {entry['load_error']!r}"]
        return [f"{name}: loaded, expected a load error"]
    with load_handler(_target(entry), **options) as h:
        if not isinstance(h, Handler) or h.kind != entry["target"].split("/")[0] or h.target != _target(entry):
            return [f"{name}: kind={h.kind} target={h.target} does not follow the Handler protocol"]
        out = h.invoke(EVENT, entry.get("input", DEFAULT_INPUT))
        runtime = h.runtime
    return compare(name, entry, out, runtime)


def compare(name: str, entry: dict[str, Any], out: Outcome, runtime: str | None) -> list[str]:
    bad = []
    want_fault = FaultKind(entry["fault"]) if entry["fault"] else None
    if out.fault != want_fault:
        bad.append(f"fault={out.fault} expected {want_fault} ({out.error_message})")
    if "runtime" in entry and runtime != entry["runtime"]:
        bad.append(f"runtime={runtime} expected {entry['runtime']}")
    if "has_result" in entry and out.has_result != entry["has_result"]:
        bad.append(f"has_result={out.has_result} expected {entry['has_result']}")
    if "result" in entry:
        if out.result != entry["result"] or not out.has_result:
            bad.append(f"result={out.result!r} has_result={out.has_result} expected {entry['result']!r}")
    if "error_code" in entry and out.error_code != entry["error_code"]:
        bad.append(f"error_code={out.error_code} expected {entry['error_code']}")
    if "error_contains" in entry and entry["error_contains"] not in (out.error_message or ""):
        bad.append(f"error_message={out.error_message!r} lacks {entry['error_contains']!r}")
    if "logs" in entry and [[e.level, e.text] for e in out.logs] != entry["logs"]:
        bad.append(f"logs={[(e.level, e.text) for e in out.logs]} expected {entry['logs']}")
    for key, value in (entry.get("details") or {}).items():
        if out.details.get(key, "<missing>") != value:
            bad.append(f"details[{key}]={out.details.get(key, '<missing>')!r} expected {value!r}")
    if want_fault in PLATFORM_CODED and out.error_code is None:
        bad.append("no platform error code")
    return [f"{name}: {b}" for b in bad]


PLATFORM_CODED = {FaultKind.CUSTOM_FAILURE, FaultKind.RUNTIME_EXCEPTION, FaultKind.TIMEOUT, FaultKind.LOG_LIMIT}


def test_catalogue_classified_exactly_and_no_worker_survives():
    marker = f"lpf-contract-test-{uuid.uuid4()}"
    entries = CATALOGUE["node"] + CATALOGUE["python"]
    # Timeouts spend their time waiting, so a few at once keep the file fast on 2 cores.
    with ThreadPoolExecutor(max_workers=4) as pool:
        mismatches = [m for ms in pool.map(lambda e: check_entry(e, marker), entries) for m in ms]
    assert mismatches == []
    assert processes_with_marker(marker) == []


def test_catalogue_covers_every_fault_kind_for_node_and_python():
    local_kinds = set(FaultKind) - {FaultKind.CONNECTION_ERROR, FaultKind.BAD_RESPONSE}
    for kind in ("node", "python"):
        covered = {FaultKind(e["fault"]) for e in CATALOGUE[kind] if e.get("fault")}
        assert covered == local_kinds, kind
        assert sum(1 for e in CATALOGUE[kind] if "fault" in e and e["fault"] is None) >= 3, kind


def test_catalogue_names_every_fixture_file():
    named = {e["target"].split(":")[0] for k in ("node", "python") for e in CATALOGUE[k]}
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("node/v*/*.js")}
    assert on_disk - named == set()


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("https://gateway.example.com", "http"),
        ("http://127.0.0.1:8080", "http"),
        ("handlers.py:f", "python"),
        ("dir/handlers.py:f", "python"),
        ("package.module:func", "python"),
        ("functions/x/index.js", "node"),
        (str(FIXTURES / "node" / "folder" / "survey_fn"), "node"),
    ],
)
def test_target_kind(target, kind):
    assert target_kind(target) == kind


@pytest.mark.parametrize("target", ["handler.ts", "no-such-dir", "file.py:not-a-name", "file.py"])
def test_unknown_targets_are_load_errors(target):
    with pytest.raises(HandlerLoadError) as err:
        load_handler(target)
    assert err.value.exit_code == 2


def test_http_targets_go_to_the_http_adapter(monkeypatch):
    seen = {}

    class FakeHttpHandler:
        def __init__(self, base_url, *, timeout_ms=30000, headers=()):
            seen.update(base_url=base_url, timeout_ms=timeout_ms, headers=tuple(headers))

    fake = type(sys)("lpf_contract.handlers.http")
    fake.HttpHandler = FakeHttpHandler
    monkeypatch.setitem(sys.modules, "lpf_contract.handlers.http", fake)
    h = load_handler("https://gw.example.com", timeout_ms=1234, headers=["Authorization: Bearer x"])
    assert isinstance(h, FakeHttpHandler)
    assert seen == {"base_url": "https://gw.example.com", "timeout_ms": 1234, "headers": ("Authorization: Bearer x",)}


def test_runtime_option_is_refused_for_python_targets():
    with pytest.raises(HandlerLoadError, match="runtime applies to Node"):
        load_handler(f"{FIXTURES / 'python' / 'handlers.py'}:ok_return", runtime="v1")


def test_a_function_folder_is_served_its_settings_json_secrets():
    # newuser finding 2: load_handler of functions/<name>/ now serves functions/settings.json as verify does.
    from lpf_contract.handlers import load_handler
    from tests.conftest import FIXTURES

    with load_handler(str(FIXTURES / "functions_repo" / "functions" / "greeter")) as handler:
        outcome = handler.invoke("surveybot_messaging_survey_ended", {"headers": [], "payload": {"note": "scenario"}})
    assert outcome.fault is None, outcome
    assert outcome.result == "ok from-settings"


def test_a_secrets_file_that_is_not_json_is_bad_input(tmp_path):
    from lpf_contract.core.errors import InputFileError
    from lpf_contract.handlers import load_handler
    from tests.conftest import FIXTURES

    with pytest.raises(InputFileError, match="secrets file is not valid JSON"):
        load_handler(
            str(FIXTURES / "functions_repo" / "functions" / "greeter"),
            secrets_file=FIXTURES / "functions_repo_typo" / "bad-secrets.json",
        )
