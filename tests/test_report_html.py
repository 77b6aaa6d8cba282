from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lpf_contract.report import load_run, render_html

FIX = Path(__file__).parent / "fixtures" / "report"
VOID = {"meta", "br", "img", "input", "link", "hr", "wbr"}


class Tree(HTMLParser):
    """Collects tags, attributes and text, and checks every non-void tag is closed in order."""

    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(name):
    r = load_run(FIX / f"{name}.json")
    t = Tree()
    page = render_html(r)
    t.feed(page)
    t.close()
    return r, page, t


@pytest.mark.parametrize("name", ["pass", "fail", "interrupted", "huge", "snapshots"])
def test_page_is_balanced_and_self_contained(name):
    _, page, t = parse(name)
    assert t.errors == [] and t.stack == []
    tags = {tag for tag, _ in t.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    for _, attrs in t.tags:
        for key in ("src", "href", "action"):
            assert key not in attrs
    csp = next(a["content"] for tag, a in t.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    assert any(a.get("name") == "viewport" for tag, a in t.tags if tag == "meta")
    assert "@media (max-width:640px)" in page  # the phone layout


def test_handler_supplied_text_is_escaped_not_markup():
    _, page, t = parse("fail")
    assert "<script>alert" not in page and "<img src=x" not in page and "<svg>" not in page
    text = "".join(t.text)
    assert "<script>alert('x')</script>" in text  # shown to the reader as text
    assert '"<img src=x onerror=alert(1)>"' in text
    assert "Ω-ñ-日本語" in text and "感谢 🎉" in text
    assert "\x1b" not in page


def test_every_failure_is_an_expandable_details_with_its_check_id():
    r, _, t = parse("fail")
    details = [a for tag, a in t.tags if tag == "details" and "failure" in a.get("class", "")]
    assert len(details) == len(r.failures)
    page = render_html(r)
    for f in r.failures:
        assert f'<code class="check">{f.check}</code>' in page


def test_verdict_and_coverage_bars():
    _, page, t = parse("fail")
    header = next(a for tag, a in t.tags if tag == "header")
    assert header["class"] == "verdict fail" and header["id"] == "verdict"
    widths = re.findall(r'style="width:([\d.]+)%"', page)
    assert "85.7" in widths and "91.7" in widths and "90.3" in widths
    assert 'aria-label="6 of 7 enum values covered"' in page


def test_missing_coverage_renders_na():
    _, page, _ = parse("interrupted")
    assert page.count('<span class="muted">n/a</span>') == 2  # optional and overall percent
    assert "interrupted before it finished" in page
