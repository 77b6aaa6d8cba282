from __future__ import annotations

from lpf_contract.contracts import load_registry
from lpf_contract.verify.shrink import shrink

REGISTRY = load_registry()
EVENT = "surveybot_messaging_survey_ended"
REQUIRED = {"conversationId", "accountId", "surveyId", "surveyRevision", "skillId", "state", "startTs", "dialogs", "participants"}


def _seed():
    return next(e.payload for e in REGISTRY.examples(EVENT) if e.name == "seed-full")


def _valid(p):
    return REGISTRY.fast_validator(REGISTRY.event(EVENT).payload_uri).is_valid(p)


def test_shrinks_to_required_fields_plus_the_trigger():
    payload = dict(_seed(), closeReason="AGENT")
    result = shrink(payload, lambda p: p.get("closeReason") == "AGENT", is_valid=_valid)
    assert set(result.payload) == REQUIRED | {"closeReason"}
    assert result.payload["dialogs"] == [] and result.payload["participants"] == []
    assert result.payload["surveyId"] == 0 and result.payload["conversationId"] != ""  # minLength 1 kept
    assert _valid(result.payload) and not result.exhausted


def test_keeps_a_non_ascii_trigger_and_drops_the_rest_of_the_text():
    payload = _seed()
    payload["lastContentEventNotification"] = {"event": {"message": "Merci beaucoup, très bien 👍 vraiment"}}
    result = shrink(payload, lambda p: "👍" in str(p.get("lastContentEventNotification")), is_valid=_valid)
    assert result.payload["lastContentEventNotification"] == {"event": {"message": "👍"}}


def test_only_valid_payloads_reach_the_predicate():
    seen = []

    def pred(p):
        seen.append(p)
        return True

    shrink(_seed(), pred, is_valid=_valid)
    assert seen and all(_valid(p) for p in seen)


def test_attempt_budget_is_respected():
    calls = []
    result = shrink(_seed(), lambda p: calls.append(1) or True, is_valid=_valid, max_attempts=5)
    assert len(calls) == 5 and result.exhausted


def test_deadline_bounds_a_slow_predicate(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("lpf_contract.verify.shrink.time.monotonic", lambda: clock[0])

    def slow(p):  # every run of the handler costs one second of (fake) time
        clock[0] += 1.0
        return True

    result = shrink(_seed(), slow, is_valid=_valid, deadline_s=3)
    assert result.exhausted and result.attempts == 4
