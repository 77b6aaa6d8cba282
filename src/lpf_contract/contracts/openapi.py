"""The invocation API's OpenAPI 3.1 document, generated from the contract registry.

The committed ``contracts/<v>/invocation.openapi.yaml`` is this module's output (``lpf-contract openapi``
writes it, a test checks it has not drifted), and ``lpf-contract serve`` validates requests with the same
envelope schemas, so the document, the server and the contracts cannot disagree.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import ContractError
from .registry import EventSpec, Registry

OPENAPI_VERSION = "3.1.0"
MAX_SAFE_INTEGER = 2**53 - 1

# Paths of the invocation API (platform-facts.md, "The invocation API").
EVENT_INVOKE_PATH = "/api/account/{accountId}/events/{eventId}/invoke"
LAMBDA_INVOKE_PATH = "/api/account/{accountId}/lambdas/{lambdaUuid}/invoke"
IS_IMPLEMENTED_PATH = "/api/account/{accountId}/events/{eventId}/isImplemented"

ACCOUNT_ID_PATTERN = "^[0-9]+$"
LAMBDA_UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# The `v` query parameter: LivePerson's Node client sends v=<apiVersion> (default "1") on V1 requests
# only, never on V2 ones (faas-client-node src/client/baseClient.ts performInvocationV1 / V2,
# src/client/clientConfig.ts apiVersion '1'). Only "1" is accepted: decided here.
API_VERSIONS = ("1",)

# How a gateway picks V1 or V2: the client calls V2 when the account's faasGW domain (from CSDS)
# contains "fninvocations" or "functions" (baseClient.ts isV2Domain), and then sends the header
# LP-EventSource instead of the V1 query v/externalSystem (performInvocationV2).
EVENT_SOURCE_HEADER = "LP-EventSource"

# V1 gateway codes (platform-facts.md, 'Errors').
BADINPUT_CODE = "com.liveperson.faas.es.badinput"
MISSING_LAMBDA_CODE = "com.liveperson.faas.es.missinglambda"
GENERAL_CODE = "com.liveperson.faas.es.general"
# V2 gateway codes, paired with their V1 counterparts by LivePerson's client
# (faas-client-node baseClient.ts mapV2ErrorCodeToV1: evg.invalid -> es.badinput,
# function.not-found -> es.missinglambda, evg.general -> es.general).
V2_BADINPUT_CODE = "com.liveperson.faas.evg.invalid"
V2_NOT_FOUND_CODE = "com.liveperson.faas.function.not-found"
V2_GENERAL_CODE = "com.liveperson.faas.evg.general"
GATEWAY_CODES = {
    "v1": {"badinput": BADINPUT_CODE, "missing": MISSING_LAMBDA_CODE, "general": GENERAL_CODE},
    "v2": {"badinput": V2_BADINPUT_CODE, "missing": V2_NOT_FOUND_CODE, "general": V2_GENERAL_CODE},
}

# The answer to a lambda that called back twice: 200 with the first result (what the platform uses:
# platform-facts.md, 'The handler': anything after the first callback is ignored) and this header.
# RFC 7234 Warning, code 199 "miscellaneous warning": decided here.
WARNING_HEADER = "Warning"
MULTIPLE_RESULTS_WARNING = '199 lpf-contract "multiple-results: the lambda answered more than once; the first result counts"'

# Statuses LivePerson documents for the invocation API beyond 200/400/404/901 (platform-facts.md,
# 'Invocation API corrections'). serve never sends them; clients must expect them from the platform.
_DOC = " (platform-facts.md, 'Invocation API corrections': a documented status)."
DOCUMENTED_STATUSES = {
    "202": "Accepted; no body is documented" + _DOC,
    "401": "Unauthorized: missing or bad Authorization" + _DOC,
    "403": "Forbidden" + _DOC,
    "405": "Method not allowed; serve answers it with Allow" + _DOC,
    "408": "Request timeout" + _DOC,
    "429": "Too many requests" + _DOC,
    "500": "Gateway failure: V1 com.liveperson.faas.es.general, V2 com.liveperson.faas.evg.general" + _DOC,
    "502": "Bad gateway" + _DOC,
    "504": "Gateway timeout" + _DOC,
}

_REF = "#/components/schemas/"
# Draft-07 keywords whose meaning changed in the 2020-12 dialect OpenAPI 3.1 uses: a bundled
# payload schema holding one would mean something else inside the document.
_DRAFT7_ONLY = ("dependencies", "additionalItems", "definitions")


def component_name(registry: Registry, uri: str) -> str:
    """The components/schemas key of a contract schema: its file name without ``.schema.json``."""
    stem = registry.schema_path(uri).name
    for suffix in (".json", ".schema"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem)


def header_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "One invocation header (platform-facts.md, 'The handler': headers: [{key, value}]). "
        "Both fields required and nothing else allowed: decided here.",
        "required": ["key", "value"],
        "additionalProperties": False,
        "properties": {
            "key": {"type": "string", "description": "Header name (platform-facts.md)."},
            "value": {"type": "string", "description": "Header value (platform-facts.md)."},
        },
    }


def envelope_schema(payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The invocation body ``{timestamp?, headers, payload}`` as a ref-free JSON schema.

    ``payload`` is the payload's schema (default: anything, for checking the envelope alone).
    """
    return {
        "type": "object",
        "description": "The invocation body (platform-facts.md, 'The invocation API': {timestamp, headers, payload}). "
        "Only payload is required: headers is optional in LivePerson's client types (faas-client-node "
        "src/types/invocationTypes.ts, headers?: KeyValueDomain[]) and V2 requests often send {payload} alone; "
        "timestamp is added by the client (baseClient.ts doFetch). No other member: decided here.",
        "required": ["payload"],
        "additionalProperties": False,
        "properties": {
            "timestamp": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_SAFE_INTEGER,
                "description": "Invocation time, epoch milliseconds (platform-facts.md). Integer 0..2^53-1: decided here.",
            },
            "headers": {
                "type": "array",
                "items": header_schema(),
                "description": "Invocation headers, usually [] (platform-facts.md); optional (faas-client-node invocationTypes.ts).",
            },
            "payload": dict(payload) if payload is not None else {"description": "The event payload."},
        },
    }


