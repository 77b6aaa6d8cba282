"""core/redact.py: the one redaction of secrets and tokens (recorded fixtures files, call targets in reports)."""

from __future__ import annotations

import pytest

from lpf_contract.core.redact import (
    REDACTED,
    redact,
    redact_headers,
    redact_url,
    secret_header,
    secret_name,
    secret_values,
)
from tests.conftest import FIXTURES, load_json

SECRETS = load_json(FIXTURES / "fixtures_file" / "secrets.json")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("access_token", True),
        ("accessToken", True),
        ("api_key", True),
        ("apikey", True),
        ("apiKey", True),
        ("key", True),
        ("client_secret", True),
        ("password", True),
        ("auth", True),
        ("X-Signature", True),
        ("keyword", False),
        ("author", False),
        ("monkey", False),
        ("to", False),
        ("tokenizer_version", False),
    ],
)
def test_secret_names(name, secret):
    assert secret_name(name) is secret


def test_secret_headers():
    for name in (
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "Set-Cookie",
        "X-API-Key",
        "api-key",
        "X-Auth-Token",
        "x-secret",
    ):
        assert secret_header(name), name
    for name in ("content-type", "accept", "x-request-id", "keep-alive"):
        assert not secret_header(name), name


def test_secret_values_ignore_short_ones_and_search_longest_first():
    assert secret_values({"a": "ab", "b": "abcd", "c": {"d": "abcdef"}, "e": 12345}) == ("abcdef", "abcd")


def test_redact_url_keeps_everything_else_byte_for_byte():
    url = "https://u:p@api.x.example/v1/bot-sk-live-abcdef/send?a=1&api_key=SEC%20RET&q=a,b&token=&x=sk-live-abcdef"
    got = redact_url(url, secret_values(SECRETS))
    assert got == f"https://{REDACTED}@api.x.example/v1/bot-{REDACTED}/send?a=1&api_key={REDACTED}&q=a,b&token=&x={REDACTED}"


def test_redact_url_finds_url_encoded_secret_values():
    assert redact_url("https://a.example/?q=s%20e%20c%21", ["s e c!"]) == f"https://a.example/?q={REDACTED}"


def test_redact_headers_and_bodies():
    hidden = secret_values(SECRETS)
    headers = redact_headers({"Authorization": "Bearer x", "X-Note": "sk-live-abcdef", "Accept": "*/*"}, hidden)
    assert headers == {"authorization": REDACTED, "x-note": REDACTED, "accept": "*/*"}
    body = redact({"user": {"password": "p", "name": "n"}, "items": [{"apiKey": "k"}], "text": "a sk-live-abcdef b"}, hidden)
    assert body == {"user": {"password": REDACTED, "name": "n"}, "items": [{"apiKey": REDACTED}], "text": f"a {REDACTED} b"}
