"""pytest options of the snapshot suite (``suites/test_snapshots.py``): where snapshots live, re-recording.

Loaded next to ``lpf_contract.pytest_plugin`` (``pytest_plugins`` in the top-level conftest.py, or
``-p lpf_contract.pytest_snapshot``). One snapshot run per handler target per session feeds every test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("lpf-contract")
    group.addoption("--snapshot-dir", default=None, metavar="DIR",
                    help="snapshot folder (one handler: DIR itself; several: DIR/<handler-stem>/); "
                         "default: suites/snapshots/<handler-stem>/")
    group.addoption("--snapshot-update", action="store_true", default=False,
                    help="write missing and changed snapshots instead of failing")
    group.addoption("--snapshot-prune", action="store_true", default=False,
                    help="delete snapshots that no golden example matches any more")
    group.addoption("--snapshot-ignore-path", action="append", default=[], metavar="JSONPATH",
                    help="mask a volatile part of every snapshot, e.g. '$.result[*].text' (repeatable)")


_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def handler_stem(target: str) -> str:
    """A folder name for a handler's snapshots: the file's stem, a module's name, a URL's host and path."""
    if target.startswith(("http://", "https://")):
        # The port is left out: `serve --port 0` picks a new one every run.
        from urllib.parse import urlsplit

        url = urlsplit(target)
        name = (url.hostname or "") + url.path
    else:
        left, sep, func = target.rpartition(":")
        if sep and func.isidentifier() and (left.endswith(".py") or _MODULE.match(left)):
            name = Path(left).stem if left.endswith(".py") else left
        else:
            path = Path(target.rstrip("/"))
            if path.name in ("index.js", "index.cjs"):  # functions/<name>/index.js: the function's name
                path = path.parent
            name = path.stem if path.suffix in (".js", ".cjs") else path.name
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "handler"


class SnapshotRuns:
    """One snapshot run per handler target per session (per xdist worker)."""

    def __init__(self, config, *, default_root: Path, targets: Sequence[str]) -> None:
        self.config = config
        self.default_root = default_root
        self.targets_count = len(targets)
        self.reports: dict[str, object] = {}
        stems: dict[str, list[str]] = {}
        for t in targets:
            stems.setdefault(handler_stem(t), []).append(t)
        clashes = {stem: ts for stem, ts in stems.items() if len(ts) > 1}
        if clashes and (self.targets_count > 1 or config.getoption("--snapshot-dir", default=None) is None):
            # Two handlers writing one snapshot folder would compare against (and overwrite) each other.
            stem, ts = sorted(clashes.items())[0]
            raise pytest.UsageError(f"handlers {', '.join(ts)} would share the snapshot folder {stem!r}; rename one or run them separately")

    def snapshot_dir(self, target: str) -> Path:
        given = self.config.getoption("--snapshot-dir", default=None)
        if given is None:
            return self.default_root / handler_stem(target)
        return Path(given) if self.targets_count == 1 else Path(given) / handler_stem(target)

    def get(self, target: str):
        if target not in self.reports:
            from lpf_contract.snapshot import run_snapshots

            o = self.config.getoption
            self.reports[target] = run_snapshots(
                target,
                snapshot_dir=self.snapshot_dir(target),
                version=o("--lpf-version", default=None),
                update=bool(o("--snapshot-update", default=False)),
                prune=bool(o("--snapshot-prune", default=False)),
                ignore_paths=tuple(o("--snapshot-ignore-path", default=None) or ()),
                timeout_ms=o("--lpf-timeout-ms", default=None) or 30000,
                runtime=o("--lpf-runtime", default=None),
            )
        return self.reports[target]


def snapshot_runs(config, *, default_root: Path, targets: Sequence[str]) -> SnapshotRuns:
    """The session's SnapshotRuns (created on first use)."""
    runs = getattr(config, "_lpf_snapshot_runs", None)
    if runs is None:
        runs = config._lpf_snapshot_runs = SnapshotRuns(config, default_root=default_root, targets=targets)
    return runs


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    runs = getattr(config, "_lpf_snapshot_runs", None)
    if runs is None:
        return
    from lpf_contract.snapshot import Status

    written = (Status.CREATED, Status.UPDATED, Status.PRUNED)
    for target, report in sorted(runs.reports.items()):
        changed = [c for c in (*report.cases, *report.orphans) if c.status in written]
        if not changed:
            continue
        terminalreporter.section(f"snapshots written for {target}")
        for c in changed:
            terminalreporter.write_line(f"{c.status.upper()} {c.name} (file={c.path})")

