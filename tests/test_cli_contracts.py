"""``lpf-contract contracts``: each event with its schemas, examples and result policy."""

from __future__ import annotations

import json

from lpf_contract.contracts import load_registry


def test_each_event_shows_its_result_policy(run_cli):
    registry = load_registry()
    code, out, _ = run_cli("contracts", "--format", "json")
    assert code == 0
    rows = json.loads(out)["events"]
    want = {(v.name, ev.event_id): ev.result_policy for v in registry.versions.values() for ev in v.events.values()}
    assert {(r["version"], r["event"]): r["result_policy"] for r in rows} == want
    assert {"acted-on", "ignored"} <= set(want.values())  # both wordings below are exercised

    code, text, _ = run_cli("contracts")
    result_lines = [ln for ln in text.splitlines() if ln.strip().startswith("result:")]
    assert len(result_lines) == len(want)
    assert sum("(result policy acted-on:" in ln for ln in result_lines) == list(want.values()).count("acted-on")
    assert sum("(result policy ignored:" in ln for ln in result_lines) == list(want.values()).count("ignored")
