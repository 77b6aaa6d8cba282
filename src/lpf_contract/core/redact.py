"""Redaction of secrets and tokens (issue 17): the one rule for what ``verify --record`` writes and for
the call targets reports show. In core so every layer can apply it (reports may not import handlers).

``<redacted>`` replaces: the values of secret headers (Authorization, Cookie, Set-Cookie, X-Api-Key, and
names holding token/secret/key), of query parameters and JSON keys named like token, password, api_key,
access_token, client_secret, signature..., and every known secret value (the secrets file's, settings.json's)
wherever it appears in a URL, a header or a body. Decided here: LivePerson publishes no such rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

REDACTED = "<redacted>"
# A secret value shorter than this is not searched for in text: a secret "1" would redact every digit
# (decided here).
MIN_SECRET_CHARS = 4


# Header names always secret (RFC 9110 Authorization/Proxy-Authorization, RFC 6265 Cookie/Set-Cookie,
# the common API-key headers), and header names holding these words (decided here).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})
SECRET_HEADER_PARTS = ("token", "secret", "key")
# Query parameters and JSON body keys: a name is secret when one of its words (split at - _ . and
# camelCase) is one of these, or the whole name (lower-case, without separators) is (decided here).
SECRET_WORDS = frozenset(
    {"token", "secret", "password", "passwd", "key", "apikey", "auth", "authorization", "signature", "sig", "credentials"}
)
SECRET_NAMES = frozenset({"apikey", "accesstoken", "refreshtoken", "idtoken", "clientsecret", "privatekey", "sessionid"})


def secret_name(name: str) -> bool:
    """Whether a query parameter or JSON key looks like it holds a secret (``access_token``, ``apiKey``...)."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)
    lowered = {w.lower() for w in words}
    return bool(lowered & SECRET_WORDS) or re.sub(r"[^a-z0-9]", "", name.lower()) in SECRET_NAMES


def secret_header(name: str) -> bool:
    """Whether an HTTP header carries a secret (Authorization, Cookie, X-Api-Key, *token*, *secret*, *key*)."""
    lowered = name.lower()
    return lowered in SECRET_HEADERS or any(part in lowered for part in SECRET_HEADER_PARTS)


def secret_values(secrets: Mapping[str, Any] | Iterable[str] | None) -> tuple[str, ...]:
    """The text values to hide: every string of a secrets mapping (nested ones too), longest first."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, str):
            if len(v) >= MIN_SECRET_CHARS:
                found.add(v)
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple, set, frozenset)):
            for x in v:
                walk(x)

    walk(dict(secrets) if isinstance(secrets, Mapping) else list(secrets or ()))
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


def redact_text(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every known secret value (and its URL-encoded form) replaced by ``<redacted>``."""
    for value in secrets:
        text = text.replace(value, REDACTED)
        encoded = quote(value, safe="")
        if encoded != value:
            text = text.replace(encoded, REDACTED)
    return text


def redact_url(url: str, secrets: Sequence[str] = ()) -> str:
    """A URL with secret-looking query values, a ``user:password@``, and known secret values replaced
    by ``<redacted>``; the rest of the text kept byte for byte (so a pattern made from it still matches
    the URL the lambda sends). Used for the recorded file and for call targets shown in reports."""
    parts = urlsplit(url)
    if parts.query:
        pieces = []
        for piece in parts.query.split("&"):
            name, eq, value = piece.partition("=")
            pieces.append(f"{name}={REDACTED}" if eq and value and secret_name(unquote_plus(name)) else piece)
        parts = parts._replace(query="&".join(pieces))
    if parts.username or parts.password:  # user:password@host
        parts = parts._replace(netloc=REDACTED + "@" + parts.netloc.rpartition("@")[2])
    return redact_text(urlunsplit(parts), secrets)


def redact_headers(headers: Mapping[str, Any] | None, secrets: Sequence[str] = ()) -> dict[str, Any]:
    """Header names lower-case, secret headers' values and known secret values ``<redacted>``."""
    out: dict[str, Any] = {}
    for name, value in (headers or {}).items():
        if secret_header(name):
            out[name.lower()] = REDACTED
        elif isinstance(value, list):
            out[name.lower()] = [redact_text(str(v), secrets) for v in value]
        else:
            out[name.lower()] = redact_text(str(value), secrets)
    return out


def redact(value: Any, secrets: Sequence[str] = ()) -> Any:
    """A JSON value with secret-looking keys' values and known secret values ``<redacted>``
    (a string that holds JSON is redacted inside and kept a string)."""
    if isinstance(value, Mapping):
        return {k: REDACTED if secret_name(str(k)) and v not in (None, "") else redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def redact_call(call: Any, secrets: Sequence[str] = ()) -> Any:
    """A ``core.outcome.ExternalCall`` fit for a report: its URL redacted (``redact_url``) wherever it
    appears (the target, the error text, the suggested fixture), secret-named keys of the suggestion and
    every known secret value ``<redacted>``. The call itself is returned when nothing changes."""
    import dataclasses

    raw = call.target
    target = redact_url(raw, secrets) if call.kind == "http" else redact_text(raw, secrets)

    def text(value: str) -> str:
        return redact_text(value.replace(raw, target) if target != raw else value, secrets)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, Mapping):
            return {k: REDACTED if secret_name(str(k)) and v not in (None, "") else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    changed = {
        "target": target,
        "error": text(call.error) if call.error is not None else None,
        "suggestion": walk(call.suggestion) if call.suggestion is not None else None,
    }
    if all(changed[k] == getattr(call, k) for k in changed):
        return call
    return dataclasses.replace(call, **changed)
