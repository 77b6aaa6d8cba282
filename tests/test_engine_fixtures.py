"""The verify engine with external calls (issue 17): unchecked cases, missing fixtures, --http-faults
runs, failures' calls, --record exchanges and replays under a fault mode.

A fake Handler decides each Outcome (with its calls) so that the engine's bookkeeping is checked on
its own; tests/test_engine_fixtures_node.py runs a real lambda.
"""

from __future__ import annotations

import json
import zlib

import pytest

from lpf_contract.core.errors import InputFileError, LpfContractError, UsageError
from lpf_contract.core.outcome import CallAnswer, ExternalCall, FaultKind, Outcome
from lpf_contract.core.results import RunResult
from lpf_contract.report import iter_repros
from lpf_contract.report.json_report import render_json, schema_errors
from lpf_contract.verify import VerifyOptions
from lpf_contract.verify.engine import Verifier, call_dict
from lpf_contract.verify.repro import load_repro, replay, replay_faults
from tests.conftest import FIXTURES

SOURCE = FIXTURES / "verify" / "handlers" / "custom_failure_on_agent.js"  # lint-clean; never run here
ENDED = "surveybot_messaging_survey_ended"
STARTED = "surveybot_messaging_survey_started"
MAIL = "https://api.mail.example/v3/send"
ERROR_CODE = "com.liveperson.faas.handler.custom-failure"


def http(answer: CallAnswer, **kw) -> ExternalCall:
    return ExternalCall(kind="http", via="fetch", method="POST", target=MAIL, answer=answer, **kw)


def no_fixture(target: str = MAIL, *, kind: str = "http", via: str = "fetch", method: str = "POST") -> ExternalCall:
    suggestion = (
        {"request": {"method": method, "url": target}, "response": {"status": 200}} if kind == "http" else {"call": target}
    )
    return ExternalCall(
        kind=kind, via=via, method=method, target=target, answer=CallAnswer.NO_FIXTURE, error="no fixture", suggestion=suggestion
    )


def failed(message: str, *calls: ExternalCall, **details) -> Outcome:
    """What a lambda whose catch turns a failed call into callback(new Error) produces."""
    return Outcome(fault=FaultKind.CUSTOM_FAILURE, error_code=ERROR_CODE, error_message=message, calls=calls, details=details)


def answered(*calls: ExternalCall, **details) -> Outcome:
    return Outcome(result={"ok": True}, has_result=True, calls=calls, details=details)


def picked(payload, modulo: int = 2) -> bool:
    """A deterministic half of the payloads (by conversation id): those that 'call the mail API'."""
    return zlib.crc32(str(payload.get("conversationId")).encode()) % modulo == 0


class FakeHandler:
    """A Handler (handlers/base.py) whose outcomes a test decides; logs (event, payload, faults) per invoke."""

    kind = "node"
    runtime = "v2"

    def __init__(self, respond):
        self.target = str(SOURCE)
        self.source_path = SOURCE.resolve()
        self.respond = respond
        self.log: list[tuple[str, str, str | None]] = []

    def invoke(self, event_id, input, *, timeout_ms=None, faults=None):
        self.log.append((event_id, json.dumps(input["payload"], sort_keys=True), faults))
        return self.respond(event_id, input["payload"], faults)

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_fake(tmp_path, handler, *, progress=None, **kw) -> tuple[Verifier, RunResult]:
    options = VerifyOptions(
        examples=kw.pop("examples", 8), seed=kw.pop("seed", 3), report_dir=tmp_path, systematic=kw.pop("systematic", False), **kw
    )
    verifier = Verifier(str(SOURCE), options, progress=progress)
    return verifier, verifier.run(handler=handler)


# -- unchecked cases ---------------------------------------------------------------------------------
def test_a_case_with_a_missing_fixture_is_counted_unchecked_never_judged(tmp_path):
    # Every case fails (the lambda's catch answers an error), but only because nothing answered its
    # call: judging it would be a false alarm.
    def respond(event, payload, faults):
        calls = [no_fixture()]
        if event == STARTED:
            calls.append(
                no_fixture(
                    "Toolbelt.ConversationUtil().getConversationById",
                    kind="toolbelt",
                    via="Toolbelt.ConversationUtil()",
                    method="getConversationById",
                )
            )
        return failed("Error: mail API unreachable", *calls)

    fixtures = tmp_path / "fixtures.yaml"
    _, run = run_fake(tmp_path, FakeHandler(respond), fixtures={"version": 1, "http": []}, fixtures_file=fixtures)
    assert run.failures == () and run.static == ()
    assert {ev: (e.cases, e.failed, e.unchecked) for ev, e in run.events.items()} == {ENDED: (8, 0, 8), STARTED: (8, 0, 8)}
    assert run.verdict == "error"
    assert run.reason == (
        f"could not check 16 cases: no fixture for POST {MAIL} (and 1 more); "
        "add them to the fixtures file (see the report's missing fixtures)"
    )
    # One entry per distinct call, sorted by target; cases count each case once.
    assert [(m["target"], m["via"], m["method"], m["cases"], m["events"]) for m in run.missing_fixtures] == [
        ("Toolbelt.ConversationUtil().getConversationById", "Toolbelt.ConversationUtil()", "getConversationById", 8, [STARTED]),
        (MAIL, "fetch", "POST", 16, [ENDED, STARTED]),
    ]
    assert run.missing_fixtures[1]["suggestion"] == {"request": {"method": "POST", "url": MAIL}, "response": {"status": 200}}


