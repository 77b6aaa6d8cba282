from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from werkzeug.test import Client

from lpf_contract.contracts import load_registry
from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers import load_handler
from lpf_contract.handlers.http import HttpHandler
from lpf_contract.serve.app import InvocationApp, lambda_uuid, make_server, server_url

REPO = Path(__file__).resolve().parents[1]
HANDLERS = Path(__file__).parent / "fixtures" / "http" / "handlers"
EVENT = "surveybot_messaging_survey_ended"
TIMEOUT_MS = 400
NAMES = ("correct", "unknown_command", "always_errors", "reads_missing_field", "times_out", "no_result", "echo_headers")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def handlers():
    loaded = {}
    try:
        for name in NAMES:
            loaded[name] = load_handler(f"{HANDLERS / name}.py:lambda_", workers=2, timeout_ms=TIMEOUT_MS)
        yield loaded
    finally:
        for h in loaded.values():
            h.close()


@pytest.fixture(scope="module")
def clients(handlers, registry):
    # v1 named: these tests are about the API, not about which version is current.
    return {name: Client(InvocationApp(h, registry=registry, version="v1")) for name, h in handlers.items()}


@pytest.fixture(scope="module")
def payload(registry):
    return next(e.payload for e in registry.examples(EVENT) if e.payload.get("state") == "CLOSE")


def _url(account="123", event=EVENT, query="v=1"):
    return f"/api/account/{account}/events/{event}/invoke" + (f"?{query}" if query else "")


def _post(client, url, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    resp = client.post(url, data=data, content_type=content_type)
    return resp.status_code, (json.loads(resp.data) if resp.data else None), resp


# -- the API --------------------------------------------------------------------------------------
def test_invoke_answers_uuid_timestamp_result(clients, payload, registry):
    status, body, resp = _post(clients["correct"], _url(), {"headers": [], "payload": payload})
    assert status == 200 and resp.content_type == "application/json"
    assert body == [
        {
            "uuid": lambda_uuid("v1", EVENT),
            "timestamp": body[0]["timestamp"],
            "result": [{"type": "systemMessage", "text": "Thank you for your feedback"}],
        }
    ]
    assert isinstance(body[0]["timestamp"], int)


def test_headers_and_timestamp_reach_the_handler(clients, payload):
    body = {"headers": [{"key": "b", "value": "1"}, {"key": "a", "value": "2"}], "payload": payload, "timestamp": 7}
    status, out, _ = _post(clients["echo_headers"], _url(), body)
    assert status == 200 and out[0]["result"]["text"] == "headers=a,b ts=7"


def test_payload_breaking_the_contract_is_400_badinput_naming_the_pointer(clients, registry):
    negatives = [e for e in registry.examples(EVENT, invalid=True) if e.reject_at]
    assert negatives
    for ex in negatives:
        status, body, _ = _post(clients["correct"], _url(), {"headers": [], "payload": ex.payload})
        assert status == 400, ex.name
        assert body["errorCode"] == "com.liveperson.faas.es.badinput"
        assert body["errorMsg"].startswith(f"/payload{ex.reject_at}: "), (ex.name, body)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"headers": []}, "/: 'payload' is a required property"),  # headers alone are optional
        ({"headers": [{"key": "k"}], "payload": {}}, "/headers/0: 'value' is a required property"),
        ({"headers": [], "payload": {}, "extra": 1}, "/: Additional properties"),
        ({"headers": [], "payload": {}, "timestamp": -1}, "/timestamp: -1 is less than the minimum"),
        ([], "/: [] is not of type 'object'"),
    ],
)
def test_envelope_errors_are_400_with_the_pointer(clients, body, where):
    status, out, _ = _post(clients["correct"], _url(), body)
    assert status == 400 and out["errorCode"] == "com.liveperson.faas.es.badinput"
    assert out["errorMsg"].startswith(where)


