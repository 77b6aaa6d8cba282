"""How a verify run shows where it is: one bar for the run on a terminal, plain lines in CI logs.

Without a terminal (a CI log) nothing animates: a line every ``interval_s`` seconds while an event
runs (``verify: survey_ended 240/480 cases, 2 failing, 31 s``) and one line when it ends, so a
hanging lambda never leaves the log silent for minutes. Decided here (issue 18).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from .engine import ProgressUpdate

PLAIN_INTERVAL_S = 10.0  # seconds between two plain lines of one event; tests set it to 0


class PlainProgress:
    """Plain progress lines for a log: the callback of ``Verifier.run(progress=...)``."""

    def __init__(self, stream: TextIO, *, interval_s: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._interval = PLAIN_INTERVAL_S if interval_s is None else interval_s
        self._clock = clock
        self._start = clock()
        self._last = self._start

    def __call__(self, u: ProgressUpdate) -> None:
        now = self._clock()
        if u.finished:
            self._line(f"verify: {u.event} done: {u.done}/{u.total} cases, {u.failed} failing, {now - self._start:.0f} s")
            self._last = now
        elif now - self._last >= self._interval:
            self._line(f"verify: {u.event} {u.done}/{u.total} cases, {u.failed} failing, {now - self._start:.0f} s")
            self._last = now

    def _line(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


def run_with_bar(run: Callable[[Any], Any]) -> Any:
    """``run(progress)`` under one rich bar for the whole run (its total: every event's cases)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("verify", total=None)

        def progress(u: ProgressUpdate) -> None:
            bar.update(
                task,
                total=u.run_total,
                completed=u.run_done,
                description=f"{u.event} {u.done}/{u.total}, {u.failed} failing",
            )

        return run(progress)