def test_the_same_call_twice_in_one_case_counts_that_case_once(tmp_path):
    _, run = run_fake(tmp_path, FakeHandler(lambda e, p, f: failed("x", no_fixture(), no_fixture())), events=(ENDED,))
    (entry,) = run.missing_fixtures
    assert entry["cases"] == 8
    # No fixtures file given: the reason says how to give one.
    assert run.reason.endswith("; add them to a fixtures file given with --fixtures (see the report's missing fixtures)")
    assert "(and" not in run.reason


def test_real_failures_stay_and_fail_the_run_beside_unchecked_cases(tmp_path):
    # Half the cases miss a fixture (unjudged), the other half break the contract with a fixture's answer.
    def respond(event, payload, faults):
        if picked(payload):
            return failed("Error: mail API unreachable", no_fixture())
        return failed("Error: mail API said no", http(CallAnswer.FIXTURE, status=500, fixture="mail down"))

    _, run = run_fake(tmp_path, FakeHandler(respond), events=(ENDED,), examples=12, shrink_attempts=0)
    ev = run.events[ENDED]
    assert ev.unchecked and ev.failed and ev.unchecked + ev.failed == ev.cases == 12
    (f,) = run.failures
    assert f.check == "handler-error" and "said no" in f.message
    assert f.occurrences == ev.failed  # the unchecked cases' identical-looking failures were not counted
    # Exit 1 beats exit 2: the violation is real whatever the unchecked cases hold; the reason stays.
    assert run.reason.startswith(f"could not check {ev.unchecked} cases: no fixture for POST {MAIL};")
    assert run.verdict == "fail"
    doc = run.to_dict()
    assert doc["summary"]["verdict"] == "fail" and doc["reason"] == run.reason
    assert doc["summary"]["passed"] == 0 and doc["summary"]["unchecked"] == ev.unchecked


def test_judged_cases_of_a_run_without_missing_fixtures_say_pass(tmp_path):
    _, run = run_fake(tmp_path, FakeHandler(lambda e, p, f: answered(http(CallAnswer.FIXTURE, status=200, fixture="mail ok"))))
    assert run.verdict == "pass" and run.reason == "" and run.missing_fixtures == () and run.unchecked == 0
    doc = run.to_dict()
    assert "missing_fixtures" not in doc and "unchecked" not in doc["summary"]


# -- --http-faults -----------------------------------------------------------------------------------
def mail_lambda(event, payload, faults):
    """Posts to the mail API on half the payloads; its error path breaks the contract, differently per mode."""
    if not picked(payload):
        return answered()
    if faults:
        injected = http(
            CallAnswer.INJECTED,
            status=503 if faults == "5xx" else None,
            fault=faults,
            error=None if faults == "5xx" else f"connect E{faults.upper()}",
        )
        return failed(f"Error: mail {faults}", injected)
    return answered(http(CallAnswer.FIXTURE, status=200, fixture="mail ok"))


