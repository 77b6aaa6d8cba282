"""lpf-contract's HTTP suite (``--lpf-http``): schemathesis against each handler served like the gateway.

The handler is served in process (WSGI, ``lpf_contract.serve.app.InvocationApp``) and schemathesis drives
every operation of the contract's OpenAPI document with positive and negative data and every default
check; nothing may be found. ``CI=true`` fixes the seed. About 4 operations x 2 modes x MAX_EXAMPLES
cases per handler.
"""

from __future__ import annotations

import os
import random

import pytest
import schemathesis

SEED = 20261125 if os.environ.get("CI") else random.randrange(2**31)
MAX_EXAMPLES = 8


@pytest.fixture(scope="session")
def served_handler(request, handler_target):
    """The handler loaded once per session, behind the local gateway's WSGI app."""
    from lpf_contract.contracts.registry import load_registry
    from lpf_contract.handlers import load_handler
    from lpf_contract.pytest.plugin import handler_options
    from lpf_contract.serve.app import InvocationApp

    options = handler_options(request.config, handler_target)
    handler = load_handler(
        handler_target,
        workers=2,
        timeout_ms=options["timeout_ms"],
        allow_domains=options["allow_domains"],
        secrets_file=options["secrets_file"],
        fixtures=options["fixtures"],
    )
    try:
        yield InvocationApp(handler, registry=load_registry(), version=request.config.getoption("--lpf-version"))
    finally:
        handler.close()


def _schema(config):
    from lpf_contract.contracts.registry import load_registry

    openapi = load_registry().version(config.getoption("--lpf-version")).openapi_file
    assert openapi is not None, "the contract version has no OpenAPI document"
    return schemathesis.openapi.from_path(openapi)


def not_default_event_paths(version) -> set[str]:
    """Invoke paths of the events a handler is not verified against by default (registry.yaml
    default_events): a survey handler is not the controller bot's or a hook's lambda (issue 20)."""
    return {f"/api/account/{{accountId}}/events/{e}/invoke" for e in version.events if e not in version.default_events}


def pytest_generate_tests(metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        from lpf_contract.contracts.registry import load_registry

        skip = not_default_event_paths(load_registry().version(metafunc.config.getoption("--lpf-version")))
        labels = [r.ok().label for r in _schema(metafunc.config).get_all_operations() if r.ok().path not in skip]
        metafunc.parametrize("operation", labels)
        metafunc.parametrize("mode", ["positive", "negative"])


def test_http(request, served_handler, operation, mode):
    """Every case schemathesis generates for one operation and mode passes its default checks."""
    # Driven through schemathesis's strategies and Hypothesis directly: its lazy `from_fixture` loader
    # fails under pytest 9 ("'Function' object has no attribute '_nodeid'", schemathesis 4.32.5).
    from hypothesis import HealthCheck, given, seed, settings
    from schemathesis import GenerationMode

    schema = _schema(request.config)
    schema.app = served_handler
    op = next(r.ok() for r in schema.get_all_operations() if r.ok().label == operation)

    @seed(SEED)
    @settings(max_examples=MAX_EXAMPLES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=GenerationMode(mode)))
    def run(case):
        case.call_and_validate()

    run()