def _check_dialect(schema: Any, where: str) -> None:
    if isinstance(schema, dict):
        for key in _DRAFT7_ONLY:
            if key in schema:
                raise ContractError(
                    f"schema {where} uses draft-07 keyword={key!r}, which OpenAPI 3.1 reads differently; rewrite it"
                )
        if isinstance(schema.get("items"), list):
            raise ContractError(f"schema {where} uses tuple 'items', which OpenAPI 3.1 reads differently; rewrite it")
        for value in schema.values():
            _check_dialect(value, where)
    elif isinstance(schema, list):
        for value in schema:
            _check_dialect(value, where)


def _component(registry: Registry, uri: str) -> dict[str, Any]:
    schema = copy.deepcopy(registry.bundled(uri))
    schema.pop("$schema", None)
    _check_dialect(schema, str(registry.schema_path(uri)))
    return schema


def _error_v1() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "V1 error body (platform-facts.md, 'Errors': {errorCode, errorMsg}, sometimes errorLogs; "
        "faas-client-node src/types/response.ts isV1ErrorBody: errorCode and errorMsg strings).",
        "required": ["errorCode", "errorMsg"],
        "properties": {
            "errorCode": {
                "type": "string",
                "description": "Error code, e.g. com.liveperson.faas.handler.custom-failure or com.liveperson.faas.es.badinput "
                "(platform-facts.md). lpf-contract serve adds lpf-contract.handler.crash, .multiple-results and "
                ".not-serializable for faults the platform has no code for (decided here).",
            },
            "errorMsg": {"type": "string", "description": "Human-readable message (platform-facts.md)."},
            "errorLogs": {
                "type": "array",
                "description": "The lambda's log calls before it failed (platform-facts.md, 'Invocation API corrections': "
                "items {level, message, extras[], timestamp}).",
                "items": {
                    "type": "object",
                    "required": ["level", "message"],
                    "properties": {
                        "level": {
                            "type": "string",
                            "description": "Log level (platform-facts.md); serve sends the console method.",
                        },
                        "message": {"type": "string", "description": "Logged text (platform-facts.md)."},
                        "extras": {
                            "type": "array",
                            "description": "Further logged values (platform-facts.md). serve sends [] (it records one text per call).",
                        },
                        "timestamp": {
                            "type": "integer",
                            "description": "When it was logged, epoch ms (platform-facts.md). serve sends the invocation's "
                            "start time: it records no time per call (decided here).",
                        },
                    },
                },
            },
        },
    }


