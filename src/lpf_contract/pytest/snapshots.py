"""The snapshot part of the pytest plugin: where snapshots live, recording them, one run per handler.

Its options are registered by ``lpf_contract.pytest.plugin`` (one ``pytest11`` entry point for both).
Snapshots live in the user's repository: ``<root>/<function>/<event>/<example>.json`` with ``<root>``
from ``--lpf-snapshot-dir``, else ``snapshot-dir`` in ``[tool.lpf-contract]``, else
``__lpf_snapshots__`` under pytest's rootdir (this repository's own suites: ``suites/snapshots``).
A handler with no recorded snapshots gets its snapshot tests skipped with the command that records
them; a snapshot missing from an existing set fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from ..handlers import function_name as handler_stem  # noqa: F401  (the name tests and callers use)


def add_options(group) -> None:
    """The snapshot options, in the plugin's ``lpf-contract`` group (prefixed: syrupy owns --snapshot-update)."""
    group.addoption(
        "--lpf-snapshot-dir",
        default=None,
        metavar="DIR",
        help="snapshot root: each handler's snapshots are in DIR/<function>/ "
        "(default: [tool.lpf-contract] snapshot-dir, else __lpf_snapshots__ under the rootdir)",
    )
    group.addoption(
        "--lpf-snapshot-update",
        action="store_true",
        default=False,
        help="record missing and changed snapshots instead of failing",
    )
    group.addoption(
        "--lpf-snapshot-prune",
        action="store_true",
        default=False,
        help="delete snapshots that no golden example matches any more",
    )
    group.addoption(
        "--lpf-snapshot-ignore-path",
        action="append",
        default=[],
        metavar="JSONPATH",
        help="mask a volatile part of every snapshot, e.g. '$.result[*].text' (repeatable)",
    )


class SnapshotRuns:
    """One snapshot run per handler target per session (per xdist worker)."""

    def __init__(self, config, *, root: Path, targets: Sequence[str]) -> None:
        self.config = config
        self.root = root
        self.reports: dict[str, object] = {}
        stems: dict[str, list[str]] = {}
        for t in targets:
            stems.setdefault(handler_stem(t), []).append(t)
        clashes = {stem: ts for stem, ts in stems.items() if len(ts) > 1}
        if clashes:
            # Two handlers writing one snapshot folder would compare against (and overwrite) each other.
            stem, ts = sorted(clashes.items())[0]
            raise pytest.UsageError(
                f"handlers {', '.join(ts)} would share the snapshot folder {stem!r}; rename one or run them separately"
            )

    def snapshot_dir(self, target: str) -> Path:
        return self.root / handler_stem(target)

    def recorded(self, target: str) -> bool:
        """Whether ``target`` has any recorded snapshot (a set to compare with)."""
        folder = self.snapshot_dir(target)
        return folder.is_dir() and any(folder.rglob("*.json"))

    def get(self, target: str):
        if target not in self.reports:
            from ..handlers import load_handler
            from ..snapshot.run import run_snapshots
            from .plugin import handler_options, target_setup

            o = self.config.getoption
            # Prepared as verify prepares it: its event, secrets, allow-list, env and scenarios.
            setup = target_setup(self.config, target)
            if not setup.events:
                pytest.skip(f"{target} skipped: {setup.skipped}")
            options = handler_options(self.config, target)
            handler = load_handler(
                target,
                timeout_ms=options["timeout_ms"],
                fixtures=options["fixtures"],
                runtime=o("--lpf-runtime", default=None),
                node=o("--lpf-node", default=None),
                **setup.handler_options(),
            )
            with handler:
                self.reports[target] = run_snapshots(
                    handler,
                    snapshot_dir=self.snapshot_dir(target),
                    version=o("--lpf-version", default=None),
                    events=setup.events,
                    update=bool(o("--lpf-snapshot-update")),
                    prune=bool(o("--lpf-snapshot-prune")),
                    ignore_paths=tuple(o("--lpf-snapshot-ignore-path") or ()),
                    scenarios=setup.scenarios,
                )
        return self.reports[target]


def snapshot_root(config) -> Path:
    """Where this session's snapshots live (see the module docstring)."""
    from .plugin import BUNDLED_SNAPSHOTS, DEFAULT_SNAPSHOT_ROOT, session_state

    given = config.getoption("--lpf-snapshot-dir")
    if given:
        return Path(config.invocation_params.dir) / given
    state = session_state(config)
    if state.file_config.settings.snapshot_dir is not None:
        return state.file_config.settings.snapshot_dir
    if state.bundled:
        return BUNDLED_SNAPSHOTS
    return Path(config.rootpath) / DEFAULT_SNAPSHOT_ROOT


def snapshot_runs(config) -> SnapshotRuns:
    """The session's SnapshotRuns (created on first use)."""
    from .plugin import handler_targets, session_state

    state = session_state(config)
    if state.snapshot_runs is None:
        state.snapshot_runs = SnapshotRuns(config, root=snapshot_root(config), targets=handler_targets(config))
    return state.snapshot_runs


def record_command(config, target: str) -> str:
    """The command that records ``target``'s snapshots."""
    import shlex

    extra = (
        [f"--lpf-snapshot-dir {shlex.quote(str(config.getoption('--lpf-snapshot-dir')))}"]
        if config.getoption("--lpf-snapshot-dir")
        else []
    )
    return " ".join(["pytest", "--lpf-handler", shlex.quote(target), *extra, "--lpf-snapshot-update"])


def failure_text(cases) -> str:
    """What a failing snapshot test says: each case's diff (or, for a case no fixture could answer, the
    fixture to add) and the one option that fixes it. An unchecked case is not fixed by re-recording."""
    from ..snapshot.compare import format_case
    from ..snapshot.model import Status

    cases = list(cases)
    body = "\n".join(format_case(c) for c in cases)
    if cases and all(c.status == Status.UNCHECKED for c in cases):
        return (
            body
            + "\n(pytest: could not check these; add the fixtures above to the fixtures file, `fixtures` in [tool.lpf-contract])"
        )
    return body + "\n(pytest: re-record with --lpf-snapshot-update)"


def terminal_summary(terminalreporter, config) -> None:
    """After the run: which snapshot files were written (created, updated, pruned)."""
    from .plugin import STATE

    state = config.stash.get(STATE, None)
    runs = state.snapshot_runs if state is not None else None
    if runs is None:
        return
    from ..snapshot.model import Status

    written = (Status.CREATED, Status.UPDATED, Status.PRUNED)
    for target, report in sorted(runs.reports.items()):
        changed = [c for c in (*report.cases, *report.orphans) if c.status in written]
        if changed:
            terminalreporter.section(f"snapshots written for {target}")
            for c in changed:
                terminalreporter.write_line(f"{c.status.upper()} {c.name} (file={c.path})")
        if report.unchecked:
            # Never written, even with --lpf-snapshot-update: say so where the written ones are listed.
            terminalreporter.section(f"snapshots not checked for {target} (a call no fixture answers)")
            for c in report.unchecked:
                terminalreporter.write_line(
                    f"UNCHECKED {c.name}: " + ", ".join(f"{m.get('method')} {m.get('target')}" for m in c.missing)
                )