def test_not_json_is_400_and_wrong_media_type_is_415(clients):
    status, out, _ = _post(clients["correct"], _url(), b"{not json")
    assert status == 400 and "not JSON" in out["errorMsg"]
    status, out, _ = _post(clients["correct"], _url(), b"a=1", content_type="application/x-www-form-urlencoded")
    assert status == 415 and "application/json" in out["errorMsg"]


def test_bad_path_and_query_values_are_400(clients, payload):
    body = {"headers": [], "payload": payload}
    status, out, _ = _post(clients["correct"], _url(account="12a"), body)
    assert status == 400 and "accountId='12a'" in out["errorMsg"]
    status, out, _ = _post(clients["correct"], _url(query="v=3"), body)
    assert status == 400 and "query v='3'" in out["errorMsg"]
    status, out, _ = _post(clients["correct"], _url(query="v=2"), body)  # V2 is not chosen by a query
    assert status == 400 and out["errorCode"] == "com.liveperson.faas.es.badinput"


def test_unknown_event_is_404_and_names_the_known_ones(clients, payload):
    status, out, _ = _post(
        clients["correct"], _url(event="'surveybot_messaging_survey_ended"), {"headers": [], "payload": payload}
    )
    assert status == 404 and out["errorCode"] == "com.liveperson.faas.es.missinglambda"
    assert "surveybot_messaging_survey_started" in out["errorMsg"]
    assert clients["correct"].get("/api/nothing").status_code == 404


def test_wrong_method_is_405_with_allow(clients):
    resp = clients["correct"].put(_url(), data="{}", content_type="application/json")
    assert resp.status_code == 405 and resp.headers["Allow"] == "POST"
    resp = clients["correct"].post("/api/account/1/events/x/isImplemented")
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET"


def test_is_implemented(clients, registry):
    for event in registry.version("v1").events:  # the clients serve v1
        assert json.loads(clients["correct"].get(f"/api/account/1/events/{event}/isImplemented").data) == {"implemented": True}
    assert json.loads(clients["correct"].get("/api/account/1/events/other/isImplemented").data) == {"implemented": False}


def test_invoke_by_lambda_uuid(clients, payload, registry):
    started = lambda_uuid("v1", "surveybot_messaging_survey_started")
    assert started != lambda_uuid("v1", EVENT)
    body = {"headers": [], "payload": payload}
    status, out, _ = _post(clients["correct"], f"/api/account/1/lambdas/{lambda_uuid('v1', EVENT)}/invoke", body)
    assert status == 200 and out == [{"type": "systemMessage", "text": "Thank you for your feedback"}]
    status, out, _ = _post(clients["correct"], "/api/account/1/lambdas/00000000-0000-0000-0000-000000000000/invoke", body)
    assert status == 404 and started in out["errorMsg"]
    status, out, _ = _post(clients["correct"], "/api/account/1/lambdas/NOT-A-UUID/invoke", body)
    assert status == 400
    status, out, _ = _post(clients["no_result"], f"/api/account/1/lambdas/{started}/invoke", body)
    assert status == 204 and out is None


def test_no_result_omits_result(clients, payload):
    status, out, _ = _post(clients["no_result"], _url(), {"headers": [], "payload": payload})
    assert status == 200 and "result" not in out[0]


# -- faults ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "v1", "v2"),
    [
        ("always_errors", "com.liveperson.faas.handler.custom-failure", "com.customer.faas.function.threw-error"),
        ("reads_missing_field", "com.liveperson.faas.handler.runtime-exception", "com.customer.faas.function.js-runtime-error"),
        ("times_out", "com.liveperson.faas.handler.executiontime-exceeded", "com.customer.faas.function.execution-exceeded"),
    ],
)
def test_faults_are_901_with_platform_codes_v1_and_v2(clients, payload, name, v1, v2):
    status, out, _ = _post(clients[name], _url(), {"headers": [], "payload": payload})
    assert status == 901 and out["errorCode"] == v1 and out["errorMsg"]
    # V2 the way LivePerson's client sends it to a V2 domain: LP-EventSource header, no v query.
    status, out, _ = _post_v2(clients[name], _url(query=""), {"payload": payload})
    assert status == 901 and out["code"] == v2 and out["message"] and "errorCode" not in out


