"""Rules about what the platform does with an event's results (registry.yaml ``result_policy``)."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.pointer import escape
from ..catalogue import rule
from ..model import Hit, PolicyPair


@rule(
    "result-policy-changed",
    family="policy",
    effect="narrowing",
    scope="policy",
    breaks=("handlers",),
    summary=(
        "an event's result_policy changed: ignored -> acted-on breaks handlers whose results the result "
        "contract rejects (they were harmless); acted-on -> ignored breaks nobody, but commands stop happening (info)"
    ),
)
def result_policy_changed(pair: PolicyPair) -> Iterator[Hit]:
    if pair.old == pair.new:
        return
    where = f"/events/{escape(pair.event_id)}/result_policy"
    if pair.new == "ignored":
        yield Hit(
            f"event {pair.event_id!r}: result_policy {pair.old} -> {pair.new}: the platform no longer acts on "
            "results; any result is harmless, and commands handlers return will not happen",
            where, where, hint=pair.event_id, effect="widening", breaks=(),
        )  # fmt: skip
    else:
        yield Hit(
            f"event {pair.event_id!r}: result_policy {pair.old} -> {pair.new}: results are now enforced; "
            "a handler returning anything the result contract rejects (or no result) now fails",
            where, where, hint=pair.event_id,
        )  # fmt: skip