def test_fault_runs_are_scheduled_only_for_cases_that_reached_a_fixture(tmp_path):
    handler = FakeHandler(mail_lambda)
    fixtures = tmp_path / "mail.yaml"
    _, run = run_fake(
        tmp_path,
        handler,
        events=(ENDED,),
        examples=10,
        http_faults=("5xx", "timeout"),
        shrink_attempts=0,
        fixtures={"version": 1},
        fixtures_file=fixtures,
    )
    normal = [(p, f) for _, p, f in handler.log if f is None]
    calling = [p for p, _ in normal if picked(json.loads(p))]
    assert 0 < len(calling) < len(normal) == 10
    faulted = sorted((p, f) for _, p, f in handler.log if f is not None)
    assert faulted == sorted((p, mode) for p in calling for mode in ("5xx", "timeout"))
    assert run.events[ENDED].cases == 10 + 2 * len(calling)
    assert run.events[ENDED].failed == 2 * len(calling)
    by_mode = {f.faults: f for f in run.failures}
    assert set(by_mode) == {"5xx", "timeout"}
    for mode, f in by_mode.items():
        assert f.variant.endswith(f" [faults={mode}]") and f.variant.startswith("generated:")
        assert f.occurrences == len(calling)
        assert f.calls == (
            call_dict(
                http(
                    CallAnswer.INJECTED,
                    status=503 if mode == "5xx" else None,
                    fault=mode,
                    error=None if mode == "5xx" else f"connect E{mode.upper()}",
                )
            ),
        )
        assert f.repro.endswith(f"--fixtures {fixtures} --http-faults {mode}")
    assert by_mode["5xx"].calls == (
        {"answer": "injected", "fault": "5xx", "kind": "http", "method": "POST", "status": 503, "target": MAIL, "via": "fetch"},
    )
    assert list(by_mode["5xx"].calls[0]) == sorted(by_mode["5xx"].calls[0])


def test_no_fault_runs_for_calls_a_fault_cannot_change(tmp_path):
    # Allow-list refusals, secrets and the Context Service are not faulted (issue 17 design).
    secret = ExternalCall(kind="secret", via="SecretClient", method="readSecret", target="token", answer=CallAnswer.EMULATED)
    refused = http(CallAnswer.ALLOW_LIST, error="ECONNREFUSED")
    handler = FakeHandler(lambda e, p, f: answered(secret, refused))
    _, run = run_fake(tmp_path, handler, events=(ENDED,), http_faults=("5xx", "refused", "timeout"))
    assert all(f is None for *_, f in handler.log) and run.events[ENDED].cases == 8 and run.verdict == "pass"


def test_no_fault_runs_for_a_case_that_could_not_be_judged(tmp_path):
    # A fixture answered one call, none the other: under faults the case would still not be judged.
    handler = FakeHandler(lambda e, p, f: answered(http(CallAnswer.FIXTURE, status=200), no_fixture("https://other.example/x")))
    _, run = run_fake(tmp_path, handler, events=(ENDED,), http_faults=("5xx", "refused", "timeout"), fixtures={"version": 1})
    assert all(f is None for *_, f in handler.log) and run.events[ENDED].unchecked == 8 and run.verdict == "error"


def test_without_http_faults_a_case_runs_once(tmp_path):
    handler = FakeHandler(mail_lambda)
    _, run = run_fake(tmp_path, handler, events=(ENDED,))
    assert len(handler.log) == run.events[ENDED].cases == 8 and run.verdict == "pass"


def test_shrinking_a_fault_run_failure_reproduces_under_its_mode(tmp_path):
    handler = FakeHandler(mail_lambda)
    _, run = run_fake(tmp_path, handler, events=(ENDED,), examples=10, http_faults=("refused",))
    (f,) = run.failures
    assert f.faults == "refused" and f.shrunk and f.shrink_steps > 0
    explored = run.events[ENDED].cases
    shrinking = handler.log[explored:]
    assert shrinking and all(mode == "refused" for *_, mode in shrinking)
    assert picked(f.payload)  # the minimal payload still calls the mail API: it only fails under the fault


def test_a_shrink_candidate_whose_call_has_no_fixture_does_not_reproduce(tmp_path):
    # Smaller payloads that stop matching the fixture fail the same way, but only because nothing
    # answered them: shrinking must not accept them (the minimal payload would be our doing).
    def respond(event, payload, faults):
        if picked(payload):
            return failed("Error: mail API said no", http(CallAnswer.FIXTURE, status=500))
        return failed("Error: mail API said no", no_fixture())

    _, run = run_fake(tmp_path, FakeHandler(respond), events=(ENDED,), examples=10)
    (f,) = run.failures
    assert f.shrunk and f.shrink_steps > 0 and picked(f.payload)
    assert f.calls == ({"answer": "fixture", "kind": "http", "method": "POST", "status": 500, "target": MAIL, "via": "fetch"},)


def test_progress_counts_fault_runs_once_scheduled_and_ends_true(tmp_path):
    updates = []
    _, run = run_fake(
        tmp_path,
        FakeHandler(mail_lambda),
        progress=updates.append,
        examples=6,
        http_faults=("5xx", "refused", "timeout"),
        shrink_attempts=0,
    )
    assert all(u.done <= u.total and u.run_done <= u.run_total for u in updates)
    ends = [u for u in updates if u.finished]
    assert [(u.event, u.done, u.total) for u in ends] == [
        (ev, run.events[ev].cases, run.events[ev].cases) for ev in (ENDED, STARTED)
    ]
    assert ends[-1].run_done == ends[-1].run_total == run.cases > 12
    run_totals = [u.run_total for u in updates]
    assert run_totals == sorted(run_totals)  # grows as fault runs are scheduled, never shrinks


