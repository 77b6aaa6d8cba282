"""The fixtures file (issue 17): what answers a lambda's external calls, and what ``--record`` writes.

``load_fixtures(path)`` reads a YAML or JSON fixtures file, validates it against
``fixtures.schema.json`` (shipped beside this module), checks every ``url_pattern`` (a JavaScript
RegExp source) and returns a frozen :class:`Fixtures` whose ``document`` is the normalized dict the
Node runner receives in its load message. Any problem is one line of bad input (exit 2):
``fixtures file invalid: path=F at=/http/2/request: <why>; fix the entry``.

Normalized (decided here, the shared design of issue 17): ``version``, ``http``, ``toolbelt`` and
``context.namespaces`` always present; every entry has a ``name`` (``http[i]`` / ``toolbelt[i]`` when
the file gives none); request methods upper-case; header names lower-case and header values text;
URLs, patterns, bodies and answers kept as written; absent optional keys stay absent.

:func:`redact` is the one redaction of secrets and tokens (the recorded file, call targets in reports);
:func:`write_recorded` turns ``--record`` exchanges into a fixtures file that replays them.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core import platform
from ..core.errors import InputFileError, UsageError
from ..core.files import atomic_write
from ..core.outcome import FAULT_MODES
from ..core.redact import (
    REDACTED,
    redact,
    redact_headers,
    redact_text,
    redact_url,
    secret_header,
    secret_name,
    secret_values,
)

__all__ = [
    "FAULT_MODES",
    "REDACTED",
    "Fixtures",
    "FixturesError",
    "fixtures_from_document",
    "load_fixtures",
    "parse_fault_modes",
    "pattern_problem",
    "redact",
    "redact_headers",
    "redact_url",
    "secret_header",
    "secret_name",
    "secret_values",
    "write_recorded",
]

SCHEMA_FILE = Path(__file__).with_name("fixtures.schema.json")


class FixturesError(InputFileError):
    """The fixtures file cannot be read or is not a valid fixtures file (exit 2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fixtures:
    """A loaded fixtures file: ``document`` (normalized, for the runner) and ``raw`` (as written)."""

    path: Path
    document: Mapping[str, Any]
    raw: Mapping[str, Any]

    def warnings(self, allow_domains: Sequence[str] = ()) -> tuple[str, ...]:
        """One line per http fixture that can never answer: its host is not allow-listed, so the
        emulated platform proxy refuses the request before any fixture is consulted (as the platform
        does). LivePerson's own domains are always allowed (core/platform.json liveperson_domains)."""
        out = []
        for i, entry in enumerate(self.document["http"]):
            host = _fixture_host(entry["request"])
            if host is not None and not domain_allowed(host, allow_domains):
                out.append(
                    f"fixture never answers: path={self.path} at=/http/{i} name={entry['name']!r} host={host} is not on the "
                    f"domain allow-list (the platform proxy refuses it first); add --allow-domain {host} or drop the fixture"
                )
        return tuple(out)


def domain_allowed(host: str, allow_domains: Sequence[str]) -> bool:
    """The emulated proxy's rule (handlers/node/toolbelt/common.js ``domainAllowed``): exact names, or
    ``*.example.com`` for every sub-domain of example.com (not example.com itself)."""
    host = host.lower().rstrip(".")
    for entry in (*allow_domains, *platform.LIVEPERSON_DOMAINS):
        d = entry.lower().strip()
        if d.startswith("*.") and host.endswith(d[1:]) and len(host) > len(d) - 1:
            return True
        if host == d:
            return True
    return False


def parse_fault_modes(value: str | Sequence[str] | bool | None, *, what: str = "--http-faults") -> tuple[str, ...]:
    """``--http-faults`` / the config file's ``http-faults`` as modes in their fixed order: a comma list
    or a list of ``5xx``, ``refused``, ``timeout``; ``all`` or ``True`` the three; None/False none."""
    if value is None or value is False:
        return ()
    if value is True:
        return FAULT_MODES
    items = value.split(",") if isinstance(value, str) else list(value)
    modes = {str(m).strip().lower() for m in items if str(m).strip()}
    if "all" in modes:
        modes = (modes - {"all"}) | set(FAULT_MODES)
    unknown = sorted(modes - set(FAULT_MODES))
    if unknown or not modes:
        hint = (
            "; it takes an optional value, so put it after the targets or write --http-faults=all"
            if any("/" in m or "." in m for m in unknown)
            else ""
        )
        raise UsageError(
            f"bad {what}: modes={value if isinstance(value, str) else ','.join(map(str, value))}; "
            f"expected a comma list of {', '.join(FAULT_MODES)} (or all){hint}"
        )
    return tuple(m for m in FAULT_MODES if m in modes)


# -- loading ---------------------------------------------------------------------------------------------
def load_fixtures(path: str | Path) -> Fixtures:
    """Read, validate and normalize a fixtures file (YAML, or JSON when the name ends ``.json``).

    Raises :class:`FixturesError` (exit 2) naming the file and the entry at fault.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixturesError(f"fixtures file not found: path={path}; check the path given to --fixtures") from None
    except IsADirectoryError:
        raise FixturesError(f"fixtures file is a folder: path={path}; give --fixtures a YAML or JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixturesError(
            f"cannot read fixtures file: path={path}: {exc}; give --fixtures a readable UTF-8 YAML or JSON file"
        ) from None
    raw = _parse(text, path)
    return fixtures_from_document(raw, path=path)


def fixtures_from_document(raw: Any, *, path: Path) -> Fixtures:
    """Validate and normalize an already parsed fixtures document (``path`` names it in errors)."""
    if raw is None:  # an empty file: no fixtures, but still a hermetic run
        raw = {}
    _check_json_types(raw, path, "")
    error = _schema_error(raw)
    if error is not None:
        at, why = error
        raise FixturesError(f"fixtures file invalid: path={path} at={at or '/'}: {why}; fix the entry")
    for i, entry in enumerate(raw.get("http", ())):
        pattern = entry["request"].get("url_pattern")
        if pattern is not None:
            problem = pattern_problem(pattern)
            if problem is not None:
                raise FixturesError(
                    f"fixtures file invalid: path={path} at=/http/{i}/request/url_pattern: {problem}; fix the entry"
                )
    return Fixtures(path=path, document=normalize(raw), raw=raw)


def _parse(text: str, path: Path) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as exc:
            raise FixturesError(f"fixtures file is not valid JSON: path={path}: {exc}; fix it") from None
    import yaml  # YAML is a superset of JSON: any other name is read as YAML

    try:
        # libyaml's loader when PyYAML has it: 3-4x faster on a large recorded file (measured), same safe subset.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line={mark.line + 1} column={mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FixturesError(f"fixtures file is not valid YAML: path={path}{where}: {problem}; fix it") from None


def _check_json_types(value: Any, path: Path, at: str) -> None:
    """YAML can hold what JSON cannot (dates, non-text keys): refused, naming where, before the schema."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FixturesError(
                    f"fixtures file invalid: path={path} at={at or '/'}: key {key!r} is not text (quote it); fix the entry"
                )
            _check_json_types(item, path, f"{at}/{_escape(key)}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_types(item, path, f"{at}/{i}")
    elif not (value is None or isinstance(value, (str, bool, int, float))):
        raise FixturesError(
            f"fixtures file invalid: path={path} at={at or '/'}: a {type(value).__name__} value, not JSON (quote it); fix the entry"
        )


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@functools.lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# Exactly-one-of groups of the schema, said the way the design doc says them.
_ONE_OF = {
    ("response", "fault"): "exactly one of response / fault",
    ("url", "url_pattern"): "exactly one of url / url_pattern",
    ("returns", "throws", "response"): "exactly one of returns / throws / response",
}


def _schema_error(doc: Any) -> tuple[str, str] | None:
    """The most specific schema error as (JSON pointer, reason), or None."""
    errors = list(_validator().iter_errors(doc))
    if not errors:
        return None
    # The deepest error first (the entry's own problem, not "not valid under any of"), then jsonschema's relevance.
    # At one depth an unknown key (a typo) explains more than "exactly one of" does.
    best = min(errors, key=lambda e: (-len(e.absolute_path), e.validator != "additionalProperties", e.validator == "oneOf"))
    at = "".join(f"/{_escape(str(p))}" for p in best.absolute_path)
    if best.validator == "oneOf" and isinstance(best.instance, dict):
        keys = tuple(k for branch in best.validator_value for k in branch.get("required", ()))
        given = [k for k in keys if k in best.instance]
        said = _ONE_OF.get(keys, "exactly one of " + " / ".join(keys))
        return at, f"{said} is required, got {' and '.join(given) if given else 'none'}"
    if best.validator == "enum" and best.absolute_path and best.absolute_path[-1] == "call":
        # A call no client makes would never answer: refused, never silently unused.
        return (
            at,
            f'call={best.instance!r} is not a toolbelt call that needs a fixture: expected "<Client>.<method>", '
            f"one of {', '.join(best.validator_value)}",
        )
    if best.validator == "additionalProperties":
        allowed = sorted(best.schema.get("properties", {}))
        extra = sorted(set(best.instance) - set(allowed)) if isinstance(best.instance, dict) else []
        return at, f"unknown key {', '.join(map(repr, extra))}; known keys: {', '.join(allowed)}"
    return at, best.message


# Python-only regex syntax that JavaScript refuses or reads otherwise (outside escapes and classes):
# named groups/back-references (?P, comments (?#, atomic groups (?>, conditionals (?(, inline flags,
# possessive quantifiers. ECMA-only syntax Python cannot reproduce is core.ecma's to refuse.
_PYTHON_ONLY = (
    (re.compile(r"\(\?P"), "a Python named group (?P...): JavaScript writes (?<name>...)"),
    (re.compile(r"\(\?#"), "a Python comment group (?#...)"),
    (re.compile(r"\(\?>"), "an atomic group (?>...), which JavaScript does not have"),
    (re.compile(r"\(\?\("), "a conditional group (?(...)...), which JavaScript does not have"),
    (re.compile(r"\(\?[aiLmsux]+[-:)]"), "an inline flag group such as (?i), which JavaScript does not have"),
    (re.compile(r"(?:[*+?}])\+"), "a possessive quantifier such as *+, which JavaScript does not have"),
)


def pattern_problem(pattern: str) -> str | None:
    """Why a ``url_pattern`` (a JavaScript RegExp source) cannot be used, or None when it can."""
    from ..core.ecma import EcmaPatternError, compile_ecma_pattern

    bare = _outside_escapes_and_classes(pattern)
    for regex, why in _PYTHON_ONLY:
        if regex.search(bare):
            return f"url_pattern={pattern!r} uses {why}"
    try:
        compile_ecma_pattern(pattern)
    except EcmaPatternError as exc:
        return f"url_pattern={pattern!r} does not compile as a JavaScript RegExp here ({exc.feature})"
    return None


def _outside_escapes_and_classes(pattern: str) -> str:
    """The pattern with escapes and character classes blanked, so syntax checks see only operators."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append("__")
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append("_")
        elif c == "[":
            in_class = True
            out.append("_")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The normalized document (see the module docstring) of a valid fixtures document."""
    doc: dict[str, Any] = {"version": raw.get("version", 1), "http": [], "toolbelt": []}
    for i, entry in enumerate(raw.get("http") or ()):
        e = copy.deepcopy(dict(entry))
        e["name"] = entry.get("name") or f"http[{i}]"
        request = e["request"]
        if "method" in request:
            request["method"] = request["method"].upper()
        if "headers" in request:
            request["headers"] = _headers(request["headers"])
        if "response" in e and "headers" in e["response"]:
            e["response"]["headers"] = _headers(e["response"]["headers"])
        doc["http"].append(_ordered(e, ("name", "request", "response", "fault")))
    for i, entry in enumerate(raw.get("toolbelt") or ()):
        e = copy.deepcopy(dict(entry))
        e["name"] = entry.get("name") or f"toolbelt[{i}]"
        if "response" in e and "headers" in e["response"]:
            e["response"]["headers"] = _headers(e["response"]["headers"])
        doc["toolbelt"].append(_ordered(e, ("name", "call", "args", "returns", "throws", "response")))
    namespaces = (raw.get("context") or {}).get("namespaces") or {}
    doc["context"] = {"namespaces": copy.deepcopy(dict(namespaces))}
    return doc


def _headers(headers: Mapping[str, Any]) -> dict[str, str]:
    def text(v: Any) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return {k.lower(): text(v) for k, v in headers.items()}


def _ordered(entry: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    return {k: entry[k] for k in (*order, *sorted(set(entry) - set(order))) if k in entry}


def _fixture_host(request: Mapping[str, Any]) -> str | None:
    """The host an http fixture's request names, when it can be told (a url, or a pattern whose
    start is a literal ``^https?://host``); None otherwise."""
    if "url" in request:
        return urlsplit(request["url"]).hostname
    m = _LITERAL_HOST.match(request["url_pattern"])
    return m.group(1).replace("\\.", ".").lower() if m else None


# ^https://api\.example\.com/ (slashes escaped or not, "s" optional): the literal host, when what
# follows it ends the host for sure.
_LITERAL_HOST = re.compile(r"\^https\??:(?:\\?/){2}((?:[A-Za-z0-9-]|\\\.)+)(?=\\?/|:|\$|\\\?|$)")


# -- redaction: core/redact.py (re-exported: the recorder's and the reports' one rule) -------------------
# -- --record --------------------------------------------------------------------------------------------
def known_secrets(secrets_file: str | Path | None, env: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """What must never be shown or written: the secrets file's entries, and the values of environment
    variables whose names look secret (``MAIL_API_TOKEN``); pass it to ``secret_values``."""
    from .settings import read_secrets

    secrets: dict[str, Any] = dict(read_secrets(Path(secrets_file))) if secrets_file else {}
    secrets.update({f"env:{k}": v for k, v in env if secret_name(k)})
    return secrets


def write_recorded(
    path: str | Path,
    exchanges: Iterable[Mapping[str, Any]],
    *,
    secrets: Mapping[str, Any] | Iterable[str] | None,
    existing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``--record``'s exchanges (``{request: {method, url, headers, body}, response: {status,
    headers, body}}``, handlers/node/invocation.js) as a fixtures file and return its document.

    One http fixture per distinct (method, URL, body) after redaction, sorted by URL, method and body;
    ``existing`` (a fixtures document as written) first, and an exchange its fixtures already match
    exactly is not added again. YAML when ``path`` ends .yaml/.yml, else JSON; written atomically.
    Secrets never reach the file: secret headers, query values and JSON keys (:func:`redact`) and
    every known secret value (``secrets``: the secrets file's mapping) become ``<redacted>``; a
    matcher whose URL was redacted becomes a ``url_pattern`` accepting any value there, and redacted
    keys leave the body matcher (a subset still matches), so the file replays without a special rule.
    """
    path = Path(path)
    hidden = secret_values(secrets)
    doc: dict[str, Any] = {"version": 1, **copy.deepcopy(dict(existing or {}))}
    http = list(doc.get("http") or [])
    seen = {_key(e.get("request", {})) for e in http}
    recorded: dict[str, dict[str, Any]] = {}
    for exchange in exchanges:
        entry = _recorded_entry(exchange, hidden)
        key = _key(entry["request"])
        if key not in seen and key not in recorded:
            recorded[key] = entry
    names: dict[str, int] = {}
    for entry in sorted(recorded.values(), key=_order):
        count = names[entry["name"]] = names.get(entry["name"], 0) + 1
        if count > 1:
            entry["name"] = f"{entry['name']} ({count})"
        http.append(entry)
    doc["http"] = http
    fixtures_from_document(json.loads(json.dumps(doc)), path=path)  # what we write must load
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    else:
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text)
    return doc


def _key(request: Mapping[str, Any]) -> str:
    return json.dumps(
        [request.get("method"), request.get("url"), request.get("url_pattern"), request.get("body")], sort_keys=True
    )


def _order(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    request = entry["request"]
    url = request.get("url") or request.get("url_pattern", "")
    return url.lstrip("^").replace("\\", ""), request.get("method", ""), json.dumps(request.get("body"), sort_keys=True)


def _recorded_entry(exchange: Mapping[str, Any], hidden: Sequence[str]) -> dict[str, Any]:
    req, res = exchange.get("request") or {}, exchange.get("response") or {}
    method = str(req.get("method") or "GET").upper()
    url = str(req["url"])
    request: dict[str, Any] = {"method": method}
    safe_url = redact_url(url, hidden)
    if REDACTED in safe_url:
        request["url_pattern"] = _pattern_for(safe_url)
    else:
        request["url"] = safe_url
    body = _json_or_text(req.get("body"), (req.get("headers") or {}))
    if body is not None:
        matcher = _body_matcher(body, hidden)
        if matcher is not _DROP:
            request["body"] = matcher
    response: dict[str, Any] = {"status": int(res.get("status") or 200)}
    headers = _response_headers(res.get("headers") or {}, hidden)
    if headers:
        response["headers"] = headers
    res_body = _answer_body(res.get("body"), res.get("headers") or {}, hidden)
    if res_body is not None:
        response["body"] = res_body
    where = urlsplit(safe_url)
    name = f"recorded: {method} {where.hostname or ''}{where.path or '/'}"
    return {"name": name, "request": request, "response": response}


def _pattern_for(url: str) -> str:
    """A JS RegExp source matching ``url`` with any value where it says ``<redacted>``: in the path any
    text up to the query (a secret may hold ``/``, as webhook tokens do), in the query up to the next
    parameter."""
    path, mark, query = url.partition("?")

    def part(text: str, anything: str) -> str:
        return anything.join(_js_escape(p) for p in text.split(REDACTED))

    return "^" + part(path, "[^?#]*") + (re.escape("?") if mark else "") + part(query, "[^&#]*") + "$"


def _js_escape(text: str) -> str:
    # SyntaxCharacter and "/" only: the escapes valid with and without the u flag (ECMA-262 IdentityEscape).
    return re.sub(r"[\\^$.*+?()[\]{}|/]", lambda m: "\\" + m.group(0), text)


def _answer_body(body: Any, headers: Mapping[str, Any], hidden: Sequence[str]) -> Any:
    """A recorded answer's body, redacted, such that a replay sends the lambda the bytes it got: the
    runner sends JSON text as it was (as text) unless its value re-serializes to the very same bytes
    (http_fixtures.js recordedBody). Text stays text unless redaction must change a value inside it."""
    if not isinstance(body, str):
        return redact(body, hidden)
    value = _json_or_text(body, headers)
    if not isinstance(value, str) and redact(value, hidden) != value:
        return redact(value, hidden)  # a secret inside: its bytes change anyway
    return redact(body, hidden) if body else None


def _json_or_text(body: Any, headers: Mapping[str, Any]) -> Any:
    """A body as the matcher and the answer hold it: JSON text becomes its value (a JSON content
    type, or text that starts like an object or array and parses), other text stays text."""
    if body is None or body == "":
        return None
    if not isinstance(body, str):
        return body
    ctype = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    if "json" in ctype.lower() or body.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(body)
        except ValueError:
            pass
    return body


def _body_matcher(body: Any, hidden: Sequence[str]) -> Any:
    """The recorded request body as a matcher: objects lose their redacted keys (the CONTAINS rule
    still matches the real body); a text or an array that held a secret is no matcher at all."""
    if isinstance(body, Mapping):
        out = {}
        for k, v in body.items():
            if secret_name(str(k)) and v not in (None, ""):
                continue
            m = _body_matcher(v, hidden)
            if m is _DROP:
                continue
            out[k] = m
        return out
    if isinstance(body, list):
        items = [_body_matcher(v, hidden) for v in body]
        return _DROP if any(i is _DROP for i in items) or redact(body, hidden) != body else items
    if isinstance(body, str) and redact_text(body, hidden) != body:
        return _DROP
    return body


class _Drop:
    pass


_DROP: Any = _Drop()


def _response_headers(headers: Mapping[str, Any], hidden: Sequence[str]) -> dict[str, Any]:
    """The answer's headers worth replaying: content-type and the lambda-visible ones, redacted;
    hop-by-hop and length headers left out (the replayed body sets them)."""
    dropped = {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "content-encoding"}
    out = redact_headers({k: v for k, v in headers.items() if k.lower() not in dropped}, hidden)
    return {k: (", ".join(v) if isinstance(v, list) else v) for k, v in sorted(out.items())}
