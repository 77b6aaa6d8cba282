"""The one module that uses Hypothesis internals, for speed; everything else uses the public API.

Why: every draw of a public strategy goes through ``ConjectureData.draw`` (span bookkeeping and the
re-resolution of the lazy wrapper every public strategy is), about 15 µs on top of the choice itself.
A survey payload makes about 85 choices; drawn through public strategies it took 3.7 ms instead of
0.7 ms (bench/bench_generation.py). Here the same choices come straight from ConjectureData
(``draw_integer``, ``draw_boolean``, ``draw_string``, ``start_span``/``stop_span``,
``mark_invalid``), and ``draw_direct`` draws without the test engine (novelty tracking, mutation of
earlier examples: more than half the time per payload when the values are only collected).

Internals move between Hypothesis releases, so nothing here is assumed: the imports and a smoke draw
run once (:func:`self_check`), and when they fail :data:`AVAILABLE` is False and the callers fall back
to the public API (``strategy.PublicSource``, ``draw_batch``): slower, never wrong.
``tests/test_variants.py::test_fast_path_works_on_the_installed_hypothesis`` fails loudly on such a
version, so our CI never runs the fallback unnoticed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .strategy import Drawer

SPAN_LABEL = 0x6C70_6601  # arbitrary, distinct from Hypothesis' own labels

try:
    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest
    from hypothesis.internal.conjecture.data import ConjectureData
    from hypothesis.internal.conjecture.providers import HypothesisProvider
    from hypothesis.internal.intervalsets import IntervalSet
    from hypothesis.strategies._internal.strategies import SearchStrategy as _InternalStrategy

    IMPORT_ERROR = ""
except (ImportError, AttributeError) as exc:  # pragma: no cover - only on an incompatible Hypothesis
    IMPORT_ERROR = f"{type(exc).__name__}: {exc}"


@functools.lru_cache(maxsize=256)
def _intervals(alphabet: str) -> Any:
    return IntervalSet.from_string(alphabet)


class FastSource:
    """A ``strategy.Source`` over ConjectureData's own choice methods."""

    __slots__ = ("_data",)

    def __init__(self, data: Any):
        self._data = data

    def integer(self, lo: int, hi: int) -> int:
        return self._data.draw_integer(lo, hi)

    def boolean(self) -> bool:
        return self._data.draw_boolean(0.5)

    def text(self, alphabet: str, lo: int, hi: int) -> str:
        return self._data.draw_string(_intervals(alphabet), min_size=lo, max_size=hi)

    def span(self, drawer: Callable[..., Any], *args: Any) -> Any:
        self._data.start_span(SPAN_LABEL)
        try:
            return drawer(self, *args)
        finally:
            self._data.stop_span()

    def strategy(self, strategy: SearchStrategy) -> Any:
        return self._data.draw(strategy)

    def reject(self, why: str) -> Any:
        self._data.mark_invalid(why)


def fast_strategy(drawer: Drawer, name: str) -> SearchStrategy:
    """A strategy drawing ``drawer``'s values from a :class:`FastSource`."""
    return _FastStrategy(drawer, name)


if not IMPORT_ERROR:

    class _FastStrategy(_InternalStrategy):
        def __init__(self, drawer: Drawer, name: str):
            super().__init__()
            self._drawer = drawer
            self._name = name

        def do_draw(self, data: Any) -> Any:
            return self._drawer(FastSource(data))

        def __repr__(self) -> str:
            return f"compile_strategy({self._name})"

    class StableProvider(HypothesisProvider):
        # Hypothesis mixes in constants found in the source of whatever local modules are imported
        # (ours, test files, handlers), so the same seed would give other payloads in another
        # process or after an unrelated code change. Without them a seed means the same payloads
        # for the same schema and Hypothesis version.
        def _maybe_draw_constant(self, *args: Any, **kwargs: Any) -> None:
            return None


def draw_direct(strategy: SearchStrategy, count: int, seed: int) -> list:
    """``count`` values of ``strategy``, each drawn by Hypothesis' own choice provider from a Random
    seeded with ``seed``, without the test engine around it.

    The engine costs more than half the time per payload and buys nothing when the values are only
    collected: verify shrinks failures itself, and the systematic set already holds the simplest payload.
    """
    import random

    rnd = random.Random(seed)
    out: list = []
    rejected = 0
    while len(out) < count:
        data = ConjectureData(random=rnd, provider=StableProvider)
        try:
            with BuildContext(data, wrapped_test=draw_direct):
                out.append(data.draw(strategy))
        except StopTest:  # a rejected draw (overlapping oneOf branches, a filter): draw again
            rejected += 1
            if rejected > 10 * count + 100:
                from ..core.errors import ContractError

                raise ContractError(
                    "could not generate payloads: most draws were rejected (overlapping oneOf branches?)"
                ) from None
        finally:
            data.freeze()
    return out


def self_check() -> str:
    """Why the fast path cannot be used on the installed Hypothesis ("" when it can)."""
    if IMPORT_ERROR:
        return IMPORT_ERROR
    try:
        # Every Source method the compiled drawers call, once, plus the engine-free draw.
        def probe(src: Any) -> Any:
            return [src.integer(0, 3), src.boolean(), src.text("ab", 1, 2), src.span(lambda s: s.integer(0, 1))]

        values = draw_direct(fast_strategy(probe, "self-check"), 3, 0)
        ok = len(values) == 3 and all(0 <= v[0] <= 3 and isinstance(v[1], bool) and set(v[2]) <= {"a", "b"} for v in values)
        return "" if ok else f"unexpected values {values!r}"
    except Exception as exc:  # noqa: BLE001 - any failure means "do not use the fast path"
        return f"{type(exc).__name__}: {exc}"


PROBLEM = self_check()
AVAILABLE = not PROBLEM