def _error_v2() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "V2 error body (platform-facts.md, 'Errors': {code, message}).",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": "Error code (faas-client-node baseClient.ts mapV2ErrorCodeToV1): lambda faults "
                "com.customer.faas.function.threw-error, .js-runtime-error, .execution-exceeded and "
                "com.liveperson.faas.function.runtime.limit-reached (the log limit); gateway errors "
                "com.liveperson.faas.evg.invalid, .evg.general, .function.not-found, .self-service.pending. "
                "lpf-contract serve adds lpf-contract.handler.crash and .not-serializable (decided here).",
            },
            "message": {"type": "string", "description": "Human-readable message (platform-facts.md)."},
        },
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_body() -> dict[str, Any]:
    # V1 requests get V1 bodies, V2 requests V2 bodies (how serve tells them apart: serve.py).
    return {"anyOf": [{"$ref": _REF + "ErrorV1"}, {"$ref": _REF + "ErrorV2"}]}


def _error_responses() -> dict[str, Any]:
    out = {
        "400": _json(
            _error_body(),
            "The request breaks the contract: V1 com.liveperson.faas.es.badinput, V2 com.liveperson.faas.evg.invalid "
            "(platform-facts.md, 'Errors'; faas-client-node mapV2ErrorCodeToV1); the message names the JSON pointer (decided here).",
        ),
        "404": _json(
            _error_body(),
            "Unknown event or lambda, or not deployed: V1 com.liveperson.faas.es.missinglambda, V2 "
            "com.liveperson.faas.function.not-found (platform-facts.md: 404 also means not deployed).",
        ),
        "415": _json(_error_body(), "The body is not application/json (decided here)."),
    }
    for status, text in DOCUMENTED_STATUSES.items():
        out[status] = {"description": text} if status == "202" else _json(_error_body(), text)
    # OpenAPI 3.1 response keys are 1XX..5XX or "default", so status 901 can only live under "default".
    out["default"] = _json(
        _error_body(),
        "Status 901: the lambda failed, 'error during lambda execution' (platform-facts.md, 'Errors'), for V1 and V2 "
        "alike (faas-client-node test/unit/client.v2.test.ts answers V2 errors with 901). OpenAPI cannot name status "
        "901, hence 'default'. V1 body for V1 requests, V2 body for V2 requests.",
    )
    return out


def _request_headers() -> list[dict[str, Any]]:
    return _param_refs("Authorization", "X-Request-ID")


