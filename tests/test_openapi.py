from __future__ import annotations

import re

import pytest
import yaml

from lpf_contract.contracts import Registry, load_registry
from lpf_contract.contracts.openapi import (
    EVENT_INVOKE_PATH,
    IS_IMPLEMENTED_PATH,
    LAMBDA_INVOKE_PATH,
    build_openapi,
    component_name,
    openapi_text,
)
from lpf_contract.core.errors import ContractError


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def committed(registry):
    path = registry.version().openapi_file
    return path, path.read_text(encoding="utf-8")


def test_committed_documents_are_what_the_generator_produces(registry):
    versions = [v for v in registry.versions.values() if v.openapi_file is not None]
    assert versions
    for v in versions:
        text = v.openapi_file.read_text(encoding="utf-8")
        assert text == openapi_text(registry, v.name), (
            f"{v.openapi_file} drifted from the contracts; run `lpf-contract openapi --version {v.name}`"
        )


def test_every_version_generates_a_valid_document(registry):
    from openapi_spec_validator import validate

    for name in registry.versions:
        doc = build_openapi(registry, name)
        validate(doc)
        assert doc["info"]["version"] == name


def test_generation_is_deterministic(registry):
    fresh = Registry.load(registry.root)  # not the cached object: a second, independent load
    assert fresh is not registry
    assert openapi_text(registry) == openapi_text(fresh)


def test_committed_document_passes_openapi_spec_validator(committed):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    doc = yaml.safe_load(committed[1])
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    broken = dict(doc, paths={"/x": {"get": {"responses": {"901": {"description": "no"}}}}})
    with pytest.raises(OpenAPIValidationError):  # the validator really checks (901 is not a legal key)
        validate(broken)


def test_committed_document_loads_in_schemathesis(registry, committed):
    import schemathesis

    schema = schemathesis.openapi.from_path(committed[0])
    labels = sorted(op.ok().label for op in schema.get_all_operations())
    expected = sorted(
        [f"POST {EVENT_INVOKE_PATH.replace('{eventId}', e)}" for e in registry.version().events]
        + [f"POST {LAMBDA_INVOKE_PATH}", f"GET {IS_IMPLEMENTED_PATH}"]
    )
    assert labels == expected


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_event_operation_carries_its_payload_and_result_contracts(registry, version):
    doc = build_openapi(registry, version)
    schemas = doc["components"]["schemas"]
    for event_id, spec in registry.version(version).events.items():
        op = doc["paths"][EVENT_INVOKE_PATH.replace("{eventId}", event_id)]["post"]
        body_ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        envelope = schemas[body_ref.rsplit("/", 1)[1]]
        payload_ref = envelope["properties"]["payload"]["$ref"].rsplit("/", 1)[1]
        assert payload_ref == component_name(registry, spec.payload_uri)
        expected = {k: v for k, v in registry.bundled(spec.payload_uri).items() if k != "$schema"}
        assert schemas[payload_ref] == expected
        item = op["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]
        result = schemas[item]["properties"]["result"]
        if spec.result_policy == "ignored":
            # The platform discards the result: any answer, or none, conforms.
            assert "$ref" not in result and "result" not in schemas[item]["required"]
            assert component_name(registry, spec.result_uri) in result["description"]
        else:
            assert result["$ref"].rsplit("/", 1)[1] == component_name(registry, spec.result_uri)
            # Required unless the result schema allows no result (x-lpf-no-result: the controller bot).
            assert ("result" in schemas[item]["required"]) != registry.no_result_allowed(spec.result_uri)


def test_no_refs_into_contract_files_and_no_schema_dialect_markers(registry):
    text = openapi_text(registry)
    assert "$schema" not in text
    refs = re.findall(r"\$ref: ['\"]?([^'\"\s]+)", text)
    assert refs and all(r.startswith("#/components/") for r in refs)


def test_every_description_cites_a_source_or_says_decided_here(registry):
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str):
                    # LivePerson's own client and docs count as sources, named by repository.
                    if not re.search(r"platform-facts\.md|seed|decided here|faas-client-node|developer-center", value):
                        missing.append(f"{where}: {value}")
                else:
                    walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(build_openapi(registry), "")
    assert missing == []


def test_handler_errors_live_under_default_because_openapi_cannot_name_901(registry):
    doc = build_openapi(registry)
    for path, item in doc["paths"].items():
        for op in item.values():
            codes = set(op["responses"])
            assert "200" in codes and "400" in codes, path
            if "invoke" in path:
                assert "901" in op["responses"]["default"]["description"]


def test_draft07_only_keywords_are_refused(fixtures):
    registry = Registry.load(fixtures / "http" / "contracts" / "draft7-dependencies")
    with pytest.raises(ContractError, match="dependencies"):
        build_openapi(registry)


def test_cli_check_and_write(run_cli, tmp_path, registry):
    code, _, err = run_cli("openapi", "--check")
    assert code == 0, err
    stale = tmp_path / "stale.yaml"
    stale.write_text(openapi_text(registry).replace("title:", "title: stale", 1), encoding="utf-8")
    code, _, err = run_cli("openapi", "--check", "--output", stale)
    assert code == 1 and "out of date" in err
    stale.write_text("openapi: 3.1.0\n", encoding="utf-8")
    code, _, err = run_cli("openapi", "--check", "--output", stale)
    assert code == 2 and "does not validate" in err
    code, _, err = run_cli("openapi", "--output", stale)
    assert code == 0 and stale.read_text(encoding="utf-8") == openapi_text(registry)
    code, out, _ = run_cli("openapi", "--output", "-")
    assert code == 0 and out == openapi_text(registry)


def test_cli_unknown_version_is_a_usage_error(run_cli):
    code, _, err = run_cli("openapi", "--version", "v99")
    assert code == 2 and "version=v99" in err


def test_v2_requests_and_answers_are_declared_the_clients_way(registry):
    doc = build_openapi(registry, "v2")
    params = doc["components"]["parameters"]
    assert params["v"]["schema"]["enum"] == ["1"]  # no invented ?v=2
    assert {params[n]["in"] for n in ("LP-EventSource", "Authorization", "X-Request-ID")} == {"header"}
    implemented = doc["paths"]["/api/account/{accountId}/events/{eventId}/isImplemented"]["get"]
    names = {r["$ref"].rsplit("/", 1)[1] for r in implemented["parameters"]}
    assert {"v", "skillId", "externalSystem", "userId"} <= names
    envelope = doc["components"]["schemas"]["Invocation"]
    assert envelope["required"] == ["payload"]  # headers optional
    log_item = doc["components"]["schemas"]["ErrorV1"]["properties"]["errorLogs"]["items"]["properties"]
    assert set(log_item) == {"level", "message", "extras", "timestamp"}
    op = doc["paths"]["/api/account/{accountId}/lambdas/{lambdaUuid}/invoke"]["post"]
    assert {"401", "403", "404", "408", "429", "500", "502", "504", "default"} <= set(op["responses"])
    assert "Warning" in op["responses"]["200"]["headers"]
