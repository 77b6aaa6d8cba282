"""The contracts of the platform's other events (issue 20): controller-bot automatic messages, chat
post-survey e-mail transcript, conversational command, third-party bots hooks and custom integration."""

from __future__ import annotations

import json
import re

import pytest

from lpf_contract.contracts import DOCUMENTATION_RATINGS, Registry
from lpf_contract.core.errors import ContractError
from lpf_contract.variants import payload_strategy  # noqa: F401  (public API stays importable)

CONTROLLER = [
    "controllerbot_messaging_new_conversation",
    "controllerbot_messaging_ttr",
    "controllerbot_messaging_participants_change",
    "controllerbot_messaging_conversation_idle",
    "controllerbot_messaging_conversation_routing",
    "controllerbot_messaging_mid_conversation_msg",
    "controllerbot_messaging_conversation_end",
]
OTHERS = [
    "denver_post_survey_email_transcript",
    "conversational_command",
    "bot_connectors_pre_hook",
    "bot_connectors_post_hook",
    "bot_connectors_custom_integration",
]
NEW = CONTROLLER + OTHERS
CITE = re.compile(r"platform-facts\.md|seed|decided here|faas-client-node|faas-cli|developer-center")


@pytest.fixture(scope="module")
def registry():
    r = Registry.load()
    r.check()
    return r


def test_v2_carries_every_new_event_and_v1_none(registry):
    # New events enter at the current version; v1 stays the seed's survey contract (registry.yaml).
    assert set(NEW) <= set(registry.version("v2").events)
    assert not set(NEW) & set(registry.version("v1").events)
    # A handler named without an event is still verified against the survey events only.
    assert registry.version("v2").default_events == ("surveybot_messaging_survey_ended", "surveybot_messaging_survey_started")


@pytest.mark.parametrize("event", NEW)
def test_golden_examples_pass_and_negatives_fail_at_their_pointer(registry, event):
    spec = registry.event(event)
    fast = registry.fast_validator(spec.payload_uri)
    golden, invalid = registry.examples(event), registry.examples(event, invalid=True)
    assert len(golden) >= 3 and len(invalid) >= 3
    for ex in golden:
        assert fast.is_valid(ex.payload) and registry.errors(spec.payload_uri, ex.payload) == [], ex.name
        assert ex.source and CITE.search(ex.source), ex.name
    for ex in invalid:
        assert not fast.is_valid(ex.payload), ex.name
        assert ex.reject_at in [e.path for e in registry.errors(spec.payload_uri, ex.payload)], ex.name


@pytest.mark.parametrize(
    "event, sample",
    [
        ("denver_post_survey_email_transcript", "lp-sample-payload"),
        ("conversational_command", "lp-sample-payload"),
        ("bot_connectors_pre_hook", "watson-sample"),
        ("bot_connectors_post_hook", "dialogflow-v2-sample"),
        ("bot_connectors_custom_integration", "hook-page-sample"),
    ],
)
def test_livepersons_own_samples_are_golden(registry, event, sample):
    # Where a page has a JSON sample, it is a golden example verbatim (its source says where).
    ex = next(e for e in registry.examples(event) if e.name == sample)
    assert "developer-center" in ex.source


@pytest.mark.parametrize("event", NEW + ["surveybot_messaging_survey_ended"])
def test_every_event_rates_its_documentation(registry, event):
    assert registry.event(event).documentation in DOCUMENTATION_RATINGS


def test_documentation_ratings_follow_platform_facts(registry):
    ratings = {e: registry.event(e).documentation for e in NEW}
    assert {ratings[e] for e in CONTROLLER} == {"weak"}
    assert ratings["denver_post_survey_email_transcript"] == ratings["conversational_command"] == "good"
    assert {ratings[e] for e in OTHERS[2:]} == {"moderate"}


def test_controller_bot_payloads_share_the_survey_definitions(registry):
    # One source: the participants, ttr and closeReason shapes are the survey payload's.
    common = registry.schema_path(registry.event(CONTROLLER[0]).payload_uri).parent / "controllerbot-common.schema.json"
    text = common.read_text(encoding="utf-8")
    for ref in (
        "survey-common.schema.json#/$defs/participant",
        "survey-common.schema.json#/$defs/ttr",
        "survey-common.schema.json#/$defs/surveyPayload/properties/closeReason",
    ):
        assert ref in text
    end = registry.bundled(registry.event("controllerbot_messaging_conversation_end").payload_uri)
    survey = registry.bundled(registry.event("surveybot_messaging_survey_ended").payload_uri)
    close = end["allOf"][1]["properties"]["closeReason"]["allOf"][0]
    assert close == survey["allOf"][0]["properties"]["closeReason"]