def _parameters() -> dict[str, Any]:
    return {
        "accountId": {
            "name": "accountId",
            "in": "path",
            "required": True,
            "description": "The brand's account id (platform-facts.md, 'The invocation API'). Digits only, like the "
            "payload's accountId: decided here. Not cross-checked with payload.accountId: decided here.",
            "schema": {"type": "string", "pattern": ACCOUNT_ID_PATTERN},
        },
        "eventId": {
            "name": "eventId",
            "in": "path",
            "required": True,
            "description": "Any event id (platform-facts.md, 'Events').",
            "schema": {"type": "string", "minLength": 1},
        },
        "lambdaUuid": {
            "name": "lambdaUuid",
            "in": "path",
            "required": True,
            "description": "The lambda's uuid (platform-facts.md, 'The invocation API'). Lower-case UUID text: decided here.",
            "schema": {"type": "string", "pattern": LAMBDA_UUID_PATTERN},
        },
        "v": {
            "name": "v",
            "in": "query",
            "required": False,
            "description": "API version, sent on V1 requests only (faas-client-node baseClient.ts: v=apiVersion, default '1'). "
            "A request with v gets V1 answers; V2 is not chosen by a query but by the gateway's domain and the "
            "LP-EventSource header. Only '1': decided here.",
            "schema": {"type": "string", "enum": list(API_VERSIONS)},
        },
        "externalSystem": {
            "name": "externalSystem",
            "in": "query",
            "required": False,
            "description": "The calling system, V1 (faas-client-node baseClient.ts: lpEventSource || externalSystem || 'unknown').",
            "schema": {"type": "string"},
        },
        "skillId": {
            "name": "skillId",
            "in": "query",
            "required": False,
            "description": "Optional skill id, V1 and V2 (faas-client-node baseClient.ts).",
            "schema": {"type": "string"},
        },
        "userId": {
            "name": "userId",
            "in": "query",
            "required": False,
            "description": "Optional user id of isImplemented (faas-client-node baseClient.ts performGetRequestForIsImplementedV2).",
            "schema": {"type": "string"},
        },
        "LP-EventSource": {
            "name": EVENT_SOURCE_HEADER,
            "in": "header",
            "required": False,
            "description": "The calling system on V2 requests (faas-client-node baseClient.ts performInvocationV2: "
            "lpEventSource || externalSystem || 'Unknown'). lpf-contract serve (--api auto) answers a request carrying "
            "it and no v query the V2 way (decided here, following the client).",
            "schema": {"type": "string"},
        },
        "Authorization": {
            "name": "Authorization",
            "in": "header",
            "required": False,
            "description": "Bearer token of the OAuth2 client-credentials flow, an AppJWT or DPoP token (faas-client-node "
            "baseClient.ts doFetch). Required by the platform; lpf-contract serve accepts any or none (decided here).",
            "schema": {"type": "string"},
        },
        "X-Request-ID": {
            "name": "X-Request-ID",
            "in": "header",
            "required": False,
            "description": "Request id the client sends with every call (faas-client-node baseClient.ts doFetch: a GUID).",
            "schema": {"type": "string"},
        },
    }


def _warning_header() -> dict[str, Any]:
    return {
        WARNING_HEADER: {
            "description": "Present when the lambda answered more than once: " + MULTIPLE_RESULTS_WARNING + " (decided here).",
            "schema": {"type": "string"},
        }
    }


def _param_refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{n}"} for n in names]