def _post_v2(client, url, body):
    resp = client.post(url, data=json.dumps(body), content_type="application/json", headers={"LP-EventSource": "test"})
    return resp.status_code, (json.loads(resp.data) if resp.data else None), resp


def test_error_logs_in_v1_bodies(clients, payload):
    _, out, _ = _post(clients["always_errors"], _url(), {"headers": [], "payload": payload})
    logs = [x for x in out["errorLogs"] if x["message"] == "about to fail"]
    assert logs and logs[0]["level"] == "log" and logs[0]["extras"] == [] and isinstance(logs[0]["timestamp"], int)


def test_v2_gateway_errors_use_v2_codes_and_bodies(clients, payload, registry):
    status, out, _ = _post_v2(clients["correct"], _url(event="nope", query=""), {"payload": payload})
    assert (status, out["code"]) == (404, "com.liveperson.faas.function.not-found") and "errorCode" not in out
    status, out, _ = _post_v2(clients["correct"], _url(query=""), {"payload": {}})
    assert (status, out["code"]) == (400, "com.liveperson.faas.evg.invalid") and out["message"].startswith("/payload")
    # A v query means a V1 request, whatever the headers.
    resp = clients["correct"].post(
        _url(event="nope"), data="{}", content_type="application/json", headers={"LP-EventSource": "x"}
    )
    assert json.loads(resp.data)["errorCode"] == "com.liveperson.faas.es.missinglambda"


def test_api_flag_forces_one_gateway(handlers, registry, payload):
    client = Client(InvocationApp(handlers["always_errors"], registry=registry, version="v1", api="v2"))
    status, out, _ = _post(client, _url(query=""), {"headers": [], "payload": payload})
    assert status == 901 and out["code"] == "com.customer.faas.function.threw-error"
    client = Client(InvocationApp(handlers["always_errors"], registry=registry, version="v1", api="v1"))
    status, out, _ = _post_v2(client, _url(query=""), {"payload": payload})
    assert status == 901 and out["errorCode"] == "com.liveperson.faas.handler.custom-failure"
    with pytest.raises(ValueError):
        InvocationApp(handlers["correct"], registry=registry, api="v3")


def test_headers_are_optional_in_the_body(clients, payload):
    status, out, _ = _post(clients["correct"], _url(), {"payload": payload})
    assert status == 200 and out[0]["result"][0]["type"] == "systemMessage"


def test_a_second_callback_answers_200_with_the_first_result_and_a_warning(registry, payload):
    handler = load_handler(str(HANDLERS / "calls_back_twice_v1.js"), timeout_ms=5000)
    try:
        client = Client(InvocationApp(handler, registry=registry, version="v1"))
        status, out, resp = _post(client, _url(), {"headers": [], "payload": payload})
        assert status == 200 and out[0]["result"] == [{"type": "systemMessage", "text": "first"}]
        assert "multiple-results" in resp.headers["Warning"]
        status, out, resp = _post(client, f"/api/account/1/lambdas/{lambda_uuid('v1', EVENT)}/invoke", {"payload": payload})
        assert (
            status == 200 and out == [{"type": "systemMessage", "text": "first"}] and resp.headers["Warning"].startswith("199 ")
        )
    finally:
        handler.close()


def test_v2_contract_answers_no_result_and_any_result_as_fine(handlers, registry, payload):
    # v2 ignores results (registry.yaml result_policy): no result is a 204 the document declares.
    v2_payload = next(e.payload for e in registry.examples(EVENT, "v2") if e.payload.get("state") == "CLOSE")
    client = Client(InvocationApp(handlers["no_result"], registry=registry, version="v2"))
    resp = client.post(
        f"/api/account/1/lambdas/{lambda_uuid('v2', EVENT)}/invoke",
        data=json.dumps({"payload": v2_payload}),
        content_type="application/json",
    )
    assert resp.status_code == 204


