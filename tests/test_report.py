"""The report package as a whole: the conformance.json schema, round trips, write_reports, and the four
writers agreeing with each other on every count."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lpf_contract.core.results import RunResult
from lpf_contract.report import (
    WRITERS,
    load_run,
    render_html,
    render_json,
    render_junit,
    render_markdown,
    schema_text,
    write_reports,
)
from lpf_contract.report.json_report import schema_errors

FIX = Path(__file__).parent / "fixtures" / "report"
RUNS = ["pass", "fail", "interrupted", "huge", "snapshots"]


def doc(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=RUNS)
def name(request) -> str:
    return request.param


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(json.loads(schema_text()))


def test_fixtures_validate_against_the_schema(name):
    assert schema_errors(doc(name)) == []


def test_a_report_without_the_newer_failure_keys_still_loads_with_the_old_identity():
    d = doc("fail")
    for f in d["failures"]:
        for key in ("location", "file", "line", "stack", "shrink_skipped"):
            f.pop(key)
    assert schema_errors(d) == []
    run = RunResult.from_dict(d)
    # the identity verify used before: the result path with indices as *, else the fault kind
    assert {f.location for f in run.failures} == {"exception", "/commands/*/type", "/commands/1", "timeout"}
    assert all(f.file is None and f.stack == "" for f in run.failures)


def test_round_trip_reproduces_the_file_byte_for_byte(name):
    # sorted keys and a fixed failure order: the same run always serializes the same way
    assert render_json(RunResult.from_dict(doc(name))) == (FIX / f"{name}.json").read_text(encoding="utf-8")


def test_failure_order_in_the_model_does_not_change_any_report():
    run = load_run(FIX / "fail.json")
    shuffled = dataclasses.replace(run, failures=tuple(reversed(run.failures)))
    for render in WRITERS.values():
        assert render(shuffled) == render(run)


def test_schema_describes_every_key_the_model_writes():
    schema = json.loads(schema_text())
    d = RunResult.from_dict(doc("fail")).to_dict()
    assert set(d) - {"snapshots"} <= set(schema["required"])
    assert set(d) <= set(schema["properties"])
    failure = schema["properties"]["failures"]["items"]
    # Keys added since the first schema are optional, so that older reports still load (--compare);
    # calls and faults (issue 17) may be left out when a failure's case made no external call.
    optional = {"location", "file", "line", "stack", "shrink_skipped", "calls", "faults"}
    assert set(failure["properties"]) - set(failure["required"]) == optional
    assert set(failure["required"]) <= set(d["failures"][0]) <= set(failure["properties"])
    assert set(failure["properties"]) - set(d["failures"][0]) <= {"calls", "faults"}
    assert set(d["static"][0]) == set(schema["properties"]["static"]["items"]["required"])
    event = next(iter(d["events"].values()))
    assert set(event) == set(schema["properties"]["events"]["additionalProperties"]["required"])
    assert set(d["summary"]) == set(schema["properties"]["summary"]["required"])


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d.pop("seed"), "at /:"),
        (lambda d: d["failures"][0].update(severity="fatal"), "at /failures/0/severity"),
        (lambda d: d["summary"].update(verdict="ok"), "at /summary/verdict"),
        (lambda d: d["events"]["surveybot_messaging_survey_ended"].update(cases=-1), "/cases"),
        (lambda d: d["failures"][1]["logs"].append({"level": "info"}), "at /failures/1/logs/"),
    ],
)
def test_schema_rejects_broken_documents(mutate, where):
    d = doc("fail")
    mutate(d)
    errors = schema_errors(d)
    assert errors and where in errors[0]


def test_write_reports_writes_all_four_and_the_repro_files(tmp_path):
    run = load_run(FIX / "fail.json")
    written = write_reports(run, tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    assert {"conformance.json", "conformance.md", "conformance.html", "junit.xml"} <= names
    assert {f.repro_file for f in run.failures} <= names
    assert (tmp_path / "out" / "conformance.html").read_text(encoding="utf-8") == render_html(run)
    assert not list((tmp_path / "out").glob(".*"))  # no temp files left behind


# -- the four agree ---------------------------------------------------------------------------------


def counts_from_json(text: str) -> dict:
    d = json.loads(text)
    events = {}
    for name, e in d["events"].items():
        mine = [f for f in d["failures"] if f["event"] == name]
        events[name] = (e["cases"], e["failed"], len(mine), sum(f["severity"] == "error" for f in mine))
    return {"total": (d["summary"]["cases"], d["summary"]["failed"], d["summary"]["distinct_failures"]), "events": events}


_HEADLINE = re.compile(r"(\d+) cases?, (\d+) failed, (\d+) distinct failures? \((\d+) errors?")


def counts_from_markdown(text: str) -> dict:
    cases, failed, distinct, _ = map(int, _HEADLINE.search(text).groups())
    events = {}
    for name, row in re.findall(r"### Event `([^`]+)`\n\n.*?\n.*?\n\| (.+?) \|\n", text):
        cells = [c.strip() for c in row.split("|")]
        n, errors = re.match(r"(\d+) \((\d+) errors?", cells[3]).groups()
        events[name] = (int(cells[0]), int(cells[1]), int(n), int(errors))
    return {"total": (cases, failed, distinct), "events": events}


class _Cells(HTMLParser):
    """Rows of the coverage table as (leading text, full text) per cell, plus the headline."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_table, self.headline, self._head = [], None, False, "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "coverage-table":
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag == "td":
            self.cell = ["", "", True]
        elif self.cell is not None and tag not in ("code", "wbr"):
            self.cell[2] = False  # leading text ends where nested content (details, spans) begins
        elif tag == "p" and a.get("class") == "headline":
            self._head = True

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append((self.cell[0].strip(), self.cell[1]))
            self.cell = None
        elif tag == "p":
            self._head = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
            if self.cell[2]:
                self.cell[0] += data
        if self._head:
            self.headline += data


