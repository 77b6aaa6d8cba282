"""The contracts themselves: valid schemas, a valid OpenAPI document, examples that hold."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator

from lpf_contract.contracts import load_registry

REGISTRY = load_registry()
SCHEMAS = sorted({(v.name, p) for v in REGISTRY.versions.values() for p in v.schema_files})
EVENTS = sorted((v.name, e) for v in REGISTRY.versions.values() for e in v.events)


def _examples(invalid: bool):
    return [
        pytest.param(version, event, ex, id=f"{version}/{event}/{ex.name}")
        for version, event in EVENTS
        for ex in REGISTRY.examples(event, version, invalid=invalid)
    ]


@pytest.mark.parametrize("version, path", SCHEMAS, ids=[f"{v}/{p.name}" for v, p in SCHEMAS])
def test_schema_is_valid_draft07(version, path):
    Draft7Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("version, path", SCHEMAS, ids=[f"{v}/{p.name}" for v, p in SCHEMAS])
def test_every_property_cites_its_source(version, path):
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and not sub.get("description"):
                    missing.append(f"{where}/properties/{name}")
            for key, sub in node.items():
                if key not in ("enum", "const", "examples"):
                    walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(json.loads(path.read_text(encoding="utf-8")), "")
    assert missing == []


@pytest.mark.parametrize("version", sorted(REGISTRY.versions))
def test_openapi_document_validates(version):
    import yaml
    from openapi_spec_validator import validate

    path = REGISTRY.version(version).openapi_file
    assert path is not None and path.is_file(), f"version={version} names no OpenAPI document"
    validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("version, event", EVENTS)
def test_event_has_golden_and_negative_examples(version, event):
    assert len(REGISTRY.examples(event, version)) >= 7
    assert len(REGISTRY.examples(event, version, invalid=True)) >= 1


@pytest.mark.parametrize("version, event, example", _examples(invalid=False))
def test_golden_example_is_valid(version, event, example):
    spec = REGISTRY.event(event, version)
    assert REGISTRY.errors(spec.payload_uri, example.payload) == []
    assert REGISTRY.fast_validator(spec.payload_uri).is_valid(example.payload)


@pytest.mark.parametrize("version, event, example", _examples(invalid=True))
def test_negative_example_is_rejected_at_its_pointer(version, event, example):
    spec = REGISTRY.event(event, version)
    errors = REGISTRY.errors(spec.payload_uri, example.payload)
    assert example.reject_at in [e.path for e in errors], errors
    assert not REGISTRY.fast_validator(spec.payload_uri).is_valid(example.payload)
