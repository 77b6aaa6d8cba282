"""The adapter protocol every handler kind implements (the Outcome it returns lives in core.outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..core.outcome import Outcome


@runtime_checkable
class Handler(Protocol):
    """A loaded handler. ``invoke`` never raises for handler misbehaviour: it returns an Outcome."""

    target: str
    kind: str  # "node", "python" or "http"
    runtime: str | None  # "v1" / "v2" for node; None otherwise
    source_path: Path | None  # the handler's source file (for static deploy rules), None for http

    def invoke(
        self, event_id: str, input: Mapping[str, Any], *, timeout_ms: int | None = None, faults: str | None = None
    ) -> Outcome:
        """Run one invocation; thread-safe (with N workers, N calls from N threads run in parallel).

        ``timeout_ms`` overrides the handler's time limit for this call only. ``faults`` ("5xx",
        "refused" or "timeout"; Node lambdas only) makes every external call of this invocation fail
        that way (``--http-faults``).
        """
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Handler: ...

    def __exit__(self, *exc: Any) -> None: ...
