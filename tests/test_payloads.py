from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, load_json

ENDED = "surveybot_messaging_survey_ended"


def test_mixed_jsonl_reports_exactly_the_broken_lines(run_cli, fixtures):
    expected = load_json(fixtures / "payloads" / "mixed.expected.json")
    code, out, _ = run_cli("check-payloads", fixtures / "payloads" / "mixed.jsonl", "--event", ENDED, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["checked"] == expected["checked"]
    assert [i["line"] for i in report["invalid"]] == [b["line"] for b in expected["broken"]]
    for inv, want in zip(report["invalid"], expected["broken"]):
        assert want["pointer"] in [e["path"] for e in inv["errors"]], inv


def test_text_output_lists_every_error_with_file_line_pointer(run_cli, fixtures):
    code, out, _ = run_cli("check-payloads", fixtures / "payloads" / "mixed.jsonl", "--event", ENDED)
    assert code == 1
    assert f'{fixtures / "payloads" / "mixed.jsonl"}:4: /accountId: "acme" does not match' in out
    assert ":26: /context/clientProperties/features/0:" in out
    assert ":26: /lastContentEventNotification/originatorClientProperties/features/0:" in out  # not just the first error
    assert ":21: /: not JSON" in out


def test_array_file_reports_the_line_of_the_broken_element(run_cli, fixtures):
    code, out, _ = run_cli("check-payloads", fixtures / "payloads" / "array.json", "--event", ENDED, "--format", "json")
    report = json.loads(out)
    text = (fixtures / "payloads" / "array.json").read_text().splitlines()
    assert code == 1 and report["checked"] == 3 and len(report["invalid"]) == 1
    line = report["invalid"][0]["line"]
    assert text[line - 1].strip() == "{" and text[line - 2].strip() == "},"


@pytest.mark.parametrize("event", ["surveybot_messaging_survey_started", ENDED])
def test_seed_example_and_invocation_body_are_accepted(run_cli, fixtures, event):
    seed = REPO / "contracts" / "v1" / "examples" / event / "seed-full.json"
    code, _, err = run_cli("check-payloads", seed, fixtures / "payloads" / "invocation-body.json", "--event", event)
    assert code == 0, err
    assert "checked=2 invalid=0" in err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["payloads/missing.json"], "payload file not found"),
        (["payloads/empty.json"], "payload file is empty"),
        (["payloads/not-json.json"], "payload file is not JSON"),
        (["payloads/binary.json"], "cannot read payload file"),
        (["payloads/array.json", "--event", "nope"], "unknown event id='nope'"),
        (["payloads/array.json", "--version", "v9"], "unknown contract version=v9"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(run_cli, fixtures, args, fragment):
    argv = [str(fixtures / args[0])] + args[1:]
    if "--event" not in argv:
        argv += ["--event", ENDED]
    code, out, err = run_cli("check-payloads", *argv)
    assert code == 2
    assert fragment in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_broken_registry_is_exit_2(run_cli, fixtures):
    code, _, err = run_cli("--contracts", fixtures / "contracts" / "ref-loop", "contracts")
    assert code == 2 and "$ref loop" in err


def test_console_script_has_no_traceback_for_missing_file(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "lpf_contract.cli", "check-payloads", str(tmp_path / "x.jsonl"), "--event", ENDED],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "x.jsonl" in proc.stderr


def test_contracts_command_lists_versions_events_and_schemas(run_cli):
    code, out, _ = run_cli("contracts", "--format", "json")
    rows = json.loads(out)["events"]
    assert code == 0
    assert {(r["version"], r["event"]) for r in rows} >= {("v1", ENDED), ("v1", "surveybot_messaging_survey_started")}
    assert all(r["examples"] >= 7 for r in rows if r["version"] == "v1")


@pytest.mark.parametrize("event", ["surveybot_messaging_survey_started", ENDED])
def test_fast_explanations_point_where_python_jsonschema_does(event):
    from lpf_contract.contracts import load_registry
    from lpf_contract.contracts.payloads import PayloadChecker

    registry = load_registry()
    checker = PayloadChecker(registry, event)
    uri = registry.event(event).payload_uri
    for ex in registry.examples(event, invalid=True):
        fast = checker.explain(ex.payload)
        slow = registry.errors(uri, ex.payload)
        assert sorted(e.path for e in fast) == sorted(e.path for e in slow), ex.name
        assert ex.reject_at in [e.path for e in fast], ex.name


# -- real shapes, drift warnings (issue 14) ----------------------------------------------------------------
EXAMPLES = REPO / "contracts" / "v1" / "examples" / ENDED
REAL_SHAPES = [
    "lp-sample-payload", "hosted-file-last-event", "rich-content-last-event", "cobrowse-dialog",
    "effective-ttr-none", "originator-agent-string-id", "conversation-record-fields", "unknown-fields-drift",
]  # fmt: skip


def test_every_real_shape_passes_and_only_unknown_fields_warn(run_cli):
    files = [EXAMPLES / f"{name}.json" for name in REAL_SHAPES]
    code, out, err = run_cli("check-payloads", *files, "--event", ENDED, "--format", "json")
    report = json.loads(out)
    assert code == 0, out
    assert report["checked"] == len(REAL_SHAPES) and report["invalid"] == []
    warned = {(w["file"], f["path"], f["message"]) for w in report["warnings"] for f in w["fields"]}
    drift_file = str(EXAMPLES / "unknown-fields-drift.json")
    assert warned == {
        (drift_file, "/surveyName", "field not in the contract"),
        (drift_file, "/context/features2", "field not in the contract"),
    }


def test_drift_is_a_text_warning_exit_0_and_exit_1_with_strict(run_cli):
    drift = EXAMPLES / "unknown-fields-drift.json"
    code, out, err = run_cli("check-payloads", drift, "--event", ENDED)
    assert code == 0
    assert f"{drift}:1: /context/features2: field not in the contract" in out
    assert "invalid=0 drift=1" in err
    code, _, _ = run_cli("check-payloads", drift, "--event", ENDED, "--strict")
    assert code == 1


@pytest.mark.parametrize(
    "name", ["unknown-close-reason", "missing-conversation-id", "originator-id-number", "last-message-number"]
)
def test_wrong_values_stay_errors_at_their_pointer_with_drift_beside_them(run_cli, tmp_path, name):
    doc = load_json(EXAMPLES / "invalid" / f"{name}.json")
    payload = dict(doc["payload"], surveyName="x")  # drift on the same line does not hide the error
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payload))
    code, out, _ = run_cli("check-payloads", path, "--event", ENDED, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert doc["rejectAt"] in [e["path"] for e in report["invalid"][0]["errors"]]
    assert [f["path"] for f in report["warnings"][0]["fields"]] == ["/surveyName"]


def test_strict_copy_closes_only_objects_that_name_their_fields():
    from lpf_contract.contracts.registry import strict_copy

    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object"},
            "b": {"type": "object", "properties": {"c": {}}, "additionalProperties": {"type": "string"}},
        },
        "x-lpf-generate": {"properties": {"a": {"properties": {"z": {}}}}},
        "examples": [{"properties": {}}],
    }
    strict, closed = strict_copy(schema)
    assert closed == {"/additionalProperties"}
    assert strict["additionalProperties"] is False and "x-lpf-generate" not in strict
    assert "additionalProperties" not in strict["properties"]["a"]  # free-form: no drift inside
    assert strict["properties"]["b"]["additionalProperties"] == {"type": "string"}
    assert strict["examples"] == [{"properties": {}}]