# -- over loopback: HttpHandler -> serve -> handler gives what the handler gives in process ---------
@pytest.fixture(scope="module")
def served(handlers, registry):
    servers = {}
    threads = []
    for name, h in handlers.items():
        server = make_server(InvocationApp(h, registry=registry, version="v1"), port=0)
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        t.start()
        servers[name], _ = server, threads.append(t)
    yield {name: server_url(s) for name, s in servers.items()}
    for s in servers.values():
        s.shutdown()
        s.server_close()


@pytest.mark.parametrize("name", ["correct", "unknown_command", "always_errors", "reads_missing_field", "times_out", "no_result"])
def test_round_trip_matches_in_process(handlers, served, payload, name):
    inp = {"headers": [], "payload": payload, "timestamp": 1}
    direct = handlers[name].invoke(EVENT, inp)
    with HttpHandler(served[name], timeout_ms=TIMEOUT_MS) as http:
        remote = http.invoke(EVENT, inp)
    assert remote.fault == direct.fault
    assert (remote.has_result, remote.result) == (direct.has_result, direct.result)
    if direct.fault is not None:
        assert remote.error_code == direct.error_code
        assert remote.fault in (FaultKind.CUSTOM_FAILURE, FaultKind.RUNTIME_EXCEPTION, FaultKind.TIMEOUT)


def test_multiple_results_over_http_is_the_in_process_outcome(registry, payload):
    # verify over HTTP reports a second callback as it does in process: multiple-results, first result.
    handler = load_handler(str(HANDLERS / "calls_back_twice_v1.js"), timeout_ms=5000)
    server = make_server(InvocationApp(handler, registry=registry, version="v1"), port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        inp = {"headers": [], "payload": payload, "timestamp": 1}
        direct = handler.invoke(EVENT, inp)
        with HttpHandler(server_url(server), timeout_ms=5000) as http:
            remote = http.invoke(EVENT, inp)
        assert direct.fault == remote.fault == FaultKind.MULTIPLE_RESULTS
        assert (remote.has_result, remote.result, remote.error_code) == (direct.has_result, direct.result, direct.error_code)
    finally:
        server.shutdown()
        server.server_close()
        handler.close()


def test_concurrent_requests_run_in_parallel(served, payload):
    inp = {"headers": [], "payload": payload}
    with HttpHandler(served["correct"]) as http, ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(lambda _: http.invoke(EVENT, inp), range(30)))
    assert all(o.ok and o.result[0]["type"] == "systemMessage" for o in outs)


@pytest.mark.parametrize(
    ("name", "check"),
    [("correct", None), ("unknown_command", "response-schema"), ("always_errors", "handler-error"), ("times_out", "timeout")],
)
def test_verify_over_http_gives_the_same_findings(served, name, check):
    from lpf_contract.verify import VerifyOptions, verify

    options = VerifyOptions(
        events=(EVENT,),
        examples=3,
        seed=7,
        timeout_ms=TIMEOUT_MS,
        shrink_attempts=5,
        max_hangs=1,
        hang_shrink_timeouts=1,
        version="v1",  # the served app is v1: results acted on
    )
    local = verify(f"{HANDLERS / name}.py:lambda_", options)
    remote = verify(served[name], options)
    checks = lambda run: sorted({(f.event, f.check, f.severity) for f in run.failures})  # noqa: E731
    assert remote.verdict == local.verdict
    assert checks(remote) == checks(local)
    if check is None:
        assert local.verdict == "pass"
    else:
        assert check in {f.check for f in local.failures}


