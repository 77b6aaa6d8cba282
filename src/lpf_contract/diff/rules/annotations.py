"""Rules about keywords no contract validator asserts, reported for information (``format``)."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import rule
from ..model import Hit, Pair

_FORMAT_NOTE = "format is an annotation here: no contract validator asserts it (one format policy, see contracts/v1)"


@rule("format-added", family="annotations", effect="narrowing", level="info", summary=f"a format was added; {_FORMAT_NOTE}")
def format_added(pair: Pair) -> Iterator[Hit]:
    if "format" not in pair.old.kw and "format" in pair.new.kw:
        yield Hit(f"format {pair.new.kw['format']!r} added (not asserted)", pair.old.ptr, pair.new.kp("format"))


@rule("format-removed", family="annotations", effect="widening", level="info", summary=f"a format was removed; {_FORMAT_NOTE}")
def format_removed(pair: Pair) -> Iterator[Hit]:
    if "format" in pair.old.kw and "format" not in pair.new.kw:
        yield Hit(f"format {pair.old.kw['format']!r} removed (not asserted)", pair.old.kp("format"), pair.new.ptr)


@rule("format-changed", family="annotations", effect="incompatible", level="info", summary=f"the format changed; {_FORMAT_NOTE}")
def format_changed(pair: Pair) -> Iterator[Hit]:
    o, n = pair.old.kw.get("format"), pair.new.kw.get("format")
    if o is not None and n is not None and o != n:
        yield Hit(f"format {o!r} -> {n!r} (not asserted)", pair.old.kp("format"), pair.new.kp("format"))
