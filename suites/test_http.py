"""Schemathesis against ``lpf-contract serve`` of each bundled example handler, driven by the OpenAPI contract.

In process (WSGI, positive and negative data, every default check) for every example handler, and once
over loopback with the ``schemathesis`` CLI against a real ``lpf-contract serve`` process, coverage phase
included. Nothing may be found. ``CI=true`` fixes the seeds.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from lpf_contract.contracts import load_registry
from lpf_contract.handlers import load_handler
from lpf_contract.serve import InvocationApp

REPO = Path(__file__).resolve().parents[1]
REGISTRY = load_registry()
OPENAPI = REGISTRY.version().openapi_file
EXAMPLE_HANDLERS = {
    "survey_v1": "examples/handlers/survey_v1.js",
    "survey_v2": "examples/handlers/survey_v2.js",
    "survey_python": "examples/handlers/survey_handler.py:handle",
}
# Fixed under CI so a failure reproduces; otherwise fresh each run (schemathesis prints the seed it used).
SEED = 20261125 if os.environ.get("CI") else random.randrange(2**31)
# Small on purpose: ~4 operations x 2 modes x this many cases per handler keeps the suite well under a minute.
MAX_EXAMPLES = 8
LOOPBACK_MAX_EXAMPLES = 5


class _LazyApp:
    """A WSGI app whose handler is loaded by a fixture (so its workers are closed when the module ends)."""

    app: InvocationApp | None = None

    def __call__(self, environ, start_response):
        assert self.app is not None, "the served_examples fixture did not run"
        return self.app(environ, start_response)


APPS = {name: _LazyApp() for name in EXAMPLE_HANDLERS}


@pytest.fixture(scope="module", autouse=True)
def served_examples():
    handlers = []
    try:
        for name, target in EXAMPLE_HANDLERS.items():
            handler = load_handler(str(REPO / target), workers=2, timeout_ms=10000)
            handlers.append(handler)
            APPS[name].app = InvocationApp(handler, registry=REGISTRY)
        yield
    finally:
        for handler in handlers:
            handler.close()
        for app in APPS.values():
            app.app = None


def _schema(app: _LazyApp):
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            # The coverage phase (~700 fixed cases) runs once, over loopback, in test_loopback_cli.
            "phases": {"coverage": {"enabled": False}},
        }
    )
    schema = schemathesis.openapi.from_path(OPENAPI, config=config)
    schema.app = app
    return schema


@schemathesis.pytest.parametrize(**{name: _schema(app) for name, app in APPS.items()})
def test_in_process(case):
    case.call_and_validate()


@pytest.mark.slow
def test_loopback_cli(tmp_path):
    """`schemathesis run SPEC --url URL` against a real `lpf-contract serve` process finds nothing."""
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
            ],
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
