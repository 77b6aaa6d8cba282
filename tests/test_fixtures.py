"""handlers/fixtures.py: the fixtures file (schema, normalization, errors), redaction, write_recorded."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from lpf_contract.core.errors import InputFileError
from lpf_contract.handlers import provision
from lpf_contract.handlers.fixtures import (
    REDACTED,
    SCHEMA_FILE,
    FixturesError,
    fixtures_from_document,
    load_fixtures,
    pattern_problem,
    write_recorded,
)
from tests.conftest import FIXTURES, load_json

NODE_DIR = Path(SCHEMA_FILE).parent / "node"


def _node(script: str, arg: object) -> object:
    """Run ``script`` on the V2 platform Node with ``arg`` as JSON in process.argv[1]; its JSON output."""
    node = provision.node_binary(provision.node_build("v2"))
    out = subprocess.run([str(node), "-e", script, json.dumps(arg)], capture_output=True, text=True, check=True, cwd=NODE_DIR)
    return json.loads(out.stdout)


def first_match(doc, *, method: str, url: str, headers=None, body=None):
    """The http fixture the runner's own matcher (http_fixtures.js ``matches``) picks for a request:
    the file's answer at replay, not a copy of the rule."""
    script = (
        "const { matches } = require('./http_fixtures.js'); const [doc, req] = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(doc.http.findIndex((e) => matches(e, req))));"
    )
    # The runner sees the body as the text sent (a recorded exchange may hold it parsed).
    text = body if body is None or isinstance(body, str) else json.dumps(body)
    req = {"method": method.upper(), "url": url, "headers": {k.lower(): v for k, v in (headers or {}).items()}, "body": text}
    index = _node(script, [doc, req])
    return doc["http"][index] if index >= 0 else None


def contains(expected, actual) -> bool:
    """The runner's CONTAINS rule (match.js ``contains(actual, expected)``)."""
    return _node(
        "const [a, e] = JSON.parse(process.argv[1]); console.log(JSON.stringify(require('./match.js').contains(a, e)));",
        [actual, expected],
    )


DATA = FIXTURES / "fixtures_file"
SECRETS = load_json(DATA / "secrets.json")
EXCHANGES = load_json(DATA / "exchanges.json")


# -- loading and normalizing ------------------------------------------------------------------------------
def test_a_full_file_is_normalized():
    doc = load_fixtures(DATA / "mail.yaml").document
    first = doc["http"][0]
    assert first["name"] == "mail ok"
    assert first["request"]["method"] == "POST"  # written "post"
    assert first["request"]["headers"] == {"x-api-version": "3"}  # names lower-case, values text
    assert first["response"]["headers"] == {"content-type": "application/json"}
    assert first["request"]["url"] == "https://api.mail.example/v3/send"  # kept as written
    assert [e["name"] for e in doc["http"][1:]] == ["http[1]", "http[2]"]
    assert doc["http"][1] == {"name": "http[1]", "request": {"url_pattern": r"^https://api\.crm\.example/"}, "fault": "timeout"}
    assert [e["name"] for e in doc["toolbelt"]] == ["conversation", "toolbelt[1]", "toolbelt[2]"]
    assert doc["toolbelt"][2]["throws"] == {"message": "boom", "code": 500}
    assert doc["context"]["namespaces"]["myNamespace"]["sessions"]["__default__"] == {"key": "value"}
    json.dumps(doc)  # the runner's load message is JSON


def test_an_empty_file_is_an_empty_but_complete_document():
    doc = load_fixtures(DATA / "empty.yaml").document
    assert doc == {"version": 1, "http": [], "toolbelt": [], "context": {"namespaces": {}}}


def test_json_and_yaml_give_the_same_document(tmp_path):
    raw = yaml.safe_load((DATA / "mail.yaml").read_text())
    as_json = tmp_path / "mail.json"
    as_json.write_text(json.dumps(raw))
    assert load_fixtures(as_json).document == load_fixtures(DATA / "mail.yaml").document


def test_the_raw_document_is_kept_as_written():
    fx = load_fixtures(DATA / "mail.yaml")
    assert "name" not in fx.raw["http"][1]
    assert fx.raw["http"][0]["request"]["method"] == "post"


@pytest.mark.parametrize(
    ("name", "at", "why"),
    [
        ("both_answers.json", "at=/http/1:", "exactly one of response / fault is required, got response and fault"),
        ("bad_pattern.yaml", "at=/http/0/request/url_pattern:", "Python named group"),
        ("date_value.yaml", "at=/toolbelt/0/returns/when:", "a date value, not JSON"),
        ("unknown_key.yaml", "at=/http/0:", "unknown key 'respons'"),
    ],
)
def test_an_invalid_entry_is_named(name, at, why):
    with pytest.raises(FixturesError) as exc:
        load_fixtures(DATA / name)
    message = str(exc.value)
    assert message.startswith(f"fixtures file invalid: path={DATA / name} {at}")
    assert why in message
    assert message.endswith("; fix the entry")
    assert "\n" not in message
    assert isinstance(exc.value, InputFileError)  # exit 2