# -- scenario payloads --------------------------------------------------------------------------------
def test_read_scenarios_unwraps_bodies_and_names_file_and_line(fixtures):
    from lpf_contract.contracts.payloads import read_scenarios

    path = fixtures / "functions_repo" / "payloads" / "ended.jsonl"
    scenarios = read_scenarios([path, path])  # the same file twice counts once
    assert [s.line for s in scenarios] == [1, 3]
    assert scenarios[1].payload["conversationId"] == "c2"  # the invocation body was unwrapped
    assert scenarios[0].name == f"scenario:{scenarios[0].file}:1" and scenarios[0].snapshot_name == "scenario-ended-1"


def test_check_scenarios_accepts_unknown_fields_and_rejects_wrong_values(fixtures):
    from lpf_contract.contracts import load_registry
    from lpf_contract.contracts.payloads import ScenarioError, check_scenarios, read_scenarios

    registry = load_registry()
    payloads = fixtures / "functions_repo" / "payloads"
    check_scenarios(read_scenarios([payloads / "ended.jsonl"]), registry, ENDED)  # brandNewField is drift, not an error
    with pytest.raises(ScenarioError, match=r"invalid.jsonl:2: /state: .*SOMETIMES"):
        check_scenarios(read_scenarios([payloads / "invalid.jsonl"]), registry, ENDED)


def test_two_scenario_files_with_one_stem_are_bad_input(tmp_path, fixtures):
    from lpf_contract.contracts.payloads import ScenarioError, read_scenarios

    src = fixtures / "functions_repo" / "payloads" / "ended.jsonl"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ended.jsonl").write_text(src.read_text())
    with pytest.raises(ScenarioError, match="two payload files share a name"):
        read_scenarios([src, tmp_path / "a" / "ended.jsonl"])


def test_unwrap_takes_bodies_with_optional_headers_and_timestamp(fixtures):
    # newuser finding 13: {"payload": {...}} alone is a body (serve accepts it: headers are optional).
    from lpf_contract.contracts.payloads import unwrap

    docs = json.loads((fixtures / "payloads" / "bodies.json").read_text(encoding="utf-8"))
    got = [unwrap(d) for d in docs]
    assert [g["conversationId"] for g in got] == ["only-payload", "with-timestamp", "with-headers", "golden-file", "bare"]
