"""Validity-preserving shrinking of JSON payloads, with a budget.

Hypothesis shrinks inside ``@given``; verify runs cases in parallel worker processes and must bound
what a hanging handler costs, so it shrinks failures here: big steps first (drop every optional
property of an object at once, then halves, then single ones), and only payloads the payload schema
accepts are ever run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator


class BudgetSpent(Exception):
    """Raised by a ``reproduces`` callback to stop shrinking now (the result is marked exhausted)."""


@dataclass(frozen=True, slots=True)
class ShrinkResult:
    payload: Any
    steps: int  # accepted reductions
    attempts: int  # handler runs
    exhausted: bool  # stopped by the budget, not because nothing smaller reproduced


def shrink(
    payload: Any,
    reproduces: Callable[[Any], bool],
    *,
    is_valid: Callable[[Any], bool],
    max_attempts: int = 200,
    deadline_s: float | None = None,
) -> ShrinkResult:
    """The smallest payload found that is valid and still ``reproduces``."""
    current = payload
    steps = attempts = 0
    seen: set[str] = set()
    start = time.monotonic()
    progress = True
    while progress:
        progress = False
        for candidate in _candidates(current):
            key = _key(candidate)
            if key in seen:
                continue
            seen.add(key)
            if not is_valid(candidate):
                continue
            if attempts >= max_attempts or (deadline_s is not None and time.monotonic() - start > deadline_s):
                return ShrinkResult(current, steps, attempts, True)
            attempts += 1
            try:
                hit = reproduces(candidate)
            except BudgetSpent:
                return ShrinkResult(current, steps, attempts - 1, True)
            if hit:
                current, steps, progress = candidate, steps + 1, True
                break
    return ShrinkResult(current, steps, attempts, False)


def _key(value: Any) -> str:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _candidates(root: Any) -> Iterator[Any]:
    # Structural reductions everywhere first (they remove the most), then values.
    for path, node in list(_walk(root)):
        if isinstance(node, dict) and node:
            keys = sorted(node)
            for group in _ddmin_groups(keys):
                yield _replace(root, path, {k: v for k, v in node.items() if k not in group})
        elif isinstance(node, list) and node:
            yield _replace(root, path, [])
            half = len(node) // 2
            if half:
                yield _replace(root, path, node[:half])
                yield _replace(root, path, node[half:])
            for i in range(len(node)):
                yield _replace(root, path, node[:i] + node[i + 1 :])
    for path, node in list(_walk(root)):
        if isinstance(node, str) and node:
            yield _replace(root, path, "")
            if len(node) > 1:
                yield _replace(root, path, node[: len(node) // 2])
                yield _replace(root, path, node[len(node) // 2 :])
            if len(node) <= 8:
                for i in range(len(node)):
                    yield _replace(root, path, node[:i] + node[i + 1 :])
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and node != 0:
            yield _replace(root, path, 0)
            if isinstance(node, int) and abs(node) > 1:
                yield _replace(root, path, node // 2)
            if isinstance(node, float) and node != int(node):
                yield _replace(root, path, float(int(node)))


def _ddmin_groups(keys: list[str]) -> Iterator[tuple[str, ...]]:
    yield tuple(keys)
    if len(keys) > 2:
        half = len(keys) // 2
        yield tuple(keys[:half])
        yield tuple(keys[half:])
    if len(keys) > 1:
        for k in keys:
            yield (k,)


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, node
    if isinstance(node, dict):
        for k in sorted(node):
            yield from _walk(node[k], path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _replace(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(root, dict):
        out = dict(root)
        out[head] = _replace(root[head], rest, value)
        return out
    out_list = list(root)
    out_list[head] = _replace(root[head], rest, value)
    return out_list