def _descriptions(node, where=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "description" and isinstance(v, str):
                yield where, v
            else:
                yield from _descriptions(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _descriptions(v, f"{where}/{i}")


def test_every_new_schema_description_cites_a_source(registry):
    files = {registry.schema_path(registry.event(e).payload_uri) for e in NEW} | {
        registry.schema_path(registry.event(e).result_uri) for e in NEW
    }
    files.add(registry.schema_path(registry.event(CONTROLLER[0]).payload_uri).parent / "controllerbot-common.schema.json")
    missing = [
        f"{p.name}{w}"
        for p in sorted(files)
        for w, d in _descriptions(json.loads(p.read_text(encoding="utf-8")))
        if not CITE.search(d)
    ]
    assert missing == []


RESULTS = [
    # controller bot: commands, [] and no result / null (default automatic message)
    (CONTROLLER[0], [], True),
    (CONTROLLER[0], None, True),
    (CONTROLLER[0], {"type": "transfer", "skillId": "123456"}, True),
    (CONTROLLER[0], [{"type": "systemMessage", "text": "a"}, {"type": "systemMessage", "text": "b"}], True),  # 2nd ignored, valid
    (CONTROLLER[0], {"type": "transfer", "agentId": "123456"}, True),
    (CONTROLLER[0], "ok", False),
    (CONTROLLER[0], [{"type": "closeconversation"}], False),
    # conversational command: a string or a number
    ("conversational_command", "echo this message", True),
    ("conversational_command", 42, True),
    ("conversational_command", {"text": "hi"}, False),
    ("conversational_command", None, False),
    # chat post survey: a list of e-mail entries
    ("denver_post_survey_email_transcript", [], True),
    (
        "denver_post_survey_email_transcript",
        [
            {
                "targetEmail": "ReplaceMe@company.com",
                "senderName": "Sender X",
                "senderEmail": "ReplaceMe@company.com",
                "subject": "Email Transcript Notification",
            }
        ],
        True,
    ),
    (
        "denver_post_survey_email_transcript",
        [{"targetEmail": "ReplaceMe@company.com", "senderName": "Sender X", "senderEmail": "ReplaceMe@company.com"}],
        False,
    ),
    (
        "denver_post_survey_email_transcript",
        [{"targetEmail": "not an address", "senderName": "X", "senderEmail": "a@b.c", "subject": ""}],
        False,
    ),
    ("denver_post_survey_email_transcript", "ok", False),
    # hooks: the (modified) vendor payload
    ("bot_connectors_pre_hook", {"message": "customer message preHook"}, True),
    ("bot_connectors_post_hook", [{"type": "message", "text": "hi"}], True),
    ("bot_connectors_pre_hook", "customer message", False),
    # custom integration: the page's own response examples, and its mistakes
    ("bot_connectors_custom_integration", {"messages": ["Message one", "Message two", "Message three"]}, True),
    (
        "bot_connectors_custom_integration",
        {
            "messages": ["This conversation has been marked urgent"],
            "context": {"action": "CHANGE_TTR", "actionParameters": {"ttrType": "CUSTOM", "value": "120"}},
        },
        True,
    ),
    (
        "bot_connectors_custom_integration",
        {"messages": ["Please wait"], "context": {"action": "TRANSFER", "actionParameters": {"skill": "bot-escalation"}}},
        True,
    ),
    (
        "bot_connectors_custom_integration",
        {"messages": ["bye"], "context": {"action": "CLOSE_CONVERSATION", "actionParameters": {"withoutPcs": True}}},
        True,
    ),
    (
        "bot_connectors_custom_integration",
        {"messages": ["Hi", {"delay": 5, "typing": True}, {"text": "private", "messageAudience": "AGENTS_AND_MANAGERS"}]},
        True,
    ),
    (
        "bot_connectors_custom_integration",
        {
            "messages": ["Hi"],
            "context": {"intentId": "intent-info-example", "intentName": "Intent information example.", "confidenceScore": 1},
        },
        True,
    ),
    (
        "bot_connectors_custom_integration",
        {"messages": ["x"], "context": {"action": "transfer", "actionParameters": {"skill": "s"}}},
        False,
    ),
    (
        "bot_connectors_custom_integration",
        {"messages": ["x"], "context": {"action": "INVOCATION", "actionParameters": {"failOnError": True}}},
        False,
    ),
    ("bot_connectors_custom_integration", {"messages": ["x"], "context": {"action": "TRANSFER"}}, False),
    ("bot_connectors_custom_integration", {"messages": [{"text": "private", "messageAudience": "AGENTS"}]}, False),
    ("bot_connectors_custom_integration", {"messages": "Hi"}, False),
]


@pytest.mark.parametrize("event, result, valid", RESULTS)
def test_result_contracts(registry, event, result, valid):
    uri = registry.event(event).result_uri
    assert registry.fast_validator(uri).is_valid(result) is valid
    assert (registry.errors(uri, result) == []) is valid


@pytest.mark.parametrize("event", NEW)
def test_only_the_controller_bot_allows_no_result(registry, event):
    spec = registry.event(event)
    assert spec.result_policy == "acted-on"
    assert registry.no_result_allowed(spec.result_uri) is (event in CONTROLLER)


@pytest.mark.parametrize(
    "folder, fragment",
    [
        ("bad-documentation", "unknown documentation='excellent'"),
        ("bad-no-result", "unknown x-lpf-no-result='sometimes'"),
        ("bad-default-events", "default_events names unknown events ['no_such_event']"),
    ],
)
def test_bad_registry_fields_are_contract_errors(fixtures, folder, fragment):
    with pytest.raises(ContractError) as info:
        Registry.load(fixtures / "contracts" / folder).check()
    assert fragment in str(info.value)


def test_bad_documentation_is_exit_2(run_cli, fixtures):
    code, _, err = run_cli("--contracts", fixtures / "contracts" / "bad-documentation", "contracts")
    assert code == 2 and "documentation" in err and "\n" not in err.strip()


def test_contracts_lists_documentation_policy_and_no_result(run_cli):
    code, out, _ = run_cli("contracts", "--format", "json")
    assert code == 0
    rows = {(r["version"], r["event"]): r for r in json.loads(out)["events"]}
    assert rows[("v2", "controllerbot_messaging_ttr")]["documentation"] == "weak"
    assert rows[("v2", "controllerbot_messaging_ttr")]["no_result"] == "allowed"
    assert rows[("v2", "conversational_command")]["lambda_limit"] == 30
    assert rows[("v2", "conversational_command")]["no_result"] == "violation"
    code, text, _ = run_cli("contracts")
    assert "conversational_command  [Conversational Command]  documentation: good" in text


@pytest.mark.parametrize("event", NEW)
def test_generator_honours_every_new_payload_schema(registry, event):
    # Systematic and random payloads (fixed seed) validate, and ids stay within 64 characters.
    from lpf_contract.variants import generate, systematic_variants

    fast = registry.fast_validator(registry.event(event).payload_uri)
    payloads = [v.payload for v in systematic_variants(registry, event)] + list(generate(registry, event, count=40, seed=20))
    assert len(payloads) > 40 and all(fast.is_valid(p) for p in payloads)
    for p in payloads:
        for key, value in _leaves(p):
            if key.lower().endswith("id") and isinstance(value, str):
                assert len(value) <= 64, (key, value)


def _leaves(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v, key)
    else:
        yield key, node


@pytest.mark.parametrize(
    "handler, event, code, fragment",
    [
        ("silent.js", "controllerbot_messaging_conversation_end", 0, "verdict=PASS"),
        ("silent.js", "conversational_command", 1, "event=conversational_command wants a result (conversational_command result"),
        ("replies_ok.js", "controllerbot_messaging_ttr", 1, "[response-schema]"),
    ],
)
def test_no_result_is_judged_per_event(run_cli, fixtures, tmp_path, handler, event, code, fragment):
    got, out, err = run_cli(
        "verify", fixtures / "events" / handler, "--event", event, "--examples", "3", "--seed", "1", "--report-dir", tmp_path
    )
    assert got == code, out + err
    assert fragment in out + err


def test_functions_repository_with_one_lambda_per_family_verifies_clean(run_cli, fixtures, tmp_path):
    folder = fixtures / "functions_repo_events" / "functions"
    code, out, err = run_cli("verify", folder, "--examples", "3", "--seed", "1", "--report-dir", tmp_path)
    assert code == 0, out + err
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    verdicts = {r["name"]: r["verdict"] for r in index["functions"]}
    assert verdicts == {
        n: "pass" for n in ("automatic-end", "demo-bot", "echo-command", "low-csat-mail", "trim-post-hook", "trim-pre-hook")
    }
    assert "skipped" not in out.lower().replace("skipped=0", "")