def _lambda_result(registry: Registry, events: Sequence[EventSpec]) -> dict[str, Any]:
    """One lambda's answer {uuid, timestamp, result} for lambdas of ``events``."""
    ignored = any(ev.result_policy == "ignored" for ev in events)
    # No result is fine where results are ignored, or where every result schema allows none
    # (x-lpf-no-result allowed: the automatic-messages page, callback() sends the default message).
    optional = ignored or all(registry.no_result_allowed(ev.result_uri) for ev in events)
    if ignored:
        # registry.yaml result_policy ignored: the platform discards the result (developer-center
        # EventSources/post-conversation-survey-legacy.md), so any result, or none, is a valid answer.
        result_ref: dict[str, Any] = {
            "description": "Whatever the lambda returned: the platform ignores it for these events (registry.yaml "
            "result_policy ignored; developer-center EventSources/post-conversation-survey-legacy.md: 'The Survey Bot "
            "will not process any callback payload'). What it may hold: "
            + ", ".join(sorted({component_name(registry, ev.result_uri) for ev in events}))
            + "."
        }
    else:
        result_names = sorted({component_name(registry, ev.result_uri) for ev in events})
        result_ref = (
            {"$ref": _REF + result_names[0]} if len(result_names) == 1 else {"anyOf": [{"$ref": _REF + n} for n in result_names]}
        )
    if ignored:
        why = "result optional: the events' results are ignored, so no result is fine (registry.yaml result_policy)."
    elif optional:
        why = (
            "result optional: the result schema allows no result (x-lpf-no-result allowed; developer-center "
            "automatic-messages page: callback() sends the account's default automatic message)."
        )
    else:
        why = "result required: no result breaks the result contract (seed; decided here)."
    return {
        "type": "object",
        "description": "One lambda's answer (platform-facts.md, 'The invocation API': {uuid, timestamp, result}). " + why,
        "required": ["uuid", "timestamp"] if optional else ["uuid", "timestamp", "result"],
        "properties": {
            "uuid": {"type": "string", "description": "The lambda's uuid (platform-facts.md)."},
            "timestamp": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_SAFE_INTEGER,
                "description": "When it ran, epoch milliseconds (platform-facts.md; integer: decided here).",
            },
            "result": result_ref,
        },
    }


