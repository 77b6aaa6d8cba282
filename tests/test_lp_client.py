"""`lpf-contract serve` driven by LivePerson's own Node client (npm liveperson-functions-client 2.2.0).

The client is installed with npm into a cached temporary folder (about 10 s the first time) and run by
tests/fixtures/lp_client/drive_client.js. What it must see is what it would see from the platform:
answers and error bodies in the V1 or V2 shape it expects, and its own classification of them
(``FaaSLambdaError`` for lambda faults, ``FaaSInvokeError`` otherwise, with failOnErrorStatusCode).

How the client is pointed at serve (the README's recipe): it asks CSDS for the gateway's domain
(``tooling.getCsdsEntry``) and builds URLs without a port (baseClient.ts getUrl), so serve listens on
port 80 of a loopback address (root or CAP_NET_BIND_SERVICE); the client calls V2 when that domain
contains "functions" (baseClient.ts isV2Domain), so for V2 getCsdsEntry answers such a host name, which
the driver script's DNS maps to the loopback address.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lpf_contract.contracts import load_registry
from lpf_contract.serve.app import lambda_uuid

REPO = Path(__file__).resolve().parents[1]
FIX = Path(__file__).resolve().parent / "fixtures" / "lp_client"
CLIENT = "liveperson-functions-client@2.2.0"
EVENT = "surveybot_messaging_survey_ended"
ACCOUNT = "12345678"
SERVE_TIMEOUT_MS = 1500

# V1 error codes as serve sends them, and the V2 codes of the same faults.
V1 = {
    "custom-failure": "com.liveperson.faas.handler.custom-failure",
    "runtime-exception": "com.liveperson.faas.handler.runtime-exception",
    "timeout": "com.liveperson.faas.handler.executiontime-exceeded",
    "log-limit": "com.liveperson.faas.handler.log-limit-reached",
}
V2 = {
    "custom-failure": "com.customer.faas.function.threw-error",
    "runtime-exception": "com.customer.faas.function.js-runtime-error",
    "timeout": "com.customer.faas.function.execution-exceeded",
    "log-limit": "com.liveperson.faas.function.runtime.limit-reached",
}
# The client's classification (baseClient.ts isCustomLambdaErrorV1 / V2): a V1 error is a lambda error
# when its errorCode starts with com.liveperson.faas.handler; a V2 one only for function.threw-error.
LAMBDA_ERROR_V2 = {"custom-failure"}


@pytest.fixture(scope="module")
def client_modules() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is required to install LivePerson's client (make test installs Node.js tooling)")
    root = Path(tempfile.gettempdir()) / "lpf-contract-lp-client" / CLIENT.replace("@", "-")
    root.mkdir(parents=True, exist_ok=True)
    marker = root / "node_modules" / "liveperson-functions-client" / "package.json"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers share the cache
        if not marker.is_file() or json.loads(marker.read_text())["version"] != "2.2.0":
            proc = subprocess.run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-package-lock",
                    "--loglevel=error",
                    "--prefix",
                    str(root),
                    CLIENT,
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, proc.stderr[-2000:]
    return root / "node_modules"


def _loopback_port_80() -> str:
    # A loopback address of our own (127.0.0.0/8 is all loopback on Linux), so parallel runs don't clash.
    for n in range(20 + os.getpid() % 200, 255):
        ip = f"127.0.0.{n}"
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((ip, 80))
            except PermissionError:
                pytest.fail("binding port 80 needs root or CAP_NET_BIND_SERVICE: LivePerson's client builds URLs without a port")
            except OSError:
                continue
            return ip
    pytest.fail("no free loopback address with port 80")


@pytest.fixture(scope="module")
def gateway():
    ip = _loopback_port_80()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lpf_contract.cli",
            "serve",
            str(FIX / "behaviours_v1.js"),
            "--host",
            ip,
            "--port",
            "80",
            "--timeout-ms",
            str(SERVE_TIMEOUT_MS),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"lpf-contract serve: http://{ip}:80"), first + proc.stderr.read()
        yield ip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def answers(client_modules, gateway):
    registry = load_registry()
    version = registry.current_version()
    payload = next(e.payload for e in registry.examples(EVENT, version) if e.name == "close-reason-consumer")
    uuid = lambda_uuid(version, EVENT)

    def body(behaviour=None, headers=True):
        out = {"payload": payload}
        if behaviour:
            out["headers"] = [{"key": "behaviour", "value": behaviour}]
        elif headers:
            out["headers"] = []
        return out

    cases = []
    for api in ("v1", "v2"):
        cases += [
            {"name": f"{api}/event-ok", "api": api, "eventId": EVENT, "body": body(headers=api == "v1")},
            {"name": f"{api}/uuid-ok", "api": api, "lambdaUuid": uuid, "body": body(headers=api == "v1")},
            {"name": f"{api}/uuid-commands", "api": api, "lambdaUuid": uuid, "body": body("commands")},
            {"name": f"{api}/twice", "api": api, "eventId": EVENT, "body": body("twice")},
            {"name": f"{api}/implemented", "api": api, "op": "isImplemented", "eventId": EVENT},
            {"name": f"{api}/not-implemented", "api": api, "op": "isImplemented", "eventId": "bot_connectors_error_hook"},
            {"name": f"{api}/bad-input", "api": api, "eventId": EVENT, "body": {"headers": [], "payload": {}}},
            {"name": f"{api}/no-such-event", "api": api, "eventId": "bot_connectors_error_hook", "body": body()},
            {"name": f"{api}/no-such-lambda", "api": api, "lambdaUuid": "00000000-0000-4000-8000-000000000000", "body": body()},
        ]
        for fault in V1:
            cases.append({"name": f"{api}/{fault}", "api": api, "eventId": EVENT, "body": body(fault)})
    for fault in V1:  # the client's own V2 -> V1 mapping must land on serve's V1 codes
        cases.append({"name": f"v2-compat/{fault}", "api": "v2", "lambdaUuid": uuid, "body": body(fault), "v1CompError": True})
    proc = subprocess.run(
        ["node", str(FIX / "drive_client.js"), str(client_modules)],
        input=json.dumps({"ip": gateway, "accountId": ACCOUNT, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = {}
    for line in proc.stdout.splitlines():
        doc = json.loads(line)
        out[doc["case"]] = doc
    assert sorted(out) == sorted(c["name"] for c in cases)
    return {"results": out, "uuid": uuid}


def _error(answers, name):
    got = answers["results"][name]
    assert got["ok"] is False, got
    return got["error"]


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_invocations_answer_what_the_client_expects(answers, api):
    res = answers["results"]
    by_event = res[f"{api}/event-ok"]
    assert by_event["ok"] and by_event["status"] == 200
    assert by_event["body"] == [{"uuid": answers["uuid"], "timestamp": by_event["body"][0]["timestamp"], "result": "ok"}]
    assert res[f"{api}/uuid-ok"]["body"] == "ok"
    assert res[f"{api}/uuid-commands"]["body"] == [{"type": "systemMessage", "text": "Thanks"}]
    assert (res[f"{api}/implemented"]["implemented"], res[f"{api}/not-implemented"]["implemented"]) == (True, False)


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_a_second_callback_is_a_success_with_the_first_result_and_a_warning(answers, api):
    got = answers["results"][f"{api}/twice"]
    assert got["ok"] and got["status"] == 200 and got["body"][0]["result"] == "first"
    assert "multiple-results" in got["warning"]


@pytest.mark.parametrize("fault", sorted(V1))
def test_v1_lambda_faults_are_faas_lambda_errors(answers, fault):
    err = _error(answers, f"v1/{fault}")
    assert (err["name"], err["status"], err["body"]["errorCode"]) == ("FaaSLambdaError", 901, V1[fault])
    assert isinstance(err["body"]["errorMsg"], str)
    if fault == "log-limit":
        item = err["body"]["errorLogs"][0]
        assert set(item) == {"level", "message", "extras", "timestamp"} and item["message"] == "line 0"


@pytest.mark.parametrize("fault", sorted(V2))
def test_v2_lambda_faults_carry_v2_codes_classified_as_the_client_does(answers, fault):
    err = _error(answers, f"v2/{fault}")
    expected_name = "FaaSLambdaError" if fault in LAMBDA_ERROR_V2 else "FaaSInvokeError"
    assert (err["name"], err["status"], err["body"]["code"]) == (expected_name, 901, V2[fault])
    assert set(err["body"]) == {"code", "message"}
    # v1CompError: the client maps the V2 code to V1 (mapV2ErrorCodeToV1; two of its targets end in a
    # stray tab in 2.2.0, hence strip()).
    compat = _error(answers, f"v2-compat/{fault}")
    assert compat["body"]["errorCode"].strip() == V1[fault]


@pytest.mark.parametrize(
    ("case", "status", "v1_code", "v2_code"),
    [
        ("bad-input", 400, "com.liveperson.faas.es.badinput", "com.liveperson.faas.evg.invalid"),
        ("no-such-event", 404, "com.liveperson.faas.es.missinglambda", "com.liveperson.faas.function.not-found"),
        ("no-such-lambda", 404, "com.liveperson.faas.es.missinglambda", "com.liveperson.faas.function.not-found"),
    ],
)
def test_gateway_errors_are_invoke_errors_with_each_apis_codes(answers, case, status, v1_code, v2_code):
    v1, v2 = _error(answers, f"v1/{case}"), _error(answers, f"v2/{case}")
    assert (v1["name"], v1["status"], v1["body"]["errorCode"]) == ("FaaSInvokeError", status, v1_code)
    assert (v2["name"], v2["status"], v2["body"]["code"]) == ("FaaSInvokeError", status, v2_code)
