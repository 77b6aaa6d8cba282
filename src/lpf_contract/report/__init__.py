"""Reporters: pure functions of the results model, and the one place that writes report files.

Every writer takes a :class:`~lpf_contract.core.results.RunResult` and returns text; ``WRITERS`` maps the file
name in the report dir to its writer, so every verify run writes all of them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from ..core.errors import LpfContractError
from ..core.files import atomic_write
from ..core.results import RunResult
from .html import render_html
from .json_report import load_run, render_json, schema_text
from .junit import render_junit
from .markdown import render_markdown


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
}

__all__ = [
    "FORMATS",
    "WRITERS",
    "ReportWriteError",
    "check_writable",
    "load_run",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
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


def write_reports(run: RunResult, report_dir: Path) -> list[Path]:
    """Write every registered report and the repro payloads; returns the paths written."""
    from ..verify.engine import iter_repros

    written = []
    try:
        for rel, doc in iter_repros(run):
            atomic_write(report_dir / rel, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            written.append(report_dir / rel)
        for name, render in WRITERS.items():
            atomic_write(report_dir / name, render(run))
            written.append(report_dir / name)
    except OSError as exc:
        raise ReportWriteError(f"cannot write reports: path={report_dir}: {exc}") from None
    return written
