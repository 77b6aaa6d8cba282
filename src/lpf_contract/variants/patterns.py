"""Regex patterns the generator draws without ``from_regex``: ``^[class]{m,n}$`` and sequences of
literals and bounded character classes (UUIDs, hex and digit ids), read with the stdlib's own parser."""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own regex parser (Python >= 3.11, as requires-python says)
import string
from re._constants import MAXREPEAT

_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_SPACE": " \t\n\r\f\v",
}


def _anchored_body(pattern: str) -> list | None:
    """The parsed items of ``^...$`` between its anchors, or None (unparsable, or not anchored at both
    ends: an unanchored pattern accepts any string containing a match, so from_regex handles it)."""
    try:
        parsed = list(sre_parse.parse(pattern, re.ASCII))
    except re.error:
        return None
    if len(parsed) < 2 or str(parsed[0][0]) != "AT" or str(parsed[0][1]) != "AT_BEGINNING":
        return None
    if str(parsed[-1][0]) != "AT" or str(parsed[-1][1]) not in ("AT_END", "AT_END_STRING"):
        return None
    return parsed[1:-1]


def simple_pattern(pattern: str) -> tuple[str, int, int | None] | None:
    """``^[class]{m,n}$`` as (alphabet, m, n or None); None for any richer pattern."""
    body_items = _anchored_body(pattern)
    if body_items is None or len(body_items) != 1 or str(body_items[0][0]) not in ("MAX_REPEAT", "MIN_REPEAT"):
        return None
    lo, hi, body = body_items[0][1]
    body = list(body)
    chars = _charset(body[0]) if len(body) == 1 else None
    if not chars:
        return None
    return chars, lo, None if hi == MAXREPEAT else hi


def segment_pattern(pattern: str) -> tuple[tuple[str, int, int], ...] | None:
    """``^`` + a sequence of literals and (repeated) character classes + ``$`` (the shape of UUIDs,
    hex and digit ids) as ((alphabet, m, n), ...); None for anything richer (alternation, groups,
    unbounded repeats)."""
    body_items = _anchored_body(pattern)
    if not body_items:
        return None
    out = []
    for op, arg in body_items:
        if str(op) in ("MAX_REPEAT", "MIN_REPEAT"):
            lo, hi, body = arg
            body = list(body)
            chars = _charset(body[0]) if len(body) == 1 else None
            if not chars or hi == MAXREPEAT:
                return None
            out.append((chars, lo, hi))
        else:
            chars = _charset((op, arg))
            if not chars:
                return None
            out.append((chars, 1, 1))
    return tuple(out)


def _charset(item) -> str | None:
    op, arg = item
    if str(op) == "LITERAL":
        return chr(arg)
    if str(op) != "IN":
        return None
    out = []
    for sub_op, sub_arg in arg:
        sub_op = str(sub_op)
        if sub_op == "LITERAL":
            out.append(chr(sub_arg))
        elif sub_op == "RANGE" and sub_arg[1] - sub_arg[0] <= 512:
            out.extend(chr(c) for c in range(sub_arg[0], sub_arg[1] + 1))
        elif sub_op == "CATEGORY" and str(sub_arg) in _CATEGORIES:
            out.append(_CATEGORIES[str(sub_arg)])
        else:
            return None  # negated sets, unicode categories, wide ranges: from_regex knows them
    return "".join(dict.fromkeys("".join(out)))
