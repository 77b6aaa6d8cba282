"""Payload variants of a contract event: a Hypothesis strategy compiled from the payload schema, the
systematic set (golden examples, every enum value, every optional field present and absent,
boundary numbers, awkward strings, empty and long arrays), and coverage of both.

    strategy = payload_strategy(registry, "surveybot_messaging_survey_ended")   # for @given
    for v in systematic_variants(registry, "surveybot_messaging_survey_ended"): ...
    payloads = list(generate(registry, event_id, count=200, seed=0))           # same seed, same payloads
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Iterator

from .coverage import Coverage
from .ir import UnsupportedSchema, normalize
from .systematic import Variant, build_variants

__all__ = [
    "Coverage",
    "UnsupportedSchema",
    "Variant",
    "compile_strategy",
    "generate",
    "payload_strategy",
    "systematic_variants",
]

# generate() draws in batches of this many payloads, each from a seed derived from the caller's, so
# memory stays bounded however many payloads are asked for.
BATCH = 1000


def compile_strategy(schema: dict, *, pointer: str = "") -> Any:
    """A Hypothesis strategy for the values ``schema`` (bundled draft-07, no ``$ref``) accepts.

    Raises :class:`UnsupportedSchema` (naming the keyword and its JSON pointer under ``pointer``)
    for any keyword it cannot honour; annotations (title, description, examples...) are skipped.
    """
    from .strategy import compile_node

    return compile_node(normalize(schema, pointer), name=pointer or "/")


@functools.lru_cache(maxsize=64)
def _event_strategy(registry, uri: str):
    from .strategy import compile_node

    return compile_node(normalize(registry.bundled(uri)), name=uri)


def payload_strategy(registry, event_id: str, version: str | None = None):
    """The strategy of an event's payloads (compiled once per registry and schema)."""
    spec = registry.event(event_id, version)
    return _event_strategy(registry, spec.payload_uri)


def systematic_variants(registry, event_id: str, version: str | None = None) -> list[Variant]:
    """Golden examples first (``example:<name>``), then the schema-derived variants, in a stable order.

    Every variant validates against the event's payload schema; a schema-derived one that does not
    raises UnsupportedSchema (a generator gap, never silently dropped).
    """
    spec = registry.event(event_id, version)
    out = [Variant(f"example:{ex.name}", ex.payload) for ex in registry.examples(event_id, spec.version)]
    check = registry.fast_validator(spec.payload_uri)
    for v in build_variants(normalize(registry.bundled(spec.payload_uri))):
        if not check.is_valid(v.payload):
            raise UnsupportedSchema(
                "(systematic variant)", "", f"variant {v.name} of event={event_id} does not validate; report this as a bug"
            )
        out.append(v)
    return out


def _derive(seed: int, batch: int) -> int:
    digest = hashlib.sha256(f"lpf-contract:{seed}:{batch}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def draw_batch(strategy, count: int, seed: int) -> list:
    """Up to ``count`` values of ``strategy`` from one Hypothesis run seeded with ``seed``.

    Fewer come back when the strategy has fewer distinct values. Cannot run inside a @given test.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable

    out: list = []

    @hypothesis_seed(seed)
    @settings(
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,  # the "ci" profile derandomizes, which would ignore @seed
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(strategy)
    def collect(value):
        out.append(value)

    try:
        collect()
    except Unsatisfiable:
        from ..core.errors import ContractError

        raise ContractError("could not generate any payload: the schema's oneOf branches overlap too much") from None
    return out


@functools.lru_cache(maxsize=1)
def _stable_provider():
    from hypothesis.internal.conjecture.providers import HypothesisProvider

    class StableProvider(HypothesisProvider):
        # Hypothesis mixes in constants found in the source of whatever local modules are imported
        # (ours, test files, handlers), so the same seed would give other payloads in another
        # process or after an unrelated code change. Without them a seed means the same payloads
        # for the same schema and Hypothesis version.
        def _maybe_draw_constant(self, *args, **kwargs):
            return None

    return StableProvider


def draw_direct(strategy, count: int, seed: int) -> list:
    """``count`` values of ``strategy``, each drawn by Hypothesis' own choice provider from a Random
    seeded with ``seed``, without the test engine around it.

    The engine (novelty tracking, mutating earlier examples, the "simplest example first") costs more
    than half the time per payload and buys nothing when the values are only collected: verify
    shrinks failures itself, and the systematic set already holds the simplest payload.
    """
    import random

    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest
    from hypothesis.internal.conjecture.data import ConjectureData

    rnd = random.Random(seed)
    out: list = []
    rejected = 0
    provider = _stable_provider()
    while len(out) < count:
        data = ConjectureData(random=rnd, provider=provider)
        try:
            with BuildContext(data, wrapped_test=draw_direct):
                out.append(data.draw(strategy))
        except StopTest:  # a rejected draw (overlapping oneOf branches, a filter): draw again
            rejected += 1
            if rejected > 10 * count + 100:
                from ..core.errors import ContractError

                raise ContractError("could not generate payloads: most draws were rejected (overlapping oneOf branches?)") from None
        finally:
            data.freeze()
    return out


def generate(registry, event_id: str, *, count: int, seed: int, version: str | None = None) -> Iterator[dict]:
    """``count`` payloads drawn by Hypothesis from the event's strategy; the same seed gives the same payloads.

    Cannot run inside a ``@given`` test; use :func:`payload_strategy` there.
    """
    strategy = payload_strategy(registry, event_id, version)
    batch = 0
    while count > 0:
        want = min(BATCH, count)
        yield from draw_direct(strategy, want, _derive(seed, batch))
        count -= want
        batch += 1
