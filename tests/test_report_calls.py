"""External calls in the reports (issue 17): each failure's calls and --http-faults mode, the run's missing
fixtures with the entry to paste, each event's unchecked cases, the schema of those fields, and
``report --compare`` keeping faults out of a failure's identity."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from lpf_contract.core.results import EventResult, RunResult
from lpf_contract.report import load_run, render_html, render_junit, render_markdown, render_text
from lpf_contract.report.calls import call_line, suggestion_yaml
from lpf_contract.report.compare import compare
from lpf_contract.report.compare import render_md as compare_md
from lpf_contract.report.compare import render_text as compare_text
from lpf_contract.report.index import IndexEntry, render_index_md
from lpf_contract.report.json_report import schema_errors

FIX = Path(__file__).parent / "fixtures" / "report"
END = "surveybot_messaging_survey_ended"
MAIL = "https://api.mail.example/v3/send"
HTTP_SUGGESTION = {"request": {"method": "POST", "url": MAIL}, "response": {"status": 200, "body": {}}}
TOOLBELT_SUGGESTION = {"call": "ConversationUtil.getConversationById", "args": ["conv-1"], "returns": {}}

CALLS = (
    {
        "kind": "http",
        "via": "fetch",
        "method": "POST",
        "target": MAIL,
        "answer": "injected",
        "status": 503,
        "error": None,
        "fixture": None,
        "suggestion": None,
        "fault": "5xx",
    },
    {
        "kind": "secret",
        "via": "SecretClient",
        "method": "readSecret",
        "target": "mail-api-key",
        "answer": "emulated",
        "status": None,
        "error": None,
        "fixture": None,
        "suggestion": None,
        "fault": None,
    },
)


def base() -> RunResult:
    return load_run(FIX / "fail.json")


def with_calls(run: RunResult, *, faults: str = "5xx") -> RunResult:
    """``run`` with its first error carrying external calls and a faults mode."""
    first = next(f for f in run.failures if f.check == "handler-error")
    changed = dataclasses.replace(first, calls=CALLS, faults=faults)
    return dataclasses.replace(run, failures=tuple(changed if f is first else f for f in run.failures))


def with_missing(run: RunResult) -> RunResult:
    events = {name: dataclasses.replace(e, unchecked=3 if name == END else 0) for name, e in run.events.items()}
    missing = (
        {"target": MAIL, "via": "fetch", "method": "POST", "suggestion": HTTP_SUGGESTION, "cases": 3, "events": [END]},
        {
            "target": "Toolbelt.ConversationUtil().getConversationById",
            "via": "Toolbelt.ConversationUtil()",
            "method": "getConversationById",
            "suggestion": TOOLBELT_SUGGESTION,
            "cases": 1,
            "events": [END],
        },
    )
    reason = f"could not check 3 cases: no fixture for POST {MAIL} (and 1 more); add them to the fixtures file"
    return dataclasses.replace(run, events=events, missing_fixtures=missing, reason=reason)


def doc_of(run: RunResult) -> dict:
    """The conformance.json document in the shape core/results.py writes for these fields (issue 17):
    calls/faults only on failures that have them, unchecked only when non-zero, missing_fixtures only
    when there are some. Built here so that this test pins the schema whatever to_dict does today."""
    d = json.loads(json.dumps(run.to_dict()))
    for f, model in zip(d["failures"], sorted(run.failures, key=lambda f: (f.event, f.check, f.location, f.path, f.message))):
        f.pop("calls", None), f.pop("faults", None)
        if model.calls:
            f["calls"] = [dict(c) for c in model.calls]
        if model.faults:
            f["faults"] = model.faults
    for name, e in run.events.items():
        if e.unchecked:
            d["events"][name]["unchecked"] = e.unchecked
    if run.missing_fixtures:
        d["missing_fixtures"] = [dict(m) for m in run.missing_fixtures]
        d["summary"]["unchecked"] = sum(e.unchecked for e in run.events.values())
    return d


# -- the shared pieces --------------------------------------------------------------------------------
def test_call_lines_say_what_was_called_and_who_answered():
    assert call_line(CALLS[0]) == f"POST {MAIL} (via fetch) -> 503 [injected fault 5xx]"
    assert call_line(CALLS[1]) == "SecretClient.readSecret mail-api-key -> - [emulated in memory]"
    named = {**CALLS[0], "answer": "fixture", "fixture": "mail ok", "status": 200, "fault": None}
    assert call_line(named) == f'POST {MAIL} (via fetch) -> 200 [fixture "mail ok"]'
    refused = {**CALLS[0], "answer": "allow-list", "status": None, "error": "connect ECONNREFUSED", "fault": None}
    assert call_line(refused) == f"POST {MAIL} (via fetch) -> connect ECONNREFUSED [refused: host not allow-listed]"


def test_a_suggestion_is_a_yaml_block_that_pastes_into_the_right_list():
    assert yaml.safe_load(suggestion_yaml(HTTP_SUGGESTION)) == {"http": [HTTP_SUGGESTION]}
    assert yaml.safe_load(suggestion_yaml(TOOLBELT_SUGGESTION)) == {"toolbelt": [TOOLBELT_SUGGESTION]}
    assert suggestion_yaml(HTTP_SUGGESTION).splitlines()[:3] == ["http:", "- request:", "    method: POST"]
    assert suggestion_yaml(None) == suggestion_yaml({}) == ""


# -- the schema ---------------------------------------------------------------------------------------
def test_the_new_fields_validate():
    # (to_dict/from_dict of these fields are core/results.py's, tested with it)
    d = doc_of(with_missing(with_calls(base())))
    assert any("calls" in f and f["faults"] == "5xx" for f in d["failures"] if "faults" in f)
    assert d["missing_fixtures"] and d["events"][END]["unchecked"] == 3
    assert schema_errors(d) == []


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d["failures"][0].update(faults="boom"), "/failures/0/faults"),
        (lambda d: d["failures"][0].update(calls=[{**CALLS[0], "answer": "maybe"}]), "/failures/0/calls/0/answer"),
        (lambda d: d["failures"][0].update(calls=[{"kind": "http"}]), "/failures/0/calls/0"),
        (lambda d: d["events"][END].update(unchecked=-1), f"/events/{END}/unchecked"),
        (lambda d: d["missing_fixtures"][0].pop("target"), "/missing_fixtures/0"),
        (lambda d: d["missing_fixtures"][0].update(cases="3"), "/missing_fixtures/0/cases"),
    ],
)
def test_the_schema_rejects_malformed_new_fields(mutate, where):
    d = doc_of(with_missing(with_calls(base())))
    d["failures"].sort(key=lambda f: "calls" not in f)  # the failure with calls first
    mutate(d)
    errors = schema_errors(d)
    assert errors and errors[0].startswith(f"at {where}:"), errors


# -- the writers --------------------------------------------------------------------------------------
def test_markdown_shows_calls_faults_missing_fixtures_and_unchecked():
    md = render_markdown(with_missing(with_calls(base())))
    assert "with faults `5xx`" in md
    assert "| external calls | with every external call failing: 5xx (HTTP 503) (--http-faults) |" in md
    assert "External calls of this case (2):" in md
    assert f"| 1 | `POST {MAIL} (via fetch)` | injected fault 5xx | `503` |" in md
    assert "| 2 | `SecretClient.readSecret mail-api-key` | emulated in memory | `-` |" in md
    assert "## ⛔ Missing fixtures (2)" in md
    assert f"- `POST {MAIL}` via `fetch`: 3 cases in `{END}`" in md
    blocks = re.findall(r"```yaml\n(.*?)\n```", md, re.S)
    # sorted by target as verify lists them: "Toolbelt..." before "https://..."
    assert [yaml.safe_load(b) for b in blocks] == [{"toolbelt": [TOOLBELT_SUGGESTION]}, {"http": [HTTP_SUGGESTION]}]
    assert "- Not judged: 3 cases made a call no fixture answers (see Missing fixtures)" in md
    assert md.index("## ⛔ Missing fixtures") < md.index("## Failures")  # before the failures, near the verdict


def test_a_run_without_calls_renders_as_before():
    run = base()
    for render in (render_markdown, render_html, render_text):
        out = render(run)
        assert "External calls" not in out and "Missing fixtures" not in out.replace("missing fixtures", "")
        assert "faults" not in out


def test_html_shows_the_same(tmp_path):
    html = render_html(with_missing(with_calls(base())))
    assert '<section id="missing-fixtures"><h2>Missing fixtures</h2>' in html
    assert 'with faults <code class="faults">5xx</code>' in html
    assert "<h4>External calls of this case (2)</h4>" in html
    assert f"<code>POST {MAIL} (via fetch)</code>" in html
    blocks = re.findall(r'<pre class="fixture">(.*?)</pre>', html, re.S)
    assert len(blocks) == 2 and blocks[1].startswith("http:\n- request:")
    assert 'href="#missing-fixtures"' in html and "Not judged: 3 cases" in html

    class Parser(HTMLParser):  # well-formed enough for a browser: every tag we open is closed
        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in ("meta", "br", "wbr", "img", "link", "input"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    p = Parser()
    p.feed(html)
    assert p.stack == []


def test_junit_lists_each_missing_fixture_as_an_erroring_testcase():
    root = ET.fromstring(render_junit(with_missing(with_calls(base()))))
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "missing fixtures")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["Toolbelt.ConversationUtil().getConversationById", f"POST {MAIL}"]
    error = cases[1].find("error")
    assert error.get("type") == "no-fixture" and "add to the fixtures file:\nhttp:\n- request:" in error.text
    assert suite.get("errors") == "2" and int(root.get("errors")) >= 2
    props = {p.get("name"): p.get("value") for s in root.iter("testsuite") if s.get("name") == END for p in s.iter("property")}
    assert props["unchecked_cases"] == "3"
    failure_texts = "\n".join(f.text for f in root.iter("failure"))
    assert f"external calls (2):\n  1. POST {MAIL} (via fetch) -> 503 [injected fault 5xx]" in failure_texts


def test_text_report_lists_calls_and_missing_fixtures():
    out = render_text(with_missing(with_calls(base())))
    assert f"{END}: cases=" in out and "unchecked=3" in out
    assert "MISSING FIXTURES: 3 cases made a call that no fixture answers (2 distinct calls)" in out
    assert f"  no fixture for POST {MAIL} (via fetch): 3 cases in {END}" in out
    assert "    http:\n    - request:\n        method: POST" in out
    assert "(with every external call failing: 5xx (HTTP 503))" in out
    assert f"    call 1: POST {MAIL} (via fetch) -> 503 [injected fault 5xx]" in out


def test_many_calls_are_capped_with_a_count():
    many = tuple({**CALLS[1], "target": f"key-{i}"} for i in range(40))
    run = base()
    first = run.failures[0]
    run = dataclasses.replace(run, failures=(dataclasses.replace(first, calls=many), *run.failures[1:]))
    md = render_markdown(run)
    assert "External calls of this case (40):" in md and "… and 15 more calls, listed in conformance.json." in md
    assert "key-24" in md and "key-25" not in md


def test_snapshot_cases_not_checked_show_the_missing_call():
    run = load_run(FIX / "snapshots.json")
    snaps = dict(run.snapshots)
    snaps["unchecked"] = 1
    snaps["cases"] = [
        *snaps["cases"],
        {
            "event": END,
            "example": "mail",
            "status": "unchecked",
            "file": "snaps/mail.json",
            "changes": [],
            "missing_fixtures": [{"via": "fetch", "method": "POST", "target": MAIL, "suggestion": HTTP_SUGGESTION}],
        },
    ]
    run = dataclasses.replace(run, snapshots=snaps)
    md = render_markdown(run)
    assert "| Unchecked |" in md
    assert f"**unchecked** | `snaps/mail.json` | not compared: no fixture for POST {MAIL} |" in md
    assert f"not compared: no fixture for POST {MAIL}" in render_html(run)
    root = ET.fromstring(render_junit(run))
    failed = [c for c in root.iter("testcase") if c.get("name") == "mail"]
    assert failed and failed[0].find("failure").get("type") == "snapshot-unchecked"


# -- compare --------------------------------------------------------------------------------------------
def test_compare_shows_faults_but_matches_without_them():
    old, new = with_calls(base(), faults="5xx"), with_calls(base(), faults="timeout")
    c = compare(old, new)
    assert c.regressed == () and c.fixed == ()
    shown = next(i for i in c.still_failing if i.faults)
    assert shown.faults == "timeout" and shown.to_dict()["faults"] == "timeout"
    assert "(with every external call failing: timeout (ETIMEDOUT))" in compare_text(c)
    assert "with every external call failing: timeout (ETIMEDOUT)" in compare_md(c)
    assert all("faults" not in i.to_dict() for i in compare(base(), base()).still_failing)


def test_compare_says_the_new_run_could_not_check_when_fixtures_were_missing():
    new = with_missing(load_run(FIX / "pass.json"))  # nothing failed, 3 cases not judged
    assert new.verdict == "error"
    c = compare(base(), new)
    assert "new run could not check the handler: could not check 3 cases" in compare_text(c)
    assert c.exit_code == 1 and c.fixed == ()  # not looked at again is not fixed


# -- the index ------------------------------------------------------------------------------------------
def test_index_row_counts_unchecked_cases():
    row = IndexEntry(name="mail", target="functions/mail", verdict="error", reason="no fixture", unchecked=3, missing_fixtures=1)
    assert "no fixture; 3 unchecked cases: 1 calls without a fixture |" in render_index_md([row])
    assert "unchecked" not in render_index_md([IndexEntry(name="a", target="a", verdict="pass")])


def test_an_event_result_defaults_to_nothing_unchecked():
    assert EventResult(event=END, cases=1, failed=0).unchecked == 0


def test_many_missing_fixtures_still_fit_a_github_comment():
    from lpf_contract.core.text import md_size
    from lpf_contract.report.markdown import GITHUB_COMMENT_LIMIT

    big = {"request": {"method": "POST", "url": MAIL}, "response": {"status": 200, "body": {"text": "x" * 5000}}}
    missing = tuple(
        {"target": f"{MAIL}?n={i}", "via": "fetch", "method": "POST", "suggestion": big, "cases": 1, "events": [END]}
        for i in range(60)
    )
    run = dataclasses.replace(with_missing(with_calls(base())), missing_fixtures=missing)
    md = render_markdown(run)
    assert md_size(md) <= GITHUB_COMMENT_LIMIT
    assert "## ⛔ Missing fixtures (60)" in md and "… and 35 more, listed in conformance.html and conformance.json." in md
    assert "## Failures (4)" in md  # the failures are not crowded out