def test_fault_runs_of_the_same_seed_give_the_same_report_whatever_the_workers(tmp_path):
    docs = []
    for workers in (1, 2):
        _, run = run_fake(tmp_path, FakeHandler(mail_lambda), examples=10, http_faults=("5xx", "timeout"), workers=workers)
        docs.append(render_json(run))
    assert docs[0] == docs[1]


# -- reports: round trip of the new fields ------------------------------------------------------------
def test_the_report_round_trips_calls_faults_unchecked_and_missing_fixtures(tmp_path):
    def respond(event, payload, faults):
        if event == STARTED and picked(payload):
            return failed("x", no_fixture())
        return mail_lambda(event, payload, faults)

    _, run = run_fake(tmp_path, FakeHandler(respond), examples=10, http_faults=("5xx",), shrink_attempts=5)
    assert run.failures and run.missing_fixtures and run.unchecked
    doc = json.loads(render_json(run))
    assert schema_errors(doc) == []
    assert doc["failures"][0]["faults"] == "5xx" and doc["failures"][0]["calls"][0]["answer"] == "injected"
    assert doc["events"][STARTED]["unchecked"] == run.events[STARTED].unchecked
    again = RunResult.from_dict(doc)
    assert again == run
    assert render_json(again) == render_json(run)


def test_old_reports_without_the_new_fields_still_load():
    doc = json.loads((FIXTURES / "report" / "fail.json").read_text(encoding="utf-8"))
    run = RunResult.from_dict(doc)
    assert run.missing_fixtures == () and run.unchecked == 0
    assert all(f.calls == () and f.faults == "" for f in run.failures)


# -- --record ------------------------------------------------------------------------------------------
def recording(event, payload, faults):
    exchanges = [
        {"request": {"method": "POST", "url": MAIL, "body": f"{payload['conversationId']}/{i}"}, "response": {"status": 202}}
        for i in (1, 2)
    ]
    return answered(http(CallAnswer.NETWORK, status=202), http(CallAnswer.NETWORK, status=202), recorded=exchanges)


@pytest.mark.parametrize("workers", [1, 2])
def test_recorded_exchanges_come_in_case_order(tmp_path, workers):
    handler = FakeHandler(recording)
    verifier, _ = run_fake(tmp_path, handler, record_file=tmp_path / "rec.yaml", workers=workers)
    expected = [f"{json.loads(p)['conversationId']}/{i}" for _, p, _ in handler.log for i in (1, 2)] if workers == 1 else None
    got = [x["request"]["body"] for x in verifier.recorded]
    assert len(got) == 32
    if expected is not None:
        assert got == expected
    # The order does not depend on which worker finished first.
    again, _ = run_fake(tmp_path, FakeHandler(recording), record_file=tmp_path / "rec.yaml", workers=1)
    assert [x["request"]["body"] for x in again.recorded] == got


def test_nothing_is_kept_without_record_file(tmp_path):
    verifier, _ = run_fake(tmp_path, FakeHandler(recording))
    assert verifier.recorded == ()


# -- repro files and --replay --------------------------------------------------------------------------
def test_a_fault_failure_is_saved_with_its_mode_and_replays_under_it(tmp_path, monkeypatch):
    _, run = run_fake(tmp_path, FakeHandler(mail_lambda), events=(ENDED,), http_faults=("timeout",), examples=10)
    (f,) = run.failures
    ((rel, saved),) = list(iter_repros(run))
    assert rel == f.repro_file and saved["faults"] == "timeout"
    path = tmp_path / "repro.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    repro = load_repro(path)

    replayer = FakeHandler(mail_lambda)
    monkeypatch.setattr("lpf_contract.handlers.load_handler", lambda target, **kw: replayer)
    outcome, findings = replay(str(SOURCE), repro, VerifyOptions())
    assert replayer.log[-1][2] == "timeout"
    assert outcome.calls[0].fault == "timeout" and [x.check for x in findings] == ["handler-error"]
    # The repro command names the mode too, which must agree with the file.
    outcome, findings = replay(str(SOURCE), repro, VerifyOptions(http_faults=("timeout",)))
    assert replayer.log[-1][2] == "timeout" and findings