def build_openapi(registry: Registry, version: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the invocation API for one contract version (a plain dict)."""
    v = registry.version(version)
    schemas: dict[str, Any] = {}
    events = sorted(v.events.values(), key=lambda e: e.event_id)
    for ev in events:
        for uri in (ev.payload_uri, ev.result_uri):
            name = component_name(registry, uri)
            if name not in schemas:
                schemas[name] = _component(registry, uri)
    schemas["InvocationHeader"] = header_schema()
    for ev in events:
        envelope = envelope_schema({"$ref": _REF + component_name(registry, ev.payload_uri)})
        envelope["properties"]["headers"]["items"] = {"$ref": _REF + "InvocationHeader"}
        envelope["description"] += f" payload: the {ev.event_id} payload contract."
        schemas[f"Invocation.{ev.event_id}"] = envelope
    any_payload = {"anyOf": [{"$ref": _REF + component_name(registry, e.payload_uri)} for e in events]}
    any_envelope = envelope_schema(any_payload)
    any_envelope["properties"]["headers"]["items"] = {"$ref": _REF + "InvocationHeader"}
    any_envelope["description"] += " payload: the payload contract of the lambda's event."
    schemas["Invocation"] = any_envelope
    schemas["LambdaResult"] = _lambda_result(registry, events)
    # Each event's answers carry that event's result contract (issue 20: events differ in result,
    # policy and whether no result is fine); the shared LambdaResult serves invoke-by-uuid.
    item_of: dict[str, str] = {}
    for ev in events:
        own = _lambda_result(registry, [ev])
        item_of[ev.event_id] = "LambdaResult" if own == schemas["LambdaResult"] else f"LambdaResult.{ev.event_id}"
        if item_of[ev.event_id] != "LambdaResult":
            schemas[item_of[ev.event_id]] = own
    schemas["ErrorV1"] = _error_v1()
    schemas["ErrorV2"] = _error_v2()
    schemas["Implemented"] = {
        "type": "object",
        "description": 'Whether a lambda handles the event (platform-facts.md: {"implemented": bool}).',
        "required": ["implemented"],
        "properties": {"implemented": {"type": "boolean", "description": "platform-facts.md."}},
    }

    paths: dict[str, Any] = {}
    for ev in events:
        path = EVENT_INVOKE_PATH.replace("{eventId}", ev.event_id)
        paths[path] = {
            "post": {
                "operationId": f"invoke.{ev.event_id}",
                "summary": f"Invoke every lambda of {ev.event_id} ({ev.name})",
                "description": "POST /api/account/{accountId}/events/{eventId}/invoke, one operation per event so each "
                "carries its payload contract (platform-facts.md, 'The invocation API'). The real gateway wants an "
                "OAuth2 client-credentials bearer token (platform-facts.md); lpf-contract serve needs none.",
                "parameters": _param_refs("accountId", "v", "externalSystem", "skillId", "LP-EventSource") + _request_headers(),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _REF + f"Invocation.{ev.event_id}"}}},
                },
                "responses": {
                    "200": {
                        "description": "The answers of the event's lambdas (platform-facts.md); "
                        + (
                            "at most one, as survey events allow one lambda per account (platform-facts.md, 'Events')."
                            if ev.lambda_limit == 1
                            else f"at most {ev.lambda_limit}, the lambdas one account may deploy for this event "
                            "(registry.yaml lambda_limit; faas-cli test/__mocks__/faasEvents.json lambdaLimit)."
                        )
                        + " A lambda that answered twice gets its first result and a Warning header (decided here).",
                        "headers": _warning_header(),
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "maxItems": ev.lambda_limit,
                                    "items": {"$ref": _REF + item_of[ev.event_id]},
                                }
                            }
                        },
                    },
                    **_error_responses(),
                },
            }
        }
    paths[LAMBDA_INVOKE_PATH] = {
        "post": {
            "operationId": "invokeLambda",
            "summary": "Invoke one lambda by uuid",
            "description": "POST /api/account/{accountId}/lambdas/{lambdaUuid}/invoke answers that lambda's result "
            "(platform-facts.md, 'The invocation API'). The payload must match the contract of the lambda's event.",
            "parameters": _param_refs("accountId", "lambdaUuid", "v", "externalSystem", "skillId", "LP-EventSource")
            + _request_headers(),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": _REF + "Invocation"}}},
            },
            "responses": {
                "200": {
                    "description": "The lambda's result (platform-facts.md); with a Warning header when it answered twice.",
                    "headers": _warning_header(),
                    "content": {"application/json": {"schema": schemas["LambdaResult"]["properties"]["result"]}},
                },
                **(
                    {
                        "204": {
                            "description": "The lambda returned no result, which is fine where results are ignored "
                            "(registry.yaml result_policy; the status is decided here)."
                        }
                    }
                    if any(ev.result_policy == "ignored" for ev in events)
                    else {}
                ),
                **_error_responses(),
            },
        }
    }
    paths[IS_IMPLEMENTED_PATH] = {
        "get": {
            "operationId": "isImplemented",
            "summary": "Whether a lambda handles an event",
            "description": "GET /api/account/{accountId}/events/{eventId}/isImplemented (platform-facts.md); the query "
            "is v, skillId, externalSystem on V1 and userId, skillId on V2 (faas-client-node baseClient.ts).",
            "parameters": _param_refs("accountId", "eventId", "v", "skillId", "externalSystem", "userId", "LP-EventSource")
            + _request_headers(),
            "responses": {
                "200": {
                    "description": '{"implemented": bool} (platform-facts.md).',
                    "content": {"application/json": {"schema": {"$ref": _REF + "Implemented"}}},
                },
                **{k: v for k, v in _error_responses().items() if k != "default"},
            },
        }
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"LivePerson Functions invocation API, contract {v.name}",
            "version": v.name,
            "description": "The invocation gateway as LivePerson's own clients call it (platform-facts.md, 'The "
            "invocation API'; faas-client-node, faas-client-jdk), with the payload and result contracts of "
            f"contracts/registry.yaml version {v.name}. Generated by `lpf-contract openapi`; do not edit by hand.",
        },
        "paths": paths,
        "components": {"schemas": schemas, "parameters": _parameters()},
    }


def render_openapi(doc: Mapping[str, Any]) -> str:
    """The document as YAML text, byte-for-byte stable for the same input."""
    import yaml

    header = "# Generated by `lpf-contract openapi` from contracts/registry.yaml. Do not edit: regenerate.\n"
    return header + yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def openapi_text(registry: Registry, version: str | None = None) -> str:
    """What ``contracts/<v>/invocation.openapi.yaml`` must contain right now."""
    return render_openapi(build_openapi(registry, version))
