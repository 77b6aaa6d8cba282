"""``diff --against HANDLER``: the witnesses (and, for result changes, what verify would send under the new
contract: golden examples, the systematic set, generated payloads) replayed through a handler, to say which
changes really break it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..core.schema import canon
from .model import Replay, SchemaChange
from .samples import short


def replay_witnesses(
    changes: Sequence[SchemaChange],
    handler: Any,
    *,
    result_errors: Callable[[str, Any], list],
    target: str,
    examples: Callable[[str], Sequence[tuple[str, Any]]] = lambda event_id: (),
    accepts_no_result: Callable[[str], bool] = lambda event_id: False,
    minimise: Callable[[str, Any, Callable[[Any], bool]], Any] | None = None,
) -> list[SchemaChange]:
    """Replay what each handler-breaking change is about through ``handler``; say which break it.

    Payload changes: the witness the new contract lets the platform send. Result changes: the
    payloads ``examples(event_id)`` (name, payload) of the new version, whose results must pass the
    new result schema. ``result_errors(event_id, result)`` returns a result's errors (none where the
    event's results are ignored); ``accepts_no_result(event_id)`` says whether no result is fine;
    ``minimise(event_id, payload, reproduces)`` shrinks a payload that breaks the handler.
    """
    seen: dict[tuple[str, str], tuple[str, str] | None] = {}

    def run(event_id: str, payload: Any) -> tuple[str, str] | None:
        key = (event_id, canon(payload))
        if key not in seen:
            seen[key] = _invoke(handler, event_id, payload, result_errors, accepts_no_result(event_id))
        return seen[key]

    out = []
    for change in changes:
        w = change.witness
        if change.role == "payload" and w is not None and w.accepted_by == "new" and change.event_id is not None:
            verdict = run(change.event_id, w.instance)
            if verdict is not None and verdict[0] == "unchecked":
                out.append(change)  # the handler met a call nothing answers here: not replayed, the change still counts
                continue
            detail = verdict[1] if verdict else "handled it: no fault, result accepted"
            out.append(replace(change, replay=Replay(target, verdict is not None, detail)))
        elif change.role == "commands" and "handlers" in change.breaking_for and change.events:
            out.append(_replay_results(change, run, examples, target, minimise))
        else:
            out.append(change)
    return out


def _replay_results(change: SchemaChange, run: Callable, examples: Callable, target: str, minimise) -> SchemaChange:
    tried = faults = 0
    for event_id in change.events:
        for name, payload in examples(event_id):
            verdict = run(event_id, payload)
            if verdict is not None and verdict[0] == "unchecked":
                continue  # a call nothing answers here: this example says nothing about the change
            if verdict is not None and verdict[0] == "fault":
                faults += 1  # the handler fails on a valid payload: a bug, but not this change's doing
                continue
            tried += 1
            if verdict is not None:
                detail = f"{event_id} {name}: {verdict[1]}"
                if minimise is not None:

                    def breaks(candidate, event_id=event_id):
                        found = run(event_id, candidate)
                        return found is not None and found[0] == "result"

                    small = minimise(event_id, payload, breaks)
                    detail = f"{event_id} {name}, shrunk to {short(small)}: {run(event_id, small)[1]}"
                return replace(change, replay=Replay(target, True, detail))
    if not tried:
        return change  # nothing could be replayed: the change still counts
    detail = f"results of {tried} payloads (golden, systematic, generated) accepted by the new result contract"
    if faults:
        detail += f" ({faults} other examples ended in a fault; run `lpf-contract verify` on them)"
    return replace(change, replay=Replay(target, False, detail))


def _invoke(
    handler: Any, event_id: str, payload: Any, result_errors: Callable[[str, Any], list], no_result_ok: bool
) -> tuple[str, str] | None:
    """None when the handler copes; else ("fault" | "result" | "unchecked", why)."""
    outcome = handler.invoke(event_id, {"headers": [], "payload": payload})
    missing = outcome.missing_fixtures
    if missing:
        # The lambda met a call nothing answers here: its outcome says nothing about the new contract.
        return "unchecked", f"not judged: no fixture for {missing[0].method} {missing[0].target}"
    if outcome.fault is not None:
        msg = f": {outcome.error_message}" if getattr(outcome, "error_message", None) else ""
        return "fault", f"fault={outcome.fault}{msg}"
    if not outcome.has_result:
        return None if no_result_ok else ("result", "no result (the contract asks for a result)")
    errors = result_errors(event_id, outcome.result)
    if errors:
        first = errors[0]
        return "result", f"result {short(outcome.result)} rejected by the result schema at {first.path or '/'}: {first.message}"
    return None
