"""Issue 17's "done when", through the CLI: a lambda that posts to a mail API passes with a fixture
answering 200, is caught when its error path breaks the contract with the fixture answering 500 (or
under --http-faults), makes no real network call, and a recorded fixtures file replays identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import QuietHandler, http_server, load_json

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mail-on-survey-end"
LAMBDA = Path(__file__).parent / "fixtures" / "end_to_end" / "mail-api-v2.js"
EVENT = "surveybot_messaging_survey_ended"


class _MailApi(QuietHandler):
    hits: list

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.hits.append((self.path, body.decode()))
        answer = json.dumps({"id": f"msg-{len(self.hits)}", "queued": True}).encode()
        self.reply(202, answer, {"content-type": "application/json", "x-mail": "real"})


@pytest.fixture
def mail_api():
    """A mail API on 127.0.0.1 that counts what reaches it: the proof of "no real network call"."""
    hits: list = []
    with http_server(type("Api", (_MailApi,), {"hits": hits})) as (url, server):
        yield server, url, hits


def _example(run_cli, tmp_path, lambda_file, fixtures, *extra):
    return run_cli(
        "verify", EXAMPLE / lambda_file, "--event", EVENT, "--examples", "3", "--seed", "0",
        "--secrets", EXAMPLE / "secrets.json", "--allow-domain", "api.mail.example",
        "--fixtures", EXAMPLE / fixtures, "--report-dir", tmp_path / "r", *extra,
    )  # fmt: skip


def test_the_mail_lambda_passes_when_the_api_answers_200(run_cli, tmp_path):
    code, out, err = _example(run_cli, tmp_path, "lambda.js", "fixtures-ok.yaml")
    assert code == 0, out + err
    assert "verdict=PASS" in out


def test_a_broken_error_path_is_caught_when_the_api_answers_500(run_cli, tmp_path):
    assert _example(run_cli, tmp_path, "lambda-broken.js", "fixtures-ok.yaml")[0] == 0  # its happy path is fine
    code, out, err = _example(run_cli, tmp_path, "lambda-broken.js", "fixtures-down.yaml")
    assert code == 1, out + err
    (failure,) = load_json(tmp_path / "r" / "conformance.json")["failures"]
    assert failure["check"] == "handler-error"
    calls = [c for c in failure["calls"] if c["kind"] == "http"]
    assert [(c["method"], c["target"], c["status"], c["answer"], c["fixture"]) for c in calls] == [
        ("POST", "https://api.mail.example/v3/send", 500, "fixture", "mail down")
    ]


def test_http_faults_catch_the_broken_error_path_from_the_200_fixture(run_cli, tmp_path):
    code, out, err = _example(run_cli, tmp_path, "lambda-broken.js", "fixtures-ok.yaml", "--http-faults")
    assert code == 1, out + err
    failures = load_json(tmp_path / "r" / "conformance.json")["failures"]
    assert failures and all(f["faults"] in ("5xx", "refused", "timeout") for f in failures)
    assert {c["answer"] for f in failures for c in f["calls"] if c["kind"] == "http"} == {"injected"}
    # The good lambda survives every fault mode.
    assert _example(run_cli, tmp_path, "lambda.js", "fixtures-ok.yaml", "--http-faults")[0] == 0


def test_with_fixtures_nothing_reaches_the_real_api(run_cli, tmp_path, mail_api):
    _, url, hits = mail_api
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"version": 1, "http": [{"request": {"url": f"{url}/v3/send"}, "response": {"status": 200}}]}))
    code, out, err = run_cli(
        "verify", LAMBDA, "--event", EVENT, "--examples", "2", "--seed", "0", "--env", f"MAIL_API={url}",
        "--allow-domain", "127.0.0.1", "--fixtures", fixtures, "--report-dir", tmp_path / "r",
    )  # fmt: skip
    assert code == 1, out + err  # the lambda throws with what it got: the fixture's 200
    assert "mail API answered 200" in load_json(tmp_path / "r" / "conformance.json")["failures"][0]["error_message"]
    assert hits == []  # the API is allow-listed and up, yet no request reached it


def test_a_recorded_file_replays_identically(run_cli, tmp_path, mail_api):
    server, url, hits = mail_api
    recorded = tmp_path / "recorded.yaml"
    common = ("--event", EVENT, "--examples", "3", "--seed", "0", "--env", f"MAIL_API={url}", "--allow-domain", "127.0.0.1")
    code, out, err = run_cli("verify", LAMBDA, *common, "--record", recorded, "--report-dir", tmp_path / "rec")
    assert code == 1, out + err
    assert hits, "the recording run calls the real API"
    distinct = {body for _, body in hits}
    text = recorded.read_text()
    assert "s3cr3t-mail-key" not in text  # the Authorization header is never written
    server.shutdown()  # the API is gone: the replay can only come from the file
    hits_before = len(hits)
    code, out, err = run_cli("verify", LAMBDA, *common, "--fixtures", recorded, "--report-dir", tmp_path / "rep")
    assert code == 1, out + err
    assert len(hits) == hits_before
    rec = load_json(tmp_path / "rec" / "conformance.json")
    rep = load_json(tmp_path / "rep" / "conformance.json")

    def seen(doc):
        # What the lambda saw and did: the failures (message, shrunk payload) and its calls' statuses.
        return [
            (f["check"], f["error_message"], json.dumps(f["payload"], sort_keys=True),
             [(c["method"], c["target"], c.get("status")) for c in f["calls"]])
            for f in doc["failures"]
        ]  # fmt: skip

    assert seen(rep) == seen(rec)
    assert rec["summary"] == rep["summary"]
    assert "mail API answered 202 real" in rec["failures"][0]["error_message"]
    assert {c["answer"] for f in rep["failures"] for c in f["calls"]} == {"fixture"}
    assert len(distinct) >= 1


def test_a_secret_in_a_called_url_reaches_no_report(run_cli, tmp_path):
    hook = "T0123/B0456/XyZsecretPart"
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"hook": hook}))
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"version": 1, "http": []}))
    code, out, err = run_cli(
        "verify", Path(__file__).parent / "fixtures" / "end_to_end" / "webhook-secret-v2.js", "--event", EVENT,
        "--examples", "1", "--seed", "0", "--secrets", secrets, "--allow-domain", "hooks.example",
        "--fixtures", fixtures, "--report-dir", tmp_path / "r",
    )  # fmt: skip
    assert code == 2, out + err  # the webhook has no fixture: could not check
    doc = load_json(tmp_path / "r" / "conformance.json")
    (missing,) = doc["missing_fixtures"]
    assert missing["target"] == "https://hooks.example/services/<redacted>?api_key=<redacted>"
    for path in (tmp_path / "r").rglob("*"):
        if path.is_file():
            assert "XyZsecretPart" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert "XyZsecretPart" not in out + err
