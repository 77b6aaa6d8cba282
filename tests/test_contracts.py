from __future__ import annotations

import pytest

from lpf_contract.contracts import Registry
from lpf_contract.core.errors import ContractError, UnknownEventError, UnknownVersionError
from lpf_contract.core.pointer import json_pointer, resolve_pointer

ENDED = "surveybot_messaging_survey_ended"
STARTED = "surveybot_messaging_survey_started"


@pytest.fixture(scope="module")
def registry():
    r = Registry.load()
    r.check()
    return r


def test_registry_names_v2_current_with_both_events(registry):
    # v2 follows LivePerson's current page (results ignored); v1 (the seed's reading) is superseded.
    assert registry.current_version() == "v2"
    assert {STARTED, ENDED} <= set(registry.version().events)  # v2 also carries the other events (issue 20)
    assert set(registry.version("v1").events) == {STARTED, ENDED}
    assert {registry.event(e, "v1").result_policy for e in (STARTED, ENDED)} == {"acted-on"}
    assert {registry.event(e).result_policy for e in (STARTED, ENDED)} == {"ignored"}


def test_unknown_event_and_version_name_what_exists(registry):
    with pytest.raises(UnknownEventError, match="known events: .*surveybot_messaging_survey_ended"):
        registry.event("'surveybot_messaging_survey_ended")  # the JDK client's stray apostrophe
    with pytest.raises(UnknownVersionError, match="known versions: .*v1"):
        registry.version("v9")


def test_bundled_schema_has_no_refs_left(registry):
    bundled = registry.bundled(registry.event(ENDED).payload_uri)
    assert "$ref" not in str(bundled)
    context = bundled["allOf"][0]["properties"]["context"]["allOf"][0]
    assert context["properties"]["clientProperties"]["allOf"][0]["properties"]["os"]["type"] == "string"


@pytest.mark.parametrize("event", [STARTED, ENDED])
def test_fast_and_explaining_validators_agree_on_every_example(registry, event):
    spec = registry.event(event)
    fast = registry.fast_validator(spec.payload_uri)
    for ex in registry.examples(event):
        assert fast.is_valid(ex.payload), ex.name
        assert registry.errors(spec.payload_uri, ex.payload) == [], ex.name
    for ex in registry.examples(event, invalid=True):
        assert not fast.is_valid(ex.payload), ex.name
        assert registry.errors(spec.payload_uri, ex.payload), ex.name


def test_pattern_dollar_is_ecma_end_of_input(registry):
    # Python's "$" accepts a trailing newline; JSON Schema (ECMA-262) does not.
    uri = registry.event(ENDED).payload_uri
    payload = dict(registry.examples(ENDED)[0].payload, accountId="123\n")
    assert not registry.fast_validator(uri).is_valid(payload)
    assert [e.path for e in registry.errors(uri, payload)] == ["/accountId"]


@pytest.mark.parametrize(
    "result, path, fragment",
    [
        ({"type": "systemMessage"}, "", "'text' is a required property"),
        ({"type": "systemMesage", "text": "hi"}, "/type", "'systemMessage' was expected"),
        ([{"type": "transfer", "skillId": "x"}], "/0/skillId", "does not match"),
        ("OK", "", "'ok' was expected"),
        ([{"type": "closeConversation", "extra": 1}], "/0", "'extra' was unexpected"),
        ({"type": "transfer"}, "", "'skillId' is a required property"),  # neither skillId nor agentId
        ({"type": "transfer", "agentId": ""}, "/agentId", "should be non-empty"),
    ],
)
def test_result_errors_name_the_closest_command(registry, result, path, fragment):
    errors = registry.errors(registry.event(ENDED).result_uri, result)
    assert len(errors) == 1
    assert errors[0].path == path
    assert fragment in errors[0].message


@pytest.mark.parametrize(
    "result",
    [
        "ok",
        [],
        {"type": "closeConversation"},
        [{"type": "transfer", "skillId": "12", "agentId": "a"}, {"type": "systemMessage", "text": "bye"}],
        {"type": "transfer", "agentId": "123456"},  # agent-only: developer-center automatic-messages page
        {"type": "transfer", "skillId": "123456"},
    ],
)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_valid_results(registry, result, version):
    assert registry.errors(registry.event(ENDED, version).result_uri, result) == []


@pytest.mark.parametrize(
    "folder, fragment",
    [
        ("bad-yaml", "not valid YAML"),
        ("no-versions", "no 'versions' mapping"),
        ("dangling-ref", "dangling $ref='#/$defs/missing'"),
        ("ref-loop", "$ref loop"),
        ("invalid-schema", "not valid JSON Schema"),
        ("not-json-schema", "schema is not valid JSON"),
        ("missing-schema", "schema file missing"),
        ("two-current", "exactly one version status=current"),
        ("does-not-exist", "registry not found"),
    ],
)
def test_broken_contracts_raise_contract_error(fixtures, folder, fragment):
    with pytest.raises(ContractError) as info:
        r = Registry.load(fixtures / "contracts" / folder)
        r.check()
        r.version()
    assert fragment in str(info.value)


def test_json_pointer_round_trip():
    doc = {"a/b": [{"~x": 1}]}
    ptr = json_pointer(["a/b", 0, "~x"])
    assert ptr == "/a~1b/0/~0x"
    assert resolve_pointer(doc, ptr) == 1


def test_ecma_digit_class_is_ascii_like_jsonschema_rs():
    import jsonschema_rs

    from lpf_contract.core.ecma import compile_ecma_pattern

    arabic_indic = "\u0661\u0662\u0663"
    assert not jsonschema_rs.Draft7Validator({"pattern": "^\\d+$"}).is_valid(arabic_indic)
    assert compile_ecma_pattern("^\\d+$").search(arabic_indic) is None
    assert compile_ecma_pattern("^\\d+$").search("123")


def test_v2_shares_v1_payload_contract_and_examples(registry):
    # v2 differs from v1 on the result side only: its payload schemas reference v1's shared
    # definitions (one source), and its golden examples are v1's (written by tools/make_examples.py).
    for event in (STARTED, ENDED):
        for uri in (registry.event(event, "v1").payload_uri, registry.event(event, "v2").payload_uri):
            assert registry.bundled(uri)["allOf"][0] == registry.bundled(registry.event(event, "v1").payload_uri)["allOf"][0]
        for invalid in (False, True):
            v1 = [(e.name, e.payload, e.reject_at) for e in registry.examples(event, "v1", invalid=invalid)]
            v2 = [(e.name, e.payload, e.reject_at) for e in registry.examples(event, "v2", invalid=invalid)]
            assert v1 == v2


def test_every_golden_example_cites_its_source(registry):
    for event in (STARTED, ENDED):
        for invalid in (False, True):
            for ex in registry.examples(event, invalid=invalid):
                assert ex.source and (
                    "developer-center" in ex.source or "node-agent-sdk" in ex.source or "decided here" in ex.source
                ), ex.name
