"""Escaping text for the documents we render (Markdown, HTML): shared by the reports and the contract diff,
so that a value from a payload, a log or a schema can neither format nor inject markup."""

from __future__ import annotations

import re
from html import escape

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(s: str) -> str:
    """Control characters (ANSI colours in logs, NULs) made visible as \\uXXXX instead of garbling the page."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", s)



_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]|~])")


def md_size(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units: an emoji may count twice), never less than len()."""
    return len(text.encode("utf-16-le")) // 2


def md_text(s: str) -> str:
    """Markdown-escape free text so a message can neither format nor inject HTML."""
    s = printable(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _INLINE_SPECIALS.sub(r"\\\1", s)
    # Newlines become <br>, so no escaped value ever starts a Markdown line (no headings, lists, quotes).
    return s.replace("\r\n", "\n").replace("\n", "<br>")


def md_code(s: str) -> str:
    """An inline code span that survives backticks and table pipes in ``s``."""
    s = s.replace("\n", " ").replace("|", "\\|")
    if "`" not in s:
        return f"`{s}`" if s else "` `"
    # A delimiter one backtick longer than the longest run inside cannot be closed early (CommonMark).
    ticks = "`" * (max(len(run) for run in re.findall(r"`+", s)) + 1)
    return f"{ticks} {s} {ticks}"


def md_fence(body: str, lang: str = "") -> str:
    """A fenced code block that no run of backticks inside ``body`` can close early."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"



def html_text(value: object) -> str:
    """HTML-escaped text (quotes included), control characters made visible."""
    return escape(printable(str(value)), quote=True)