def test_broken_yaml_and_a_missing_file_are_bad_input():
    with pytest.raises(FixturesError, match=r"not valid YAML: path=.*bad_yaml.yaml line=3"):
        load_fixtures(DATA / "bad_yaml.yaml")
    with pytest.raises(FixturesError, match="fixtures file not found"):
        load_fixtures(DATA / "nope.yaml")


@pytest.mark.parametrize(
    ("doc", "at", "why"),
    [
        (
            {"http": [{"request": {"url": "https://a.example/"}}]},
            "/http/0",
            "exactly one of response / fault is required, got none",
        ),
        ({"http": [{"request": {}, "fault": "refused"}]}, "/http/0/request", "exactly one of url / url_pattern"),
        ({"http": [{"request": {"url": "ftp://a/"}, "fault": "refused"}]}, "/http/0/request/url", "does not match"),
        ({"http": [{"request": {"url": "https://a/"}, "fault": "down"}]}, "/http/0/fault", "is not one of"),
        ({"http": [{"request": {"url": "https://a/"}, "response": {"status": "200"}}]}, "/http/0/response/status", "not of type"),
        ({"toolbelt": [{"call": "LpClient"}]}, "/toolbelt/0", "exactly one of returns / throws / response is required, got none"),
        ({"toolbelt": [{"call": "LpClient", "returns": 1, "throws": {"message": "x"}}]}, "/toolbelt/0", "got returns and throws"),
        ({"toolbelt": [{"call": "conversationUtil", "returns": 1}]}, "/toolbelt/0/call", '"<Client>.<method>"'),
        ({"toolbelt": [{"call": "LpClient", "throws": {}}]}, "/toolbelt/0/throws", "'message' is a required property"),
        ({"context": {"namespaces": {"n": {"ttl": -1}}}}, "/context/namespaces/n/ttl", "less than the minimum"),
        ({"version": 2}, "/version", "1 was expected"),
        ({"http": {}}, "/http", "not of type 'array'"),
        ([], "/", "not of type 'object'"),
    ],
)
def test_schema_errors_point_at_the_entry(doc, at, why):
    with pytest.raises(FixturesError) as exc:
        fixtures_from_document(doc, path=Path("f.yaml"))
    assert f"path=f.yaml at={at}: " in str(exc.value)
    assert why in str(exc.value)


def test_a_throws_entry_may_carry_more_fields_of_the_error():
    doc = {
        "toolbelt": [
            {"call": "ConversationUtil.getConversationById", "throws": {"message": "m", "component": "c", "statusCode": 503}}
        ]
    }
    assert fixtures_from_document(doc, path=Path("f")).document["toolbelt"][0]["throws"]["statusCode"] == 503


def test_the_shipped_schema_is_valid_and_packaged():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"handlers/fixtures.schema.json"' in pyproject


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"^https://api\.mail\.example/", None),
        (r"^https://a\.example/(?<v>v\d+)/", None),  # JS named groups are fine
        (r"^https://a\.example/[?(]x", None),  # a class, not a group
        (r"^https://a\.example/(?P<v>x)", "Python named group"),
        (r"(?i)^https://a", "inline flag"),
        (r"^https://a\.example/x*+", "possessive"),
        (r"^https://a(", "does not compile"),
        (r"\p{Script=Greek}", "does not compile"),
    ],
)
def test_url_patterns_are_checked(pattern, problem):
    got = pattern_problem(pattern)
    assert (got is None) if problem is None else (problem in got)


# -- allow-list warnings --------------------------------------------------------------------------------
def test_fixtures_for_hosts_off_the_allow_list_are_warned_about():
    fx = load_fixtures(DATA / "mail.yaml")
    warnings = fx.warnings(["api.mail.example"])
    assert [w.split(" at=")[1].split(" ")[0] for w in warnings] == ["/http/1", "/http/2"]
    assert "host=api.crm.example" in warnings[0] and "--allow-domain api.crm.example" in warnings[0]
    assert fx.warnings(["api.mail.example", "*.example"]) == ()  # a wildcard admits sub-domains
    assert len(fx.warnings([])) == 3


def test_liveperson_domains_need_no_allow_listing():
    doc = {"http": [{"request": {"url": "https://va.ac.liveperson.net/x"}, "response": {"status": 200}}]}
    assert fixtures_from_document(doc, path=Path("f")).warnings([]) == ()


def test_a_pattern_whose_host_cannot_be_told_is_not_warned_about():
    doc = {"http": [{"request": {"url_pattern": r"^https://api\.mail\.ex.*"}, "response": {"status": 200}}]}
    assert fixtures_from_document(doc, path=Path("f")).warnings([]) == ()


