"""The emulated SecretClient (src/lpf_contract/handlers/node/toolbelt/secrets.js), through real lambdas
(tests/fixtures/lambdas/toolbelt/secrets-*.js) on LivePerson's V1 and V2 runtimes (issue 17, item 3).

Each invocation starts from the secrets file (a write never leaks into the next case, whichever worker
runs it), V2's globalSecretCache starts empty in each, and every readSecret/updateSecret is reported in
Outcome.calls with the key and never the value.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from lpf_contract.core.outcome import CallAnswer
from lpf_contract.handlers import load_handler
from lpf_contract.handlers.node import NODE_DIR, find_node
from tests.conftest import FIXTURES

LAMBDAS = FIXTURES / "lambdas" / "toolbelt"
SECRETS = LAMBDAS / "secrets-store.json"
EVENT = "surveybot_messaging_survey_started"
SEED_VALUES = ("s3cr3t-seed", "seed-client")


def run(name: str, payloads: list[dict], **options):
    with load_handler(str(LAMBDAS / name), timeout_ms=20000, secrets_file=str(SECRETS), **options) as handler:
        return [handler.invoke(EVENT, {"headers": [], "payload": p}) for p in payloads]


def secret_calls(outcome) -> list[tuple[str, str]]:
    return [(c.method, c.target) for c in outcome.calls if c.kind == "secret"]


def test_v1_every_invocation_starts_from_the_secrets_file():
    first, second = run("secrets-v1-rotate.js", [{"next": "rotated-1"}, {"next": "rotated-2"}])
    assert first.fault is None and second.fault is None, (first.error_message, second.error_message)
    assert first.result == {"before": "s3cr3t-seed", "after": "rotated-1"}
    # The first case's update must not be what the second one reads.
    assert second.result == {"before": "s3cr3t-seed", "after": "rotated-2"}
    expected = [("readSecret", "apiKey"), ("updateSecret", "apiKey"), ("readSecret", "apiKey")]
    assert secret_calls(first) == expected
    assert secret_calls(second) == expected
    for call in first.calls:
        assert call.via == "SecretClient" and call.answer is CallAnswer.EMULATED and call.error is None


def test_call_records_never_hold_a_secret_value():
    outcomes = run("secrets-v1-rotate.js", [{"next": "rotated-1"}]) + run("secrets-v2-cache.js", [{"next": "c1"}])
    for outcome in outcomes:
        assert outcome.calls
        text = repr(outcome.calls)
        for value in (*SEED_VALUES, "rotated-1", "planted", "c1"):
            assert value not in text, value


def test_the_secrets_file_is_never_written():
    before = SECRETS.read_text()
    run("secrets-v1-rotate.js", [{"next": "rotated-1"}])
    run("secrets-v2-cache.js", [{"next": "c1"}])
    assert SECRETS.read_text() == before


def test_v1_missing_secret_is_livepersons_secret_error_and_is_reported():
    (outcome,) = run("secrets-v1-missing.js", [{}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert outcome.error_message == "Error: There is no Secret noSuchSecret for this account"
    (call,) = outcome.calls
    assert (call.method, call.target, call.answer) == ("readSecret", "noSuchSecret", CallAnswer.EMULATED)
    assert call.error == "SecretError com.liveperson.faas.secret.not-found: There is no Secret noSuchSecret for this account"


def test_v2_cache_is_used_and_starts_empty_in_every_invocation():
    first, second = run("secrets-v2-cache.js", [{"next": "c1"}, {"next": "c2"}])
    assert first.fault is None and second.fault is None, (first.error_message, second.error_message)
    # readSecret answers from the cache first (secretClient.ts); {useCache: false} goes to the store.
    common = {"cachedAtStart": 0, "before": "seed-client", "cached": "planted", "fresh": "seed-client"}
    assert first.result == {**common, "updated": "c1"}
    assert second.result == {**common, "updated": "c2"}
    assert [m for m, _ in secret_calls(second)] == ["readSecret", "readSecret", "readSecret", "updateSecret", "readSecret"]


def test_v2_has_no_write_secret():
    # Only the doc comment of index.ts names writeSecret; IsecretClient.ts and secretClient.ts have none.
    (outcome,) = run("secrets-v2-write.js", [{}])
    assert outcome.fault is not None and outcome.fault.value == "runtime-exception"
    assert outcome.error_message == "TypeError: secretClient.writeSecret is not a function"
    assert outcome.calls == ()


def test_v2_update_of_a_missing_secret_is_a_toolbelt_error_and_is_reported():
    (outcome,) = run("secrets-v2-missing.js", [{}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert "Updating secret noSuchSecret failed: Secret not found!" in (outcome.error_message or "")
    (call,) = outcome.calls
    assert call.method == "updateSecret" and call.target == "noSuchSecret"
    assert call.error and call.error.startswith("ToolBeltError com.liveperson.faas.secret.op-failed:")


@pytest.mark.parametrize("mode", ["5xx", "refused", "timeout"])
def test_secrets_are_not_faulted_by_http_faults(mode):
    # The issue 17 design: allow-list refusals, secrets and the Context Service are not faulted.
    with load_handler(str(LAMBDAS / "secrets-v1-rotate.js"), timeout_ms=20000, secrets_file=str(SECRETS)) as handler:
        outcome = handler.invoke(EVENT, {"headers": [], "payload": {"next": "n"}}, faults=mode)
    assert outcome.fault is None, outcome.error_message
    assert outcome.result == {"before": "s3cr3t-seed", "after": "n"}
    assert {c.answer for c in outcome.calls} == {CallAnswer.EMULATED}


def test_a_rejection_the_lambda_leaves_unhandled_stays_unhandled():
    # Reporting the call must not attach a handler to the promise the lambda gets: on the platform
    # an unhandled rejection fails the invocation, so it must here too.
    (outcome,) = run("secrets-v2-unawaited.js", [{}])
    assert outcome.fault is not None and outcome.fault.value == "custom-failure"
    assert outcome.error_message == "Error: There is no secret noSuchSecret for this account"
    assert outcome.calls[0].error and "secret.not-found" in outcome.calls[0].error


CACHE_PROBE = r"""
const [invocationPath, secretsPath] = process.argv.slice(2);
const invocation = require(invocationPath);
let running; // the invocation whose async context is running (the runner's AsyncLocalStorage store)
invocation.setStoreGetter(() => running);
const secrets = require(secretsPath);
const cache = secrets.createSecretCacheV2();
const later = () => new Promise((resolve) => setTimeout(resolve, 30));
const newInvocation = () => ({ calls: [], recorded: [], done: false });
(async () => {
  const out = {};
  cache.setDefaultTtl(1); // top-level code: SecretClient({cache: {ttl: 1}})
  running = newInvocation();
  cache.set('a', { key: 'a', value: '1' });
  cache.set('b', { key: 'b', value: '2' }, 60000);
  await later();
  out.first = { a: cache.has('a'), b: cache.has('b'), size: cache.size() };
  cache.setDefaultTtl(60000); // inside an invocation: that invocation only
  running = newInvocation();
  out.secondStartSize = cache.size();
  cache.set('c', { key: 'c', value: '3' });
  await later();
  out.second = { c: cache.has('c') };
  process.stdout.write(JSON.stringify(out));
})();
"""


def test_v2_cache_ttl_from_top_level_code_holds_in_every_invocation(tmp_path):
    # secretCache.ts: an entry expires after its ttl (else the default); secretClient.ts: a client made
    # with {cache: {ttl}} sets the default. Decided here: entries live per invocation; the default set by
    # the top-level code holds in every invocation, one set inside an invocation in that one only.
    script = tmp_path / "probe.js"
    script.write_text(CACHE_PROBE)
    proc = subprocess.run(
        [find_node(), str(script), str(NODE_DIR / "invocation.js"), str(NODE_DIR / "toolbelt" / "secrets.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "first": {"a": False, "b": True, "size": 1},  # the expired entry is dropped when met
        "secondStartSize": 0,
        "second": {"c": False},  # the 1 ms default of the top-level code, not the first invocation's
    }


@pytest.mark.parametrize("name", ["secrets-v1-missing.js", "secrets-v1-rotate.js", "secrets-v2-cache.js"])
def test_without_any_secrets_file_a_read_cannot_be_answered_so_the_case_is_not_judged(name):
    # The account's real store surely holds what the lambda reads; with no secrets file we know none of
    # it: the read is a missing fixture (could not check), never the platform's not-found (a finding).
    with load_handler(str(LAMBDAS / name), timeout_ms=20000) as handler:
        outcome = handler.invoke(EVENT, {"headers": [], "payload": {"next": "x"}})
    (missing, *_) = outcome.missing_fixtures
    assert (missing.kind, missing.via, missing.method, missing.answer) == (
        "secret",
        "SecretClient",
        "readSecret",
        CallAnswer.NO_FIXTURE,
    )
    assert "no secrets file was given" in (missing.error or "") and "--secrets" in missing.error
