"""Generator conformance on the JSON-Schema-Test-Suite (draft 7 and its optional/ folder): every schema
either compiles to a generator whose values (a few per schema, fixed seed) all validate, or is refused
with a one-line ContractError (UnsupportedSchema, or a $ref loop when bundling) - never another exception."""

from __future__ import annotations

import collections

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from lpf_contract.core.bundle import bundle_document
from lpf_contract.core.ecma import validator_class
from lpf_contract.core.errors import ContractError
from lpf_contract.variants import UnsupportedSchema, compile_strategy

from .suite_data import neighbours, suite_groups

GROUPS = suite_groups()
DRAWS = 4


def _outcome(schema, remotes) -> str:
    try:
        bundled = bundle_document(schema, neighbours=remotes)
    except UnsupportedSchema:
        return "refused"
    except ContractError as exc:
        assert "$ref loop" in str(exc), exc  # the suite's refs all resolve (remotes given): only loops stay
        return "refused"
    try:
        strategy = compile_strategy(bundled)
    except UnsupportedSchema as exc:
        assert str(exc).startswith("unsupported schema keyword=") and "\n" not in str(exc)
        return "refused"
    values = []

    @settings(
        database=None, derandomize=True, max_examples=DRAWS, phases=[Phase.generate], deadline=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def collect(value):
        values.append(value)

    collect()
    ours = validator_class()(schema if isinstance(schema, bool) else bundled)
    for v in values:
        assert ours.is_valid(v), v
        if isinstance(bundled, dict):
            assert jsonschema_rs.Draft7Validator(bundled).is_valid(v), v
    return "compiled"


@pytest.fixture(scope="module")
def tally():
    counts: collections.Counter = collections.Counter()
    yield counts
    print(f"\nJSON-Schema-Test-Suite draft 7: {dict(counts)}")


@pytest.mark.parametrize("name", [n for n, _ in GROUPS])
def test_every_suite_schema_compiles_to_valid_values_or_is_refused(name, tally):
    group = dict(GROUPS)[name]
    tally[_outcome(group["schema"], neighbours())] += 1


def test_most_of_the_suite_compiles():
    # Guards the test above against passing by refusing everything.
    remotes = neighbours()
    counts = collections.Counter(_outcome(g["schema"], remotes) for _, g in GROUPS)
    assert counts["compiled"] >= 140, counts
    assert sum(counts.values()) == len(GROUPS) >= 250