def counts_from_html(text: str) -> dict:
    p = _Cells()
    p.feed(text)
    cases, failed, distinct, _ = map(int, _HEADLINE.search(p.headline).groups())
    events = {}
    for row in p.rows:
        if row:
            (name, _), (c, _), (f, _), _skipped, (d, d_all) = row[:5]
            errors = int(re.search(r"(\d+) errors?", d_all).group(1))
            events[name] = (int(c), int(f), int(d), errors)
    return {"total": (cases, failed, distinct), "events": events}


def counts_from_junit(text: str) -> dict:
    root = ET.fromstring(text)
    events = {}
    for suite in root.iter("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        if "cases" in props:
            events[suite.get("name")] = (
                int(props["cases"]),
                int(props["failed_cases"]),
                int(props["distinct_failures"]),
                int(props["errors"]),
            )
    total = tuple(sum(e[i] for e in events.values()) for i in (0, 1, 2))
    return {"total": total, "events": events}


def test_the_four_reports_agree_on_counts(name):
    run = load_run(FIX / f"{name}.json")
    want = counts_from_json(render_json(run))
    assert want["events"], "fixture has events"
    assert counts_from_markdown(render_markdown(run)) == want
    assert counts_from_html(render_html(run)) == want
    assert counts_from_junit(render_junit(run)) == want


def test_snapshot_runs_use_the_same_writers():
    r = load_run(FIX / "snapshots.json")
    failing = [c for c in r.snapshots["cases"] if c["status"] in ("changed", "missing", "orphaned")]
    md = render_markdown(r)
    assert "## Snapshots: ❌ FAIL" in md
    assert all(f"**{c['status']}**" in md for c in failing)
    assert "&lt;b&gt;Bye&lt;/b&gt;" in md or '`"<b>Bye</b>"`' in md
    page = render_html(r)
    assert '<section id="snapshots">' in page and "&lt;b&gt;Bye&lt;/b&gt;" in page and "<b>Bye" not in page
    suite = ET.fromstring(render_junit(r)).find("testsuite[@name='snapshots']")
    assert suite.get("failures") == str(len(failing))
    assert [c.get("name") for c in suite.findall("testcase")] == sorted(c["example"] for c in failing)


def test_atomic_write_honours_the_umask(tmp_path):
    import os

    from lpf_contract.report import atomic_write

    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "r.json", "{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
