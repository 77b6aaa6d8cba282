"""Targets to functions, shards, events from config.json, and lpf's settings.json."""

from __future__ import annotations

import json

import pytest

from lpf_contract.core.errors import InputFileError, UsageError
from lpf_contract.verify.functions_repo import (
    Function,
    configured_event,
    expand_targets,
    load_settings,
    merge_secrets,
    parse_shard,
    read_secrets,
    select_events,
    select_shard,
)
from tests.conftest import FIXTURES

REPO = FIXTURES / "functions_repo"
FUNCTIONS = REPO / "functions"
ALL = ["anyevent", "controller", "faulty", "greeter", "placeholder"]
EVENTS = ["surveybot_messaging_survey_ended", "surveybot_messaging_survey_started"]


def test_a_folder_of_function_folders_is_each_function_sorted():
    plan = expand_targets([str(FUNCTIONS)])
    assert plan.many and [f.name for f in plan.functions] == ALL
    assert all(f.folder == FUNCTIONS / f.name for f in plan.functions)


def test_one_function_folder_keeps_the_single_layout():
    plan = expand_targets([str(FUNCTIONS / "greeter")])
    assert not plan.many and [f.name for f in plan.functions] == ["greeter"]


def test_several_targets_use_the_many_layout_and_the_same_function_counts_once():
    plan = expand_targets([str(FUNCTIONS / "greeter"), str(FUNCTIONS / "faulty"), str(FUNCTIONS / "greeter") + "/"])
    assert plan.many and [f.name for f in plan.functions] == ["faulty", "greeter"]


def test_two_functions_with_one_name_are_bad_input(tmp_path):
    for root in ("a", "b"):
        (tmp_path / root / "x").mkdir(parents=True)
        (tmp_path / root / "x" / "index.js").write_text("function lambda(i, cb) { cb(null, 'ok'); }\n")
    with pytest.raises(UsageError, match="two functions share a name: name=x"):
        expand_targets([str(tmp_path / "a"), str(tmp_path / "b")])


def test_a_folder_with_no_function_is_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no function found"):
        expand_targets([str(tmp_path / "empty")])


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "-1/2", "1/2/3"])
def test_bad_shards_are_bad_input(text):
    with pytest.raises(UsageError, match="--shard needs K/N"):
        parse_shard(text)


def test_shards_are_round_robin_by_name_and_cover_every_function_once():
    functions = [Function(name=n, target=n) for n in ["e", "a", "d", "b", "c", "f", "g"]]
    parts = [[f.name for f in select_shard(functions, k, 3)] for k in (1, 2, 3)]
    assert parts == [["a", "d", "g"], ["b", "e"], ["c", "f"]]
    plan = expand_targets([str(FUNCTIONS)], shard="2/2")
    assert plan.shard == (2, 2) and plan.total == 5 and [f.name for f in plan.functions] == ["controller", "greeter"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("No Event", None),
        (" no event ", None),
        ("surveybot_messaging_survey_ended", "surveybot_messaging_survey_ended"),
    ],
)
def test_configured_event_reads_lpfs_no_event_forms(raw, expected):
    assert configured_event(raw) == expected


def test_select_events():
    assert select_events(None, (), EVENTS) == (tuple(EVENTS), "")
    assert select_events(None, (EVENTS[1],), EVENTS) == ((EVENTS[1],), "")
    assert select_events(EVENTS[0], (), EVENTS) == ((EVENTS[0],), "")
    events, why = select_events("bot_connectors_error_hook", (), EVENTS)
    assert events == () and "has no contract" in why
    events, why = select_events(EVENTS[0], (EVENTS[1],), EVENTS)
    assert events == () and "not among --event" in why


def test_settings_json_drops_lpfs_placeholder_entries():
    settings = load_settings(FUNCTIONS / "settings.json")
    assert dict(settings.secrets) == {"apiKey": "from-settings"}
    assert settings.whitelist == ("api.example.com",)


def test_bad_settings_json_is_bad_input(tmp_path):
    (tmp_path / "settings.json").write_text('{"secrets": [{"value": 1}]}')
    with pytest.raises(InputFileError, match="entries must be"):
        load_settings(tmp_path / "settings.json")
    (tmp_path / "settings.json").write_text("{nope")
    with pytest.raises(InputFileError, match="not valid JSON"):
        load_settings(tmp_path / "settings.json")


def test_secrets_from_several_sources_merge_later_wins(tmp_path):
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"apiKey": "from-flag", "other": "x"}))
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"key": "third", "value": "3"}]))
    assert read_secrets(listed) == {"third": "3"}
    assert merge_secrets([]) == (None, None)
    assert merge_secrets([flat]) == (flat, None)
    path, merged = merge_secrets([FUNCTIONS / "settings.json", flat, listed])
    assert path is None and merged == {"apiKey": "from-flag", "other": "x", "third": "3"}