# -- write_recorded ----------------------------------------------------------------------------------------
def _request_of(exchange):
    req = exchange["request"]
    return {"method": req["method"], "url": req["url"], "headers": req["headers"], "body": req["body"]}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_recorded_file_replays_every_exchange(tmp_path, suffix):
    path = tmp_path / f"recorded{suffix}"
    write_recorded(path, EXCHANGES, secrets=SECRETS)
    doc = load_fixtures(path).document  # what we write loads
    # Each request is answered by the FIRST answer recorded for it (a later identical one is a replay).
    for exchange in (EXCHANGES[0], EXCHANGES[1], EXCHANGES[3]):
        fixture = first_match(doc, **_request_of(exchange))
        assert fixture is not None, exchange["request"]["url"]
        assert fixture["response"]["status"] == exchange["response"]["status"]
    assert first_match(doc, **_request_of(EXCHANGES[2]))["response"]["status"] == 202
    # A different body is another request: not answered by the recorded one.
    other = {**_request_of(EXCHANGES[0]), "body": json.dumps({"to": "z@y.x"})}
    assert first_match(doc, **other) is None


def test_a_recorded_file_holds_no_secret(tmp_path):
    path = tmp_path / "recorded.yaml"
    write_recorded(path, EXCHANGES, secrets=SECRETS)
    text = path.read_text()
    for secret in ("sk-live-abcdef", "K-123456", "hunter22", "tok-999", "tok-1", "sid=1"):
        assert secret not in text, secret
    assert REDACTED in text


def test_recorded_entries_are_named_ordered_and_deduplicated(tmp_path):
    path = tmp_path / "recorded.json"
    doc = write_recorded(path, list(reversed(EXCHANGES)), secrets=SECRETS)
    names = [e["name"] for e in doc["http"]]
    assert names == [
        "recorded: GET api.crm.example/contacts/42",
        "recorded: POST api.mail.example/v3/send",
        "recorded: POST auth.example/oauth/token",
    ]
    # Input order does not change the file (but for which of two identical requests answered first).
    again = write_recorded(tmp_path / "again.json", EXCHANGES, secrets=SECRETS)
    assert [e["request"] for e in again["http"]] == [e["request"] for e in doc["http"]]
    assert json.loads(path.read_text()) == doc


def test_redacted_parts_leave_the_matchers(tmp_path):
    doc = write_recorded(tmp_path / "r.json", EXCHANGES, secrets=SECRETS)
    mail = next(e for e in doc["http"] if "mail" in e["name"])
    assert "url" not in mail["request"]  # its URL held an api_key: a pattern accepting any value there
    assert mail["request"]["url_pattern"].startswith("^https:")
    assert mail["request"]["body"] == {"to": "a@b.c"}  # password and the secret-valued note left out
    assert mail["response"]["body"] == {"id": 7, "access_token": REDACTED, "echo": REDACTED}
    assert "content-length" not in mail["response"]["headers"]
    oauth = next(e for e in doc["http"] if "oauth" in e["name"])
    assert "body" not in oauth["request"]  # a text body holding a secret cannot be matched exactly


def test_existing_fixtures_come_first_and_are_not_recorded_twice(tmp_path):
    existing = {"version": 1, "http": [{"name": "mine", "request": {"url": "https://x.example/"}, "fault": "refused"}]}
    path = tmp_path / "r.yaml"
    first = write_recorded(path, EXCHANGES, secrets=SECRETS, existing=existing)
    assert first["http"][0]["name"] == "mine" and len(first["http"]) == 4
    # Recording again on top of the recorded file adds nothing new.
    second = write_recorded(path, EXCHANGES, secrets=SECRETS, existing=yaml.safe_load(path.read_text()))
    assert second == first


def test_same_name_different_body_gets_a_number(tmp_path):
    base = EXCHANGES[1]
    other = {
        "request": {**base["request"], "method": "GET", "url": "https://api.crm.example/contacts/42?x=1"},
        "response": base["response"],
    }
    doc = write_recorded(tmp_path / "r.json", [base, other], secrets={})
    assert [e["name"] for e in doc["http"]] == [
        "recorded: GET api.crm.example/contacts/42",
        "recorded: GET api.crm.example/contacts/42 (2)",
    ]


def test_nothing_is_written_when_the_result_would_not_load(tmp_path):
    path = tmp_path / "r.json"
    bad = [{"request": {"method": "GET", "url": "ftp://nope/"}, "response": {"status": 200}}]
    with pytest.raises(FixturesError):
        write_recorded(path, bad, secrets={})
    assert not path.exists()


# -- the matching rule ----------------------------------------------------------------------------------
def test_contains_is_a_recursive_subset_for_objects_only():
    assert contains({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3})
    assert not contains({"a": [1]}, {"a": [1, 2]})
    assert not contains({"a": 1}, {"a": True})
    assert not contains(1, True)


