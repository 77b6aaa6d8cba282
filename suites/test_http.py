"""Schemathesis against ``lpf-contract serve`` of each bundled example handler, driven by the OpenAPI contract.

In process (WSGI, positive and negative data, every default check) for every example handler: the
plugin's HTTP suite (``lpf_contract/suites/test_http.py``, ``--lpf-http`` elsewhere), imported here so
this repository always runs it; and once over loopback with the ``schemathesis`` CLI against a real
``lpf-contract serve`` process, coverage phase included. Nothing may be found. ``CI=true`` fixes the seeds.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis

from lpf_contract.contracts import load_registry
from lpf_contract.handlers import load_handler
from lpf_contract.serve.app import InvocationApp
from lpf_contract.suites.test_http import SEED, pytest_generate_tests, served_handler, test_http  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
REGISTRY = load_registry()
OPENAPI = REGISTRY.version().openapi_file
EXAMPLE_HANDLERS = {
    "survey_v1": "examples/handlers/survey_v1.js",
    "survey_v2": "examples/handlers/survey_v2.js",
    "survey_python": "examples/handlers/survey_handler.py:handle",
}
LOOPBACK_MAX_EXAMPLES = 5


@pytest.mark.slow
def test_loopback_cli(tmp_path):
    """`schemathesis run SPEC --url URL` against a real `lpf-contract serve` process finds nothing."""
    # Only the operations of the events the survey handler serves (registry.yaml default_events).
    version = REGISTRY.version()
    others = [e for e in version.events if e not in version.default_events]
    serve = subprocess.Popen(
        [sys.executable, "-m", "lpf_contract.cli", "serve", str(REPO / EXAMPLE_HANDLERS["survey_v1"]), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        first = serve.stdout.readline()
        assert first.startswith("lpf-contract serve: http://"), first + serve.stderr.read()
        url = first.split()[2]
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                str(OPENAPI),
                "--url",
                url,
                "--phases",
                "examples,coverage,fuzzing",
                "--mode",
                "all",
                "-n",
                str(LOOPBACK_MAX_EXAMPLES),
                "--seed",
                str(SEED),
                "--generation-database",
                "none",
                "--no-color",
            ]
            # and not invoke-by-uuid: its body may hold any event's payload, which a survey lambda rejects.
            + (["--exclude-path-regex", "/events/(" + "|".join(sorted(others)) + ")/invoke$|/lambdas/"] if others else []),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            _, err = serve.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.communicate()
            raise
    assert serve.returncode == 0, err
    assert "stopped" in err


@pytest.mark.parametrize(
    ("fixture", "failure"),
    [("unknown_command", "JsonSchemaError"), ("always_errors", "ServerError"), ("no_result", "JsonSchemaError")],
)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_same_checks_catch_a_broken_handler(fixture, failure, version):
    """The suite finding nothing means something: a handler breaking the contract is reported.

    Under v2 the survey results are ignored (registry.yaml result_policy), so a bad or missing result
    breaks nothing there and only the failing handler is caught; under v1 all three are.
    """
    from schemathesis.core.failures import FailureGroup

    handler = load_handler(f"{REPO / 'tests/fixtures/http/handlers' / fixture}.py:lambda_", timeout_ms=10000)
    try:
        schema = schemathesis.openapi.from_path(REGISTRY.version(version).openapi_file)
        schema.app = InvocationApp(handler, registry=REGISTRY, version=version)
        event = "surveybot_messaging_survey_ended"
        op = schema[f"/api/account/{{accountId}}/events/{event}/invoke"]["POST"]
        payload = REGISTRY.examples(event, version)[0].payload
        if version == "v2" and failure == "JsonSchemaError":
            case = op.Case(path_parameters={"accountId": "1"}, body={"headers": [], "payload": payload}, media_type="application/json")
            case.call_and_validate()  # a result the platform ignores cannot break the answer's schema
            return
        case = op.Case(path_parameters={"accountId": "1"}, body={"headers": [], "payload": payload}, media_type="application/json")
        with pytest.raises(FailureGroup) as caught:
            case.call_and_validate()
        assert failure in {type(e).__name__ for e in caught.value.exceptions}
    finally:
        handler.close()