# -- the command ----------------------------------------------------------------------------------
def _start(*args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "lpf_contract.cli", "serve", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled_then_closes_the_handler(payload, sig):
    proc = _start(f"{HANDLERS / 'correct.py'}:lambda_", "--port", "0", "--workers", "2", "--timeout-ms", "5000")
    try:
        first = proc.stdout.readline()
        assert first.startswith("lpf-contract serve: http://127.0.0.1:"), first
        url = first.split()[2]
        with HttpHandler(url) as http:
            assert http.invoke(EVENT, {"headers": [], "payload": payload}).ok
        workers = _children(proc.pid)
        assert workers, "serve should run handler workers"
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert not [p for p in workers if Path(f"/proc/{p}").exists()], "handler workers outlived serve"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_cli_bad_handler_is_exit_2(run_cli):
    code, _, err = run_cli("serve", "no/such/file.py:f", "--port", "0")
    assert code == 2 and "no/such/file.py" in err


@pytest.mark.parametrize(("args", "needle"), [(["--port", "70000"], "--port=70000"), (["--workers", "0"], "--workers=0")])
def test_cli_bad_options_are_exit_2(run_cli, args, needle):
    code, _, err = run_cli("serve", f"{HANDLERS / 'correct.py'}:lambda_", *args)
    assert code == 2 and needle in err


def test_cli_port_in_use_is_exit_2(run_cli):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        code, _, err = run_cli("serve", f"{HANDLERS / 'correct.py'}:lambda_", "--port", s.getsockname()[1])
    assert code == 2 and "try --port 0" in err


@pytest.mark.parametrize(
    ("target", "fault"),
    [
        (str(REPO / "examples/handlers/survey_v1.js"), None),
        (str(HANDLERS / "callback_error_v1.js"), FaultKind.CUSTOM_FAILURE),
        (str(HANDLERS / "type_error_v2.js"), FaultKind.RUNTIME_EXCEPTION),
    ],
)
def test_node_round_trip_matches_in_process(registry, payload, target, fault):
    handler = load_handler(target, timeout_ms=5000)
    server = make_server(InvocationApp(handler, registry=registry), port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        inp = {"headers": [], "payload": payload, "timestamp": 1}
        direct = handler.invoke(EVENT, inp)
        with HttpHandler(server_url(server)) as http:
            remote = http.invoke(EVENT, inp)
    finally:
        server.shutdown()
        server.server_close()
        handler.close()
    assert direct.fault == fault
    assert (remote.fault, remote.error_code) == (direct.fault, direct.error_code)
    assert (remote.has_result, remote.result) == (direct.has_result, direct.result)
    if direct.fault is not None:
        assert [(e.level, e.text) for e in remote.logs] == [(e.level, e.text) for e in direct.logs]


def _served_answer(payload, *flags):
    """(status, headers, stderr) of one V1 invocation of greets_from_env.js served with ``flags``."""
    import urllib.request

    greets = REPO / "tests" / "fixtures" / "verify" / "handlers" / "greets_from_env.js"
    proc = _start(greets, "--port", "0", "--version", "v1", "--timeout-ms", "10000", *flags)
    try:
        first = proc.stdout.readline()
        assert first.startswith("lpf-contract serve: http://127.0.0.1:"), first + proc.stderr.read()
        url = first.split()[2] + _url()
        req = urllib.request.Request(
            url, data=json.dumps({"headers": [], "payload": payload}).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, headers, body = resp.status, dict(resp.headers), json.loads(resp.read())
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    return status, headers, body, err


def test_cli_serve_flags_a_result_that_breaks_the_contract_and_takes_env(payload):
    status, headers, body, err = _served_answer(payload)
    # Still the platform's answer (200 with the result) ...
    assert status == 200 and body[0]["result"] == [{"type": "systemMessage", "text": ""}]
    # ... with the breach named in a header and in the log.
    violation = headers.get("X-Lpf-Contract-Violation", "")
    assert violation.startswith("response-schema: "), headers
    assert f"contract violation event={EVENT}: response-schema: " in err
    status, headers, body, err = _served_answer(payload, "--env", "GREETING=hello")
    assert status == 200 and body[0]["result"] == [{"type": "systemMessage", "text": "hello"}]
    assert "X-Lpf-Contract-Violation" not in headers and "contract violation" not in err


def test_cli_serve_secrets_and_env_bad_input_is_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("serve", f"{HANDLERS / 'correct.py'}:lambda_", "--env", "NOEQUALS")
    assert code == 2 and "--env needs NAME=VALUE" in err
    code, _, err = run_cli("serve", f"{HANDLERS / 'correct.py'}:lambda_", "--secrets", tmp_path / "none.json")
    assert code == 2 and "secrets file not found" in err