def test_a_query_string_matches_in_any_order():
    doc = fixtures_from_document(
        {"http": [{"request": {"method": "get", "url": "https://a.example/p?x=1&y=2"}, "response": {"status": 200}}]},
        path=Path("f"),
    ).document
    assert first_match(doc, method="GET", url="https://a.example/p?y=2&x=1") is not None
    assert first_match(doc, method="POST", url="https://a.example/p?y=2&x=1") is None
    assert first_match(doc, method="GET", url="https://a.example/p?y=2") is None


def test_recorded_url_patterns_mean_the_same_in_javascript(tmp_path):
    """The runner tests url_pattern with JavaScript's RegExp (no flags): the patterns the recorder writes
    must match the URL they came from there, with any value where a secret was, and nothing else."""
    import subprocess

    from lpf_contract.handlers import provision

    node = provision.node_binary(provision.node_build("v2"))
    urls = [
        "https://api.mail.example/v3/send?api_key=K-123456&v=3",
        "https://a.example/bot-sk-live-abcdef/x.json?q=(a|b)+[c]&token=t{1}",
        "https://u:p@a.example:8443/p$?x=1",
    ]
    doc = write_recorded(
        tmp_path / "r.json",
        [{"request": {"method": "GET", "url": u}, "response": {"status": 200}} for u in urls],
        secrets=SECRETS,
    )
    patterns = {e["request"]["url_pattern"] for e in doc["http"]}
    assert len(patterns) == 3
    probes = [*urls, *(u.replace("K-123456", "other").replace("sk-live-abcdef", "zz").replace("u:p@", "v:q@") for u in urls)]
    wrong = [u.replace("a.example", "b.example").replace("/v3/", "/v4/") for u in urls]
    script = "const [ps, us] = JSON.parse(process.argv[1]); console.log(JSON.stringify(us.map((u) => ps.some((p) => new RegExp(p).test(u)))));"
    out = subprocess.run(
        [str(node), "-e", script, json.dumps([sorted(patterns), probes + wrong])], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [True] * len(probes) + [False] * len(wrong)


def test_a_recorded_text_answer_stays_the_bytes_the_lambda_got(tmp_path):
    # The runner sends an answer as JSON text when re-serializing its value would change its bytes
    # (http_fixtures.js recordedBody); the file keeps that text, unless a secret inside must go.
    pretty = '{"id": "m-1", "queued": true}'
    token = '{"access_token": "abc123", "n": 1}'
    exchanges = [
        {"request": {"method": "GET", "url": f"https://api.x.example/{i}", "headers": {}, "body": None},
         "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body}}
        for i, body in enumerate((pretty, token))
    ]  # fmt: skip
    write_recorded(tmp_path / "r.json", exchanges, secrets={})
    doc = load_fixtures(tmp_path / "r.json").document
    bodies = {f["request"]["url"]: f["response"]["body"] for f in doc["http"]}
    assert bodies["https://api.x.example/0"] == pretty
    assert bodies["https://api.x.example/1"] == {"access_token": "<redacted>", "n": 1}


def test_a_redacted_path_secret_holding_slashes_still_replays(tmp_path):
    # Webhook tokens hold "/": the recorded pattern accepts any text in the path, one value in the query.
    exchanges = [
        {"request": {"method": "POST", "url": "https://hooks.example/services/T01/B02/sec?key=sec&x=1", "headers": {}, "body": None},
         "response": {"status": 200, "headers": {}, "body": "ok"}}
    ]  # fmt: skip
    write_recorded(tmp_path / "r.json", exchanges, secrets={"hook": "T01/B02/sec"})
    doc = load_fixtures(tmp_path / "r.json").document
    assert "T01" not in json.dumps(doc)
    assert first_match(doc, method="POST", url="https://hooks.example/services/T01/B02/sec?key=sec&x=1") is not None
    assert first_match(doc, method="POST", url="https://hooks.example/services/a?key=b&c&x=1") is None


def test_the_toolbelt_calls_the_schema_accepts_are_the_ones_the_clients_answer():
    # The schema's enum (a typo is refused at once, never a fixture that silently cannot match) and the
    # clients' own cases (tests/fixtures/lambdas/toolbelt/client-cases.yaml: every client answers from
    # its fixtures there) name the same calls: a client added without its enum entry fails here.
    schema = json.loads(SCHEMA_FILE.read_text())
    enum = set(schema["$defs"]["toolbeltFixture"]["properties"]["call"]["enum"])
    cases = (FIXTURES / "lambdas" / "toolbelt" / "client-cases.yaml").read_text()
    assert set(re.findall(r"\bcall: ([A-Za-z]+(?:\.[A-Za-z]+)?)", cases)) == enum
