"""Rules about the set of events a contract version defines (registry.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.pointer import escape
from ..catalogue import rule
from ..model import EventsPair, Hit


@rule(
    "event-added", family="events", effect="widening", level="info", scope="events",
    summary="the new version defines an event the old one did not; existing handlers are not invoked for it",
)  # fmt: skip
def event_added(pair: EventsPair) -> Iterator[Hit]:
    for event_id in sorted(set(pair.new) - set(pair.old)):
        yield Hit(f"event {event_id!r} added", None, f"/events/{escape(event_id)}", hint=event_id)


@rule(
    "event-removed", family="events", effect="narrowing", scope="events", breaks=("handlers",),
    summary="an event is gone: existing handlers for it are never invoked again",
)  # fmt: skip
def event_removed(pair: EventsPair) -> Iterator[Hit]:
    for event_id in sorted(set(pair.old) - set(pair.new)):
        yield Hit(f"event {event_id!r} removed", f"/events/{escape(event_id)}", None, hint=event_id)
