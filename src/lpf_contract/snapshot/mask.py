"""What a snapshot records of an Outcome, and masking the volatile parts (``--ignore-path`` JSONPaths)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.errors import UsageError
from .model import IGNORED

# What a snapshot pins of each external call (issue 17): who was called, how, who answered and what
# status came back. Not durations, errors' texts (ports, stack-ish details) or the fixture's name
# (renaming a fixture is not a change of the lambda). Decided here.
CALL_KEYS = ("kind", "via", "method", "target", "answer", "status")


def call_snapshot(call) -> dict[str, Any]:
    """One ``core.outcome.ExternalCall`` as a snapshot records it (keys whose value is None left out)."""
    doc = {}
    for key in CALL_KEYS:
        value = getattr(call, key, None)
        if value is not None:
            doc[key] = value if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return doc


def outcome_snapshot(outcome, *, count_logs: bool = True) -> dict[str, Any]:
    """The part of an Outcome a snapshot records: result, fault kind and code, number of logs, and the
    external calls in the order they were made (``calls``, only when there were any: a snapshot
    recorded before calls were recorded still matches a lambda that makes none).

    ``count_logs=False`` for handlers whose logs cannot be seen (an HTTP gateway answers 200 with
    the result only): the number is left out instead of recorded as a false 0.
    """
    doc: dict[str, Any] = {"log_count": len(outcome.logs)} if count_logs else {}
    if outcome.has_result:
        # A JSON round trip: the file must hold exactly what a later run's comparison will read back.
        doc["result"] = json.loads(json.dumps(outcome.result, ensure_ascii=False))
    if outcome.fault is not None:
        doc["fault"] = {"kind": str(outcome.fault), "code": outcome.error_code}
    calls = getattr(outcome, "calls", ())
    if calls:
        doc["calls"] = [call_snapshot(c) for c in calls]
    return doc


def dumps(doc: Any) -> str:
    """Snapshot file text: sorted keys, indent 2, UTF-8 as is, trailing newline."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def compile_ignore_paths(paths: Iterable[str]) -> tuple[Any, ...]:
    """Parse JSONPath expressions; raises UsageError (exit 2) naming the bad one."""
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext import parse

    out = []
    for p in paths:
        try:
            out.append(parse(p))
        except JSONPathError as exc:
            raise UsageError(
                f"--ignore-path is not a JSONPath expression: path={p!r}: {exc}; examples: '$.result[*].text', '$..timestamp'"
            ) from None
    return tuple(out)


def mask(doc: Any, compiled: Sequence[Any]) -> Any:
    """A copy of ``doc`` with every part the compiled JSONPaths select replaced by IGNORED."""
    if not compiled:
        return doc
    doc = copy.deepcopy(doc)
    for expr in compiled:
        doc = expr.update(doc, IGNORED)
    return doc
