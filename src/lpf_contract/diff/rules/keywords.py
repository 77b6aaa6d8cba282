"""The catch-all: a keyword no other rule judges (not, if/then/else, patternProperties...) that changed."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.schema import canon, strip
from ..bounds import BOUND_KEYWORDS
from ..catalogue import rule
from ..model import Hit, Pair
from ..pairs import all_of_sides, branch_sides

# Keywords the specific rules judge (or the walk descends into).
HANDLED = frozenset(
    {"type", "enum", "required", "properties", "additionalProperties", "pattern", "format", "uniqueItems", "multipleOf"}
    | BOUND_KEYWORDS
)


def unhandled_keywords(pair: Pair) -> list[str]:
    """Keywords no specific rule judges at this pair (compared as opaque values)."""
    out = []
    for key in sorted(set(pair.old.kw) | set(pair.new.kw)):
        if key in HANDLED:
            continue
        o, n = pair.old.kw.get(key), pair.new.kw.get(key)
        if key == "items" and not isinstance(o, list) and not isinstance(n, list):
            continue
        if key == "allOf" and all_of_sides(pair):
            continue
        if key in ("oneOf", "anyOf"):
            sides = branch_sides(pair)
            if sides and key in (sides[0], sides[2]):
                continue
        if canon(strip(o)) != canon(strip(n)):
            out.append(key)
    return out


@rule(
    "keyword-changed", family="keywords", effect="incompatible",
    summary="a keyword with no specific rule changed (not, if/then/else, patternProperties, ...): judged incompatible",
)  # fmt: skip
def keyword_changed(pair: Pair) -> Iterator[Hit]:
    for key in unhandled_keywords(pair):
        yield Hit(f"{key} changed (no specific rule: assumed incompatible)", pair.old.kp(key), pair.new.kp(key))
