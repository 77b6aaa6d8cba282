"""The verify engine with a real V2 lambda that calls fetch, answered from fixtures (issue 17).

Needs the HTTP interception of branch h-http (fetch answered from the load message's fixtures,
calls reported in the result message): on a branch without it these tests fail, by design, rather
than being skipped.
"""

from __future__ import annotations

from lpf_contract.verify import VerifyOptions
from lpf_contract.verify.engine import Verifier
from tests.conftest import FIXTURES

LAMBDA = FIXTURES / "engine_fixtures" / "mail_on_survey_end_v2.js"
ENDED = "surveybot_messaging_survey_ended"
MAIL = "https://api.mail.example/v3/send"
# Normalized fixtures documents (handlers.fixtures): what the runner receives in its load message.
MAIL_OK = {
    "version": 1,
    "http": [
        {
            "name": "mail ok",
            "request": {"method": "POST", "url": MAIL},
            "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {"id": 1}},
        }
    ],
}


def _run(tmp_path, fixtures, **kw):
    options = VerifyOptions(
        events=(ENDED,),
        examples=4,
        seed=5,
        runtime="v2",
        allow_domains=("api.mail.example",),
        fixtures=fixtures,
        fixtures_file=tmp_path / "fixtures.yaml",
        report_dir=tmp_path,
        systematic=False,  # 4 generated cases are enough: the calls, not the payloads, are under test
        shrink_attempts=10,
        **kw,
    )
    return Verifier(str(LAMBDA), options).run()


def test_the_mail_lambda_passes_on_its_fixture_and_its_5xx_path_is_caught(tmp_path):
    run = _run(tmp_path, MAIL_OK, http_faults=("5xx",))
    ev = run.events[ENDED]
    assert run.missing_fixtures == () and ev.unchecked == 0
    # Each case ran twice: as given (answered by the fixture) and with the mail API failing.
    assert ev.cases % 2 == 0 and ev.failed == ev.cases // 2
    (f,) = run.failures
    assert f.check == "handler-error" and f.faults == "5xx" and "mail API answered 503" in (f.error_message or f.message)
    assert f.variant.endswith(" [faults=5xx]") and f.repro.endswith("--http-faults 5xx")
    (call,) = f.calls
    assert call["answer"] == "injected" and call["fault"] == "5xx" and call["status"] == 503
    assert call["via"] == "fetch" and call["method"] == "POST" and call["target"] == MAIL
    assert run.verdict == "fail"


def test_without_http_faults_the_fixture_answers_every_case_and_it_passes(tmp_path):
    run = _run(tmp_path, MAIL_OK)
    assert run.verdict == "pass" and run.failures == () and run.events[ENDED].unchecked == 0


def test_an_empty_fixtures_file_leaves_the_post_unanswered_and_the_run_unchecked(tmp_path):
    run = _run(tmp_path, {"version": 1, "http": []})
    ev = run.events[ENDED]
    # The lambda throws on the refused request, but that is our missing fixture, not a violation.
    assert run.failures == () and ev.unchecked == ev.cases > 0
    (missing,) = run.missing_fixtures
    assert (missing["method"], missing["target"], missing["via"], missing["cases"]) == ("POST", MAIL, "fetch", ev.cases)
    assert missing["suggestion"]["request"]["url"] == MAIL
    assert run.verdict == "error" and run.reason.startswith(f"could not check {ev.cases} cases: no fixture for POST {MAIL};")
