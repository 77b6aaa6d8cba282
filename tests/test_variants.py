"""Payload variants: the schema-to-strategy compiler, the systematic set, coverage, generate(), the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, find, settings

from lpf_contract.cli import main
from lpf_contract.contracts import Registry, load_registry
from lpf_contract.core.errors import LpfContractError
from lpf_contract.variants import (
    Coverage,
    UnsupportedSchema,
    Variant,
    compile_strategy,
    draw_batch,
    draw_direct,
    generate,
    payload_strategy,
    systematic_variants,
)

FIXTURES = Path(__file__).parent / "fixtures" / "variants"
ENDED = "surveybot_messaging_survey_ended"
STARTED = "surveybot_messaging_survey_started"
SEEDS = (0, 1, 12345)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def fixture_registry() -> Registry:
    return Registry.load(FIXTURES / "contracts")


def _fixture_schema(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _bundled(registry: Registry, event: str) -> dict:
    return registry.bundled(registry.event(event).payload_uri)


def _all_events(registry: Registry):
    for version in registry.versions.values():
        for event_id in version.events:
            yield version.name, event_id


# -- compiler: every generated value validates -------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_payloads_validate_for_every_event(registry, seed):
    for version, event_id in _all_events(registry):
        check = registry.fast_validator(registry.event(event_id, version).payload_uri)
        payloads = list(generate(registry, event_id, count=150, seed=seed, version=version))
        assert len(payloads) == 150
        bad = [p for p in payloads if not check.is_valid(p)]
        assert not bad, f"{event_id}: {len(bad)} invalid, first: {bad[0]}"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_supported_keyword_generates_valid_values(seed):
    schema = _fixture_schema("contracts/v9/keywords.schema.json")
    check = jsonschema_rs.validator_for(schema)
    strategy = compile_strategy(schema)
    # Both ways of drawing: inside Hypothesis' test engine (@given) and straight from its provider.
    for values in (draw_batch(strategy, 200, seed), draw_direct(strategy, 200, seed)):
        assert len(values) == 200
        bad = [v for v in values if not check.is_valid(v)]
        assert not bad, bad[:3]


def test_generation_explores_the_schema_not_a_fixed_set():
    values = draw_batch(compile_strategy(_fixture_schema("contracts/v9/keywords.schema.json")), 300, 7)
    assert {type(v["kind"]).__name__ for v in values} == {"str", "int", "NoneType"}
    assert {v["shape"]["type"] for v in values} == {"circle", "square"}
    assert {v["maybe"] is None for v in values} == {True, False}
    assert any(isinstance(v["mixed"], int) for v in values) and any(isinstance(v["mixed"], str) for v in values)
    assert any(any(ord(c) > 127 for t in v["tags"] for c in t) for v in values), "no non-ASCII string drawn"
    assert any("meta" in v and set(v["meta"]) for v in values), "additionalProperties schema never used"
    assert len({json.dumps(v, sort_keys=True) for v in values}) > 250


def test_result_schema_with_oneof_branches_generates_valid_values(registry):
    uri = registry.event(ENDED).result_uri
    values = draw_batch(compile_strategy(registry.bundled(uri)), 200, 3)
    check = registry.fast_validator(uri)
    assert all(check.is_valid(v) for v in values)
    kinds = {v if isinstance(v, str) else "list" if isinstance(v, list) else v["type"] for v in values}
    assert kinds == {"ok", "list", "systemMessage", "transfer", "closeConversation"}


def test_annotations_are_not_constraints():
    values = draw_batch(compile_strategy(_fixture_schema("annotations.schema.json")), 20, 0)
    assert set(values) == {""}


# -- compiler: loud failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", _fixture_schema("unsupported.json"), ids=lambda c: f"{c['keyword']}@{c['pointer']}")
def test_unsupported_keywords_fail_loudly_with_keyword_and_pointer(case):
    with pytest.raises(UnsupportedSchema) as info:
        compile_strategy(case["schema"])
    assert (info.value.keyword, info.value.pointer) == (case["keyword"], case["pointer"])
    assert f"keyword={case['keyword']}" in str(info.value) and case["pointer"] in str(info.value)
    assert isinstance(info.value, LpfContractError)


def test_pointer_argument_prefixes_the_reported_location():
    with pytest.raises(UnsupportedSchema) as info:
        compile_strategy({"type": "string", "format": "uri"}, pointer="/properties/link")
    assert info.value.pointer == "/properties/link/format"


# -- Hypothesis integration ------------------------------------------------------------------------------
_FIND = settings(database=None, derandomize=True, max_examples=2000, suppress_health_check=list(HealthCheck))


def test_failures_shrink_to_the_required_fields_plus_the_culprit(registry):
    found = find(payload_strategy(registry, ENDED), lambda p: p.get("closeReason") == "SYSTEM", settings=_FIND)
    required = set(_bundled(registry, ENDED)["allOf"][0]["required"])
    assert set(found) == required | {"closeReason"}
    # The generator draws 1-3 dialogs and 1-5 participants (x-lpf-generate): one empty item each.
    assert found["dialogs"] == [{}] and found["participants"] == [{}]


def test_shrinking_reduces_array_items_to_their_minimal_form(registry):
    found = find(
        payload_strategy(registry, ENDED),
        lambda p: any(d.get("dialogType") == "OTHER" for d in p["dialogs"]),
        settings=_FIND,
    )
    assert found["dialogs"] == [{"dialogType": "OTHER"}]


# -- the fast path (the one module using Hypothesis internals) and the public fallback --------------------
def test_fast_path_works_on_the_installed_hypothesis():
    # Fails loudly when a Hypothesis release changes the internals _fast.py uses: generation would
    # still be right (the public fallback) but about five times slower. Update _fast.py, or pin.
    from lpf_contract.variants import _fast

    assert _fast.AVAILABLE, f"variants/_fast.py does not work on this Hypothesis: {_fast.PROBLEM}"
    assert _fast.self_check() == ""


def test_only_the_fast_module_imports_hypothesis_internals():
    import lpf_contract

    root = Path(lpf_contract.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if path.name != "_fast.py"
        and ("hypothesis.internal" in (text := path.read_text(encoding="utf-8")) or "strategies._internal" in text)
    ]
    assert offenders == []


def _public(schema: dict):
    from lpf_contract.variants.ir import normalize
    from lpf_contract.variants.strategy import compile_drawer, public_strategy

    return public_strategy(compile_drawer(normalize(schema)))


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_public_fallback_generates_valid_values(registry, seed):
    for schema in (_fixture_schema("contracts/v9/keywords.schema.json"), _bundled(registry, ENDED)):
        check = jsonschema_rs.validator_for(schema)
        values = draw_batch(_public(schema), 100, seed)
        assert len(values) == 100
        assert all(check.is_valid(v) for v in values)
        assert len({json.dumps(v, sort_keys=True) for v in values}) > 80


def test_public_fallback_shrinks_like_the_fast_path(registry):
    found = find(_public(_bundled(registry, ENDED)), lambda p: p.get("closeReason") == "SYSTEM", settings=_FIND)
    assert set(found) == set(_bundled(registry, ENDED)["allOf"][0]["required"]) | {"closeReason"}


def test_draw_direct_falls_back_to_the_public_engine(registry, monkeypatch):
    from lpf_contract.variants import _fast

    monkeypatch.setattr(_fast, "AVAILABLE", False)
    strategy = _public(_bundled(registry, STARTED))
    values = draw_direct(strategy, 30, 2)
    assert len(values) == 30 and values == draw_direct(strategy, 30, 2)
    check = registry.fast_validator(registry.event(STARTED).payload_uri)
    assert all(check.is_valid(v) for v in values)


def test_generate_is_reproducible_per_seed(registry):
    a = list(generate(registry, ENDED, count=120, seed=42))
    b = list(generate(registry, ENDED, count=120, seed=42))
    c = list(generate(registry, ENDED, count=120, seed=43))
    assert a == b
    assert a != c


def test_generate_honours_the_seed_under_the_ci_profile(registry):
    # Hypothesis loads its "ci" profile (derandomize=True) when CI is set; the seed must still decide.
    previous = settings.default
    settings.load_profile("ci")
    try:
        a = list(generate(registry, ENDED, count=30, seed=1))
        b = list(generate(registry, ENDED, count=30, seed=2))
    finally:
        settings.register_profile("_restore", previous)
        settings.load_profile("_restore")
    assert a != b
    assert a == list(generate(registry, ENDED, count=30, seed=1))


def test_generate_is_reproducible_across_processes(tmp_path):
    import os
    import subprocess
    import sys

    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        cmd = [sys.executable, "-m", "lpf_contract.cli", "variants", "--event", ENDED, "--count", "40", "--seed", "11"]
        outputs.append(subprocess.run(cmd, env=env, capture_output=True, check=True).stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 40


def test_generate_does_not_depend_on_the_modules_loaded(registry, tmp_path, monkeypatch):
    # Hypothesis' provider mixes in constants from the source of imported local modules; generate()
    # must not, or importing a handler or a test file would change the payloads of a seed.
    before = list(generate(registry, ENDED, count=300, seed=4))
    module = tmp_path / "lpf_constants_probe.py"
    module.write_text("PROBE = [4242424242, 'lpf-probe-constant', 7777777]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("lpf_constants_probe")
    assert list(generate(registry, ENDED, count=300, seed=4)) == before


def test_generate_spans_batches_and_tiny_schemas(registry, monkeypatch):
    import lpf_contract.variants as variants

    monkeypatch.setattr(variants, "BATCH", 40)
    payloads = list(generate(registry, STARTED, count=100, seed=5))
    assert len(payloads) == 100
    assert payloads == list(generate(registry, STARTED, count=100, seed=5))
    assert len({json.dumps(p, sort_keys=True) for p in payloads}) > 90  # batches are seeded differently


def test_generate_repeats_when_the_schema_has_few_values(fixture_registry, tmp_path):
    reg_dir = tmp_path / "contracts"
    (reg_dir / "v1").mkdir(parents=True)
    (reg_dir / "v1" / "tiny.schema.json").write_text(json.dumps({"enum": [{"a": 1}, {"a": 2}]}))
    (reg_dir / "v1" / "result.schema.json").write_text(json.dumps({"const": "ok"}))
    (reg_dir / "registry.yaml").write_text(
        "versions:\n  v1:\n    status: current\n    events:\n      tiny:\n"
        "        payload: v1/tiny.schema.json\n        result: v1/result.schema.json\n"
    )
    tiny = Registry.load(reg_dir)
    payloads = list(generate(tiny, "tiny", count=7, seed=0))
    assert len(payloads) == 7
    assert {json.dumps(p) for p in payloads} == {'{"a": 1}', '{"a": 2}'}


# -- systematic set ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ended_variants(registry) -> list[Variant]:
    return systematic_variants(registry, ENDED)


def test_systematic_variants_all_validate(registry):
    for version, event_id in _all_events(registry):
        check = registry.fast_validator(registry.event(event_id, version).payload_uri)
        variants = systematic_variants(registry, event_id, version)
        bad = [v.name for v in variants if not check.is_valid(v.payload)]
        assert not bad, bad


def test_systematic_variants_start_with_the_golden_examples(registry, ended_variants):
    examples = registry.examples(ENDED)
    head = ended_variants[: len(examples)]
    assert [v.name for v in head] == [f"example:{e.name}" for e in examples]
    assert [v.payload for v in head] == [e.payload for e in examples]
    assert not any(v.name.startswith("example:") for v in ended_variants[len(examples) :])


def test_systematic_variants_are_deterministic_and_uniquely_named(registry, ended_variants):
    again = systematic_variants(registry, ENDED)
    assert [(v.name, v.payload) for v in again] == [(v.name, v.payload) for v in ended_variants]
    names = [v.name for v in ended_variants]
    assert len(names) == len(set(names))


def test_systematic_set_alone_reaches_full_coverage(registry):
    for version, event_id in _all_events(registry):
        coverage = Coverage.for_schema(registry.bundled(registry.event(event_id, version).payload_uri))
        for v in systematic_variants(registry, event_id, version):
            coverage.observe(v.payload)
        summary = coverage.summary()
        assert summary["percent"] == 100.0, (summary["enum"]["missing"], summary["optional"]["missing"])


def test_systematic_variants_hold_the_issue_boundaries(ended_variants):
    by_name = {v.name: v.payload for v in ended_variants}
    for n in (0, 2**31, 2**53 - 1, 3387141511):
        assert by_name[f"boundary:/surveyId={n}"]["surveyId"] == n
    assert (
        len(
            by_name["string:/lastContentEventNotification/event/message=long10000"]["lastContentEventNotification"]["event"][
                "message"
            ]
        )
        == 10_000
    )
    # No empty text message and no empty ids: the platform sends neither (x-lpf-generate).
    assert "string:/lastContentEventNotification/event/message=empty" not in by_name
    assert not any(name.startswith("string:/conversationId=") for name in by_name)
    unicode = by_name["string:/lastContentEventNotification/event/message=unicode"]["lastContentEventNotification"]["event"][
        "message"
    ]
    assert any(ord(c) > 0xFFFF for c in unicode) and "\u0301" in unicode and "ש" in unicode
    assert "array:/dialogs=empty" not in by_name  # 1-3 dialogs, as real conversations have
    assert len(by_name["array:/dialogs=long"]["dialogs"]) == 3
    assert by_name["enum:/dialogs/*/dialogType=POST_SURVEY"]["dialogs"][0]["dialogType"] == "POST_SURVEY"
    assert "ttr" not in by_name["absent:/ttr"] and "ttrType" in by_name["absent:/ttr/value"]["ttr"]
    assert by_name["present:/ttr/ttrType"]["ttr"] == {"ttrType": "URGENT"}
    assert "closeReason" not in by_name["present:/ttr/ttrType"]
    # the digits-only accountId gets no empty or non-ASCII variant: those would break its pattern
    assert not any(name.startswith("string:/accountId=") and name.endswith(("empty", "unicode")) for name in by_name)


def test_systematic_variants_work_for_another_contract_version(fixture_registry):
    variants = systematic_variants(fixture_registry, "fixture_event")
    check = fixture_registry.fast_validator(fixture_registry.event("fixture_event").payload_uri)
    assert all(check.is_valid(v.payload) for v in variants)
    names = {v.name for v in variants}
    assert {
        "enum:/kind=3",
        "enum:/kind=null",
        "oneOf:/shape=1",
        "type:/maybe=1",
        "boundary:/count=-4",
        "boundary:/ts=100",
    } <= names
    assert "enum:/fixed=v1" not in names  # a const is not an enum to cover
    coverage = Coverage.for_schema(fixture_registry.bundled(fixture_registry.event("fixture_event").payload_uri))
    for v in variants:
        coverage.observe(v.payload)
    assert coverage.summary()["percent"] == 100.0


# -- coverage ------------------------------------------------------------------------------------------------
def test_coverage_counts_enum_values_and_optional_presence(registry):
    coverage = Coverage.for_schema(_bundled(registry, ENDED))
    empty = coverage.summary()
    assert empty["percent"] == 0.0
    assert "/dialogs/*/dialogType=MAIN" in empty["enum"]["missing"]
    assert {"/ttr present", "/ttr absent", "/ttr/ttrType present"} <= set(empty["optional"]["missing"])
    coverage.observe(registry.examples(ENDED)[0].payload)
    coverage.observe({"ttr": {"ttrType": "CUSTOM"}, "state": "CLOSE", "dialogs": [{"dialogType": "MAIN"}, {}]})
    summary = coverage.summary()
    assert 0 < summary["percent"] < 100
    for target in ("/ttr/ttrType=CUSTOM", "/state=CLOSE", "/dialogs/*/dialogType=MAIN"):
        assert target not in summary["enum"]["missing"]
    assert "/ttr/value absent" not in summary["optional"]["missing"]
    assert "/dialogs/*/dialogType absent" not in summary["optional"]["missing"]
    assert summary["enum"]["missing"] == sorted(summary["enum"]["missing"])
    json.dumps(summary)  # JSON-ready


def test_coverage_merge_adds_what_another_run_saw(registry):
    a, b = Coverage.for_schema(_bundled(registry, ENDED)), Coverage.for_schema(_bundled(registry, ENDED))
    b.observe({"closeReason": "AGENT"})
    a.merge(b)
    assert "/closeReason=AGENT" not in a.summary()["enum"]["missing"]


def test_random_draws_alone_reach_most_of_the_coverage_targets(registry):
    # verify runs the systematic set (100% alone) and then 200 random examples per event by default:
    # the random part must reach deep optional fields and enum values too, not only the shallow ones.
    coverage = Coverage.for_schema(_bundled(registry, ENDED))
    for p in generate(registry, ENDED, count=200, seed=0):
        coverage.observe(p)
    summary = coverage.summary()
    assert summary["percent"] >= 95.0, summary
    assert "/dialogs/*/participantsDetails/*/role present" not in summary["optional"]["missing"]


# -- CLI -------------------------------------------------------------------------------------------------------
def test_cli_writes_reproducible_jsonl(registry, capsysbinary):
    assert main(["variants", "--event", ENDED, "--count", "25", "--seed", "9"]) == 0
    out, err = capsysbinary.readouterr()
    lines = out.decode().splitlines()
    assert len(lines) == 25
    check = registry.fast_validator(registry.event(ENDED).payload_uri)
    assert all(check.is_valid(json.loads(line)) for line in lines)
    assert b"seed=9" in err
    assert [json.loads(line) for line in lines] == list(generate(registry, ENDED, count=25, seed=9))
    assert main(["variants", "--event", ENDED, "--count", "25", "--seed", "9"]) == 0
    assert capsysbinary.readouterr()[0] == out


def test_cli_systematic_to_file_prints_seed_and_coverage(registry, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI", "true")
    target = tmp_path / "v.jsonl"
    assert main(["variants", "--event", STARTED, "--count", "5", "--systematic", "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert "seed=0" in err and "coverage=100.0%" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(systematic_variants(registry, STARTED)) + 5


def test_cli_systematic_alone_writes_just_the_systematic_set(registry, capsysbinary):
    assert main(["variants", "--event", ENDED, "--systematic", "--seed", "3"]) == 0
    lines = capsysbinary.readouterr()[0].decode().splitlines()
    expected = systematic_variants(registry, ENDED)
    assert [json.loads(line) for line in lines] == [v.payload for v in expected]


def test_cli_negative_count_is_bad_input(capsys):
    assert main(["variants", "--event", ENDED, "--count", "-1"]) == 2
    assert "--count=-1" in capsys.readouterr().err


def test_cli_unknown_event_exits_2(capsys):
    assert main(["variants", "--event", "no_such_event", "--count", "1"]) == 2
    assert "no_such_event" in capsys.readouterr().err


# -- realistic values (issue 14) -------------------------------------------------------------------------
def _id_leaves(value, key=""):
    """Every string under an id-like key: *Id, *Ids, id, dialogId, participants/participantsPId lists."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _id_leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _id_leaves(v, key)
    elif isinstance(value, str) and (
        key == "id"
        or key.endswith(("Id", "PId"))
        or key in ("participants", "CONSUMER", "AGENT", "ASSIGNED_AGENT", "MANAGER", "READER", "CONTROLLER")
    ):
        yield key, value


