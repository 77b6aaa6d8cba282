"""Reporters: pure functions of the results model, and the one place that writes report files.

Every writer takes a :class:`~lpf_contract.core.results.RunResult` and returns text; ``WRITERS`` maps the file
name in the report dir to its writer, so every verify run writes all of them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..core.errors import LpfContractError
from ..core.files import atomic_write
from ..core.results import RunResult
from .html import render_html
from .json_report import load_run, render_json, schema_text
from .junit import render_junit
from .markdown import render_markdown
from .text import render_text


class ReportWriteError(LpfContractError):
    """The report directory cannot be written."""


# file name in the report dir -> writer
WRITERS: dict[str, Callable[[RunResult], str]] = {
    "conformance.json": render_json,
    "conformance.md": render_markdown,
    "conformance.html": render_html,
    "junit.xml": render_junit,
}

# --format of `lpf-contract report` -> writer
FORMATS: dict[str, Callable[[RunResult], str]] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
    "junit": render_junit,
    "text": render_text,
}

__all__ = [
    "FORMATS",
    "WRITERS",
    "ReportWriteError",
    "check_writable",
    "clear_reports",
    "load_run",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
    "schema_text",
    "write_reports",
]


def check_writable(report_dir: Path) -> None:
    """Fail early (exit 2) when the report dir cannot be created or written."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=report_dir)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ReportWriteError(f"report dir is not writable: path={report_dir}: {exc.strerror}; pass --report-dir DIR") from None


# Files and folders a verify run writes into a report dir (besides WRITERS): an older run's must not survive.
INDEX_FILES = ("index.json", "index.md")
REPRO_DIR = "repro"


def clear_reports(report_dir: Path, *, functions: bool = True) -> None:
    """Remove the report files an earlier run left in ``report_dir``: only the names verify writes.

    The single layout (``conformance.*``, ``junit.xml``, ``repro/``) and the many-functions layout
    (``index.*`` and each ``<function>/`` holding a ``conformance.json``, cleared the same way) go
    both, so a run in one layout never leaves the other's files behind. A user's other files stay.
    """
    if not report_dir.is_dir():
        return
    for name in (*WRITERS, *INDEX_FILES):
        (report_dir / name).unlink(missing_ok=True)
    repro = report_dir / REPRO_DIR
    if repro.is_dir():
        for f in repro.glob("*.json"):
            f.unlink(missing_ok=True)
        _rmdir_if_empty(repro)
    if functions:
        for sub in sorted(report_dir.iterdir()):
            if sub.is_dir() and not sub.is_symlink() and (sub / "conformance.json").is_file():
                clear_reports(sub, functions=False)
                _rmdir_if_empty(sub)


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass  # not empty: a file of the user's own


def write_reports(run: RunResult, report_dir: Path, *, fresh: bool = True) -> list[Path]:
    """Write every registered report and the repro payloads; returns the paths written.

    Everything is rendered first, then (``fresh``) the previous run's report files are removed and
    each new file is written atomically: the dir holds this run's set only, never a mix.
    """
    docs = [(rel, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n") for rel, doc in iter_repros(run)]
    docs += [(name, render(run)) for name, render in WRITERS.items()]
    written = []
    try:
        if fresh:
            clear_reports(report_dir, functions=True)
        for rel, text in docs:
            atomic_write(report_dir / rel, text)
            written.append(report_dir / rel)
    except OSError as exc:
        raise ReportWriteError(f"cannot write reports: path={report_dir}: {exc}") from None
    return written


def iter_repros(run: RunResult) -> Iterable[tuple[str, dict[str, Any]]]:
    """(file name in the report dir, document) of each failure's repro payload (``verify --replay`` reads it)."""
    for f in run.failures:
        yield (
            f.repro_file,
            {
                "event": f.event,
                "check": f.check,
                "contract_version": run.contract_version,
                "message": f.message,
                "payload": f.payload,
                # the --http-faults mode it failed under: `--replay` runs it the same way (issue 17)
                **({"faults": f.faults} if f.faults else {}),
            },
        )