def test_replay_mode_precedence_and_old_files(tmp_path):
    assert replay_faults({"event": ENDED, "payload": {}}, VerifyOptions()) is None  # an old repro file
    assert replay_faults({"faults": "5xx"}, VerifyOptions()) == "5xx"
    assert replay_faults({"faults": "5xx"}, VerifyOptions(http_faults=("refused",))) == "refused"  # the command line wins
    assert replay_faults({}, VerifyOptions(http_faults=("timeout",))) == "timeout"
    with pytest.raises(UsageError, match="give one --http-faults mode"):
        replay_faults({}, VerifyOptions(http_faults=("5xx", "timeout")))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"event": ENDED, "check": "x", "payload": {"a": 1}}), encoding="utf-8")
    assert "faults" not in load_repro(old)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"event": ENDED, "payload": {}, "faults": "slow"}), encoding="utf-8")
    with pytest.raises(InputFileError, match="faults must be one of 5xx, refused, timeout"):
        load_repro(bad)


def test_a_normal_failure_names_neither_mode_nor_fixtures_it_did_not_use(tmp_path):
    handler = FakeHandler(lambda e, p, f: failed("Error: boom"))
    _, run = run_fake(tmp_path, handler, events=(ENDED,), http_faults=("5xx",), shrink_attempts=0)
    (f,) = run.failures
    assert f.faults == "" and f.calls == () and "--http-faults" not in f.repro and "--fixtures" not in f.repro
    ((_, saved),) = list(iter_repros(run))
    assert "faults" not in saved
    assert all(mode is None for *_, mode in handler.log)  # no calls: nothing to fault


def test_replaying_a_case_with_a_missing_fixture_cannot_say_pass(tmp_path, monkeypatch):
    replayer = FakeHandler(lambda e, p, f: failed("x", no_fixture()))
    monkeypatch.setattr("lpf_contract.handlers.load_handler", lambda target, **kw: replayer)
    with pytest.raises(LpfContractError) as err:
        replay(str(SOURCE), {"event": ENDED, "payload": {}}, VerifyOptions(fixtures_file=tmp_path / "f.yaml"))
    assert str(err.value) == (
        f"could not check the replayed case: no fixture for POST {MAIL}; add to the fixtures file: "
        '{"request": {"method": "POST", "url": "https://api.mail.example/v3/send"}, "response": {"status": 200}}'
    )
    assert err.value.exit_code == 2


# -- the pytest plugin's handler suite -------------------------------------------------------------
def test_the_plugin_suite_fails_an_event_with_unchecked_cases_naming_the_fixture(tmp_path):
    from lpf_contract.suites.test_handler import test_check, test_every_case_checked

    def respond(event, payload, faults):
        return failed("x", no_fixture()) if event == STARTED else answered()

    _, run = run_fake(tmp_path, FakeHandler(respond))
    test_every_case_checked(run, ENDED)  # every case judged: passes
    test_check(run, STARTED, "handler-error")  # no finding: the per-check test alone would pass
    with pytest.raises(pytest.fail.Exception) as err:
        test_every_case_checked(run, STARTED)
    assert str(err.value).splitlines() == [
        "8 of 8 cases could not be checked: a call had no fixture; add to the fixtures file:",
        f'  POST {MAIL}: {{"request": {{"method": "POST", "url": "{MAIL}"}}, "response": {{"status": 200}}}}',
    ]


@pytest.mark.parametrize("modes", [("5xx", "slow"), ("5xx", "5xx")])
def test_unknown_or_repeated_fault_modes_are_a_usage_error(modes):
    with pytest.raises(UsageError, match="--http-faults takes distinct modes among 5xx, refused, timeout"):
        Verifier(str(SOURCE), VerifyOptions(http_faults=modes))


def test_a_suggestion_keeps_only_what_every_case_asked_so_one_pasted_fixture_answers_all(tmp_path):
    def lambda_(event, payload, faults):
        conv = str(payload.get("conversationId"))
        call = ExternalCall(
            kind="toolbelt", via="Toolbelt.ConversationUtil()", method="getConversationById",
            target="Toolbelt.ConversationUtil().getConversationById", answer=CallAnswer.NO_FIXTURE, error="no fixture",
            suggestion={"call": "ConversationUtil.getConversationById", "args": [conv], "returns": None},
        )  # fmt: skip
        return answered(call)

    _, run = run_fake(tmp_path, FakeHandler(lambda_), events=(ENDED,), examples=6)
    (missing,) = run.missing_fixtures
    assert missing["cases"] == 6
    assert missing["suggestion"] == {"call": "ConversationUtil.getConversationById", "returns": None}