def test_id_walker_sees_every_id_form():
    payload = {
        "conversationId": "c",
        "dialogs": [{"participants": ["p"], "dialogId": "d"}],
        "participantsPId": {"CONSUMER": ["x"]},
    }
    assert sorted(v for _, v in _id_leaves(payload)) == ["c", "d", "p", "x"]


@pytest.mark.parametrize("event", [ENDED, "surveybot_messaging_survey_started"])
def test_no_generated_id_is_longer_than_64_or_empty(registry, event):
    payloads = [v.payload for v in systematic_variants(registry, event) if not v.name.startswith("example:")]
    for seed in (0, 1, 7, 12345):
        payloads += list(generate(registry, event, count=150, seed=seed))
    leaves = [leaf for p in payloads for leaf in _id_leaves(p)]
    assert len(leaves) > 1000
    too_long = [(k, v) for k, v in leaves if not 0 < len(v) <= 64]
    assert too_long == []


def test_generated_values_take_the_real_forms(registry):
    import re

    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    payloads = list(generate(registry, ENDED, count=300, seed=3))
    assert all(uuid.match(p["conversationId"]) for p in payloads)
    assert all(re.fullmatch(r"[1-9][0-9]{6,7}", p["accountId"]) for p in payloads)
    assert all(p["skillId"] == "-1" or re.fullmatch(r"[1-9][0-9]{5,9}", p["skillId"]) for p in payloads)
    assert all(1 <= len(p["dialogs"]) <= 3 for p in payloads)
    assert all(1262304000000 <= p["startTs"] <= 4102444800000 for p in payloads)
    ttrs = {p["effectiveTTR"] for p in payloads if "effectiveTTR" in p}
    assert -1 in ttrs and any(t > 0 for t in ttrs)
    events = [
        p["lastContentEventNotification"]["event"] for p in payloads if "event" in p.get("lastContentEventNotification", {})
    ]
    kinds = {("message" in e and isinstance(e["message"], str), "content" in e) for e in events}
    assert kinds == {(True, False), (False, False), (False, True)}  # text, hosted file, rich content
    for p in payloads:  # open objects: the generator invents no key the contract does not name
        assert not set(p) - set(_bundled(registry, ENDED)["allOf"][0]["properties"])


