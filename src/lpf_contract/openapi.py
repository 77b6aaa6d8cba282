"""The invocation API's OpenAPI 3.1 document, generated from the contract registry.

The committed ``contracts/<v>/invocation.openapi.yaml`` is this module's output (``lpf-contract openapi``
writes it, a test checks it has not drifted), and ``lpf-contract serve`` validates requests with the same
envelope schemas, so the document, the server and the contracts cannot disagree.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

from .contracts import Registry
from .errors import ContractError

OPENAPI_VERSION = "3.1.0"
MAX_SAFE_INTEGER = 2**53 - 1

# Paths of the invocation API (platform-facts.md, "The invocation API").
EVENT_INVOKE_PATH = "/api/account/{accountId}/events/{eventId}/invoke"
LAMBDA_INVOKE_PATH = "/api/account/{accountId}/lambdas/{lambdaUuid}/invoke"
IS_IMPLEMENTED_PATH = "/api/account/{accountId}/events/{eventId}/isImplemented"

ACCOUNT_ID_PATTERN = "^[0-9]+$"
LAMBDA_UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ERROR_FORMATS = ("1", "2")  # the `v` query parameter

BADINPUT_CODE = "com.liveperson.faas.es.badinput"
MISSING_LAMBDA_CODE = "com.liveperson.faas.es.missinglambda"
GENERAL_CODE = "com.liveperson.faas.es.general"

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
        "description": "The invocation body (platform-facts.md, 'The invocation API': {timestamp, headers, payload}; "
        "'The handler': timestamp is optional). headers and payload required, no other member: decided here.",
        "required": ["headers", "payload"],
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
                "description": "Invocation headers, usually [] (platform-facts.md).",
            },
            "payload": dict(payload) if payload is not None else {"description": "The event payload."},
        },
    }


def _check_dialect(schema: Any, where: str) -> None:
    if isinstance(schema, dict):
        for key in _DRAFT7_ONLY:
            if key in schema:
                raise ContractError(f"schema {where} uses draft-07 keyword={key!r}, which OpenAPI 3.1 reads differently; rewrite it")
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
        "description": "V1 error body (platform-facts.md, 'Errors': {errorCode, errorMsg}, sometimes errorLogs).",
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
                "description": "The lambda's log calls before it failed (platform-facts.md: 'sometimes errorLogs'). "
                "Item shape {level, message}: decided here, not documented.",
                "items": {
                    "type": "object",
                    "required": ["level", "message"],
                    "properties": {
                        "level": {"type": "string", "description": "Console method (decided here)."},
                        "message": {"type": "string", "description": "Logged text (decided here)."},
                    },
                },
            },
            "result": {
                "description": "lpf-contract extension (decided here): with errorCode lpf-contract.handler.multiple-results, "
                "the first result, which still counts (platform-facts.md: anything after the first callback is ignored).",
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
                "description": "Error code, e.g. com.customer.faas.function.threw-error, ...js-runtime-error, "
                "...execution-exceeded (platform-facts.md, client code).",
            },
            "message": {"type": "string", "description": "Human-readable message (platform-facts.md)."},
            "result": {"description": "lpf-contract extension, as in the V1 body (decided here)."},
        },
    }


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": _REF + schema_ref}}}}


def _error_responses() -> dict[str, Any]:
    return {
        "400": _json(
            "ErrorV1",
            "The body breaks the contract: V1 body with errorCode com.liveperson.faas.es.badinput "
            "(platform-facts.md, 'Errors'); errorMsg names the JSON pointer (decided here).",
        ),
        "404": _json(
            "ErrorV1",
            "Unknown event, lambda or path: V1 body, errorCode com.liveperson.faas.es.missinglambda "
            "(platform-facts.md lists the code and status 404; pairing them is decided here).",
        ),
        "415": _json("ErrorV1", "The body is not application/json (decided here)."),
        # OpenAPI 3.1 response keys are 1XX..5XX or "default", so status 901 can only live under "default".
        "default": {
            "description": "Status 901: the lambda failed, 'error during lambda execution' (platform-facts.md, 'Errors'). "
            "OpenAPI cannot name status 901, hence 'default'. V1 body by default, V2 body with ?v=2 (decided here).",
            "content": {
                "application/json": {"schema": {"anyOf": [{"$ref": _REF + "ErrorV1"}, {"$ref": _REF + "ErrorV2"}]}}
            },
        },
    }


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
            "description": "API version; the V1 clients send v=1 (platform-facts.md). v=2 selects V2 error bodies: decided here.",
            "schema": {"type": "string", "enum": list(ERROR_FORMATS)},
        },
        "externalSystem": {
            "name": "externalSystem",
            "in": "query",
            "required": False,
            "description": "The calling system (platform-facts.md, V1 query).",
            "schema": {"type": "string"},
        },
        "skillId": {
            "name": "skillId",
            "in": "query",
            "required": False,
            "description": "Optional skill id (platform-facts.md, V1 query).",
            "schema": {"type": "string"},
        },
    }


def _param_refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{n}"} for n in names]


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
    result_names = sorted({component_name(registry, ev.result_uri) for ev in events})
    result_ref = (
        {"$ref": _REF + result_names[0]}
        if len(result_names) == 1
        else {"anyOf": [{"$ref": _REF + n} for n in result_names]}
    )

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
    schemas["LambdaResult"] = {
        "type": "object",
        "description": "One lambda's answer (platform-facts.md, 'The invocation API': {uuid, timestamp, result}). "
        "result required: no result breaks the result contract (seed; decided here).",
        "required": ["uuid", "timestamp", "result"],
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
    schemas["ErrorV1"] = _error_v1()
    schemas["ErrorV2"] = _error_v2()
    schemas["Implemented"] = {
        "type": "object",
        "description": "Whether a lambda handles the event (platform-facts.md: {\"implemented\": bool}).",
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
                "parameters": _param_refs("accountId", "v", "externalSystem", "skillId"),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _REF + f"Invocation.{ev.event_id}"}}},
                },
                "responses": {
                    "200": {
                        "description": "The answers of the event's lambdas (platform-facts.md); at most one, as survey "
                        "events allow one lambda per account (platform-facts.md, 'Events').",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "maxItems": 1, "items": {"$ref": _REF + "LambdaResult"}}
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
            "parameters": _param_refs("accountId", "lambdaUuid", "v", "externalSystem", "skillId"),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": _REF + "Invocation"}}},
            },
            "responses": {
                "200": {
                    "description": "The lambda's result (platform-facts.md).",
                    "content": {"application/json": {"schema": result_ref}},
                },
                **_error_responses(),
            },
        }
    }
    paths[IS_IMPLEMENTED_PATH] = {
        "get": {
            "operationId": "isImplemented",
            "summary": "Whether a lambda handles an event",
            "description": "GET /api/account/{accountId}/events/{eventId}/isImplemented (platform-facts.md).",
            "parameters": _param_refs("accountId", "eventId"),
            "responses": {
                "200": {
                    "description": "{\"implemented\": bool} (platform-facts.md).",
                    "content": {"application/json": {"schema": {"$ref": _REF + "Implemented"}}},
                },
                "400": _error_responses()["400"],
                "404": _error_responses()["404"],
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
