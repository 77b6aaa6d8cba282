from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from lpf_contract.report import load_run, render_markdown
from lpf_contract.report.markdown import GITHUB_COMMENT_LIMIT, code, fence, size, text

FIX = Path(__file__).parent / "fixtures" / "report"


def run(name):
    return load_run(FIX / f"{name}.json")


def outside_code(md: str) -> str:
    """The prose GitHub would interpret: fenced blocks and code spans are shown literally."""
    md = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1$", "", md)
    return re.sub(r"``.+?``|`[^`]*`", "", md)


@pytest.mark.parametrize("name, word", [("pass", "PASS"), ("fail", "FAIL"), ("interrupted", "INTERRUPTED")])
def test_verdict_comes_first(name, word):
    first = render_markdown(run(name)).splitlines()[0]
    assert first.startswith("# ") and word in first


def test_interrupted_run_says_results_are_partial():
    md = render_markdown(run("interrupted"))
    assert "interrupted before it finished" in md.split("## Events")[0]


def test_every_failure_has_check_message_payload_details_result_and_repro():
    r = run("fail")
    md = render_markdown(r)
    blocks = re.split(r"(?m)^### \d+\. ", md)[1:]
    assert len(blocks) == len(r.failures)
    for f in r.failures:
        block = next(b for b in blocks if f"`{f.check}` in `{f.event}`" in b)
        assert "<details><summary>Minimal payload</summary>" in block
        assert "<details><summary>Result and logs</summary>" in block
        assert f.repro in block
        assert f.message.split(" ")[1] in block


def test_a_table_per_event_with_coverage_and_missing_values():
    md = render_markdown(run("fail"))
    assert md.count("### Event `") == 2
    assert "| 241 | 149 | 0 | 2 (2 errors, 0 warnings) | 6/7 (85.7%) | 22/24 (91.7%) | 90.3% |" in md
    assert "Enum values never sent: `/closeReason=SYSTEM`" in md


def test_missing_coverage_keys_render_as_na():
    md = render_markdown(run("interrupted"))  # coverage has only a partial "enum" block
    assert "| 2/7 (28.6%) | n/a | n/a |" in md


def test_html_and_markdown_specials_from_handlers_cannot_inject():
    md = render_markdown(run("fail"))
    prose = outside_code(md)
    for raw in ("<script", "<img", "<svg", "<no & way>"):
        assert raw not in prose
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in prose
    assert "\x1b" not in md  # ANSI escapes from logs are shown as \u001b
    assert "\\u001b[31mboom" in md


def test_escaping_helpers():
    assert text("a|b *c* <d> _e_") == "a\\|b \\*c\\* &lt;d&gt; \\_e\\_"
    assert text("line1\nline2") == "line1<br>line2"
    assert code("a`b") == "`` a`b ``"
    assert code("x|y") == "`x\\|y`"
    body = "```\nnested\n```"
    f = fence(body, "json")
    assert f.startswith("````json\n") and f.endswith("\n````")


def test_small_reports_are_not_truncated():
    for name in ("pass", "fail", "interrupted"):
        assert "Truncated" not in render_markdown(run(name))


def test_huge_report_fits_a_github_comment_and_says_it_was_cut():
    r = run("huge")
    md = render_markdown(r)
    assert size(md) <= GITHUB_COMMENT_LIMIT
    assert md.count("Truncated to fit GitHub's 65,536-character comment limit") == 2  # top and bottom
    m = re.search(r"(\d+) of (\d+) failures are shown in full, (\d+) more are only listed", md)
    full, total, listed = map(int, m.groups())
    assert total == len(r.failures)
    assert len(re.findall(r"(?m)^### \d+\. ", md)) == full
    assert len(re.findall(r"(?m)^\d+\. (?:❌|⚠️) `", md)) == listed
    assert full + listed == total  # every failure is at least named
    assert md.endswith("</sub>\n")


@pytest.mark.parametrize("limit", [2_500, 3_500, 5_000])
def test_any_limit_is_respected_with_a_visible_note(limit):
    md = render_markdown(run("fail"), limit=limit)
    assert size(md) <= limit
    assert "Truncated" in md


def test_one_giant_payload_is_clipped_inside_its_failure():
    r = run("fail")
    big = dataclasses.replace(r.failures[0], payload={"blob": "z" * 50_000})
    md = render_markdown(dataclasses.replace(r, failures=(big, *r.failures[1:])))
    assert "Truncated to fit" not in md  # the whole report still fits
    assert "truncated: " in md and f"the full text is in `{big.repro_file}`" in md
    assert size(md) < 20_000


def test_size_counts_like_github():
    assert size("🎉") == 2 and size("é") == 1


def test_renders_as_intended_with_a_commonmark_gfm_table_parser():
    # markdown-it-py (a rich dependency) with raw HTML on, as GitHub renders comments
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    r = run("fail")
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(render_markdown(r))
    tags: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    Tags().feed(page)
    assert not {"script", "img", "svg", "no"} & set(tags)
    assert tags.count("table") == 1 + len(r.events) + (1 if r.static else 0) + len(r.failures)
    assert tags.count("details") == 2 * len(r.failures)
    assert tags.count("h1") == 1 and tags.count("h3") == len(r.events) + len(r.failures)


def test_code_span_survives_backtick_runs():
    from lpf_contract.report.markdown import code

    assert code("a``b") == "``` a``b ```"
    assert code("a`b") == "`` a`b ``"