def test_long_non_ascii_message_text_stays_in_the_systematic_set(ended_variants):
    names = {v.name for v in ended_variants}
    assert "string:/lastContentEventNotification/event/message=long10000" in names
    assert "string:/lastContentEventNotification/event/message=unicode" in names


@pytest.mark.parametrize("handler, verdict", [("log_ids.js", "pass"), ("log_message.js", "fail")])
def test_logging_ids_passes_log_limit_and_logging_the_long_message_fails(handler, verdict, tmp_path):
    from lpf_contract.verify import VerifyOptions, verify
    from tests.conftest import FIXTURES

    options = VerifyOptions(events=(ENDED,), examples=30, seed=0, report_dir=tmp_path, timeout_ms=5000)
    run = verify(str(FIXTURES / "variants" / "loggers" / handler), options)
    assert run.verdict == verdict, [(f.check, f.message) for f in run.failures]
    checks = {f.check for f in run.failures}
    assert checks == (set() if verdict == "pass" else {"log-limit"})


def _drawn(schema, n=20):
    from hypothesis import Phase, given

    from lpf_contract.variants import compile_strategy

    out = []

    @settings(database=None, derandomize=True, max_examples=n, phases=[Phase.generate], deadline=None)
    @given(compile_strategy(schema))
    def collect(value):
        out.append(value)

    collect()
    return out


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "maximum": 18446744073709551615},
        {"maximum": 18446744073709551615},
        {"type": "number", "minimum": -18446744073709551615, "maximum": 3},
    ],
)
def test_bounds_beyond_safe_integers_are_narrowed_to_them(schema):
    from lpf_contract.core.schema import MAX_SAFE

    values = _drawn(schema)
    assert values and all(jsonschema_rs.validator_for(schema).is_valid(v) for v in values)
    assert all(abs(v) <= MAX_SAFE for v in values if isinstance(v, (int, float)))


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "integer", "minimum": 18446744073709551600}, "minimum"),
        ({"type": "integer", "maximum": -18446744073709551600}, "maximum"),
        ({"type": "string", "pattern": r"\p{Script=Greek}"}, "pattern"),
        ({"oneOf": [True, True, True]}, "oneOf"),
    ],
)
def test_what_cannot_be_generated_is_refused_not_crashed(schema, keyword):
    from lpf_contract.variants import compile_strategy

    with pytest.raises(UnsupportedSchema, match=f"unsupported schema keyword={keyword} at schema pointer=/{keyword}"):
        compile_strategy(schema)


@pytest.mark.parametrize(
    ("pattern", "probe"),
    [(r"^\cC$", "\x03"), (r"^\p{Letter}cole$", "école"), (r"^\s$", "\u00a0")],
)
def test_ecma_patterns_generate_values_both_validators_accept(pattern, probe):
    schema = {"type": "string", "pattern": pattern}
    values = _drawn(schema)
    assert values and all(jsonschema_rs.validator_for(schema).is_valid(v) for v in values)
    assert jsonschema_rs.validator_for(schema).is_valid(probe)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "minLength": 2.0, "maxLength": 3.0},
        {"type": "array", "items": False},
        {"type": "object", "properties": {"a": {"type": "integer"}, "gone": False}, "required": ["a"]},
    ],
)
def test_equivalent_spellings_are_generated_not_refused(schema):
    values = _drawn(schema)
    assert values and all(jsonschema_rs.validator_for(schema).is_valid(v) for v in values)


def test_a_required_property_whose_schema_is_false_is_still_refused():
    from lpf_contract.variants import compile_strategy

    with pytest.raises(UnsupportedSchema, match="keyword=false at schema pointer=/properties/gone"):
        compile_strategy({"type": "object", "properties": {"gone": False}, "required": ["gone"]})
