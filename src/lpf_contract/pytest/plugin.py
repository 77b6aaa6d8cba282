"""pytest plugin: ``pytest --lpf-handler functions/x`` runs lpf-contract's handler suite against that handler.

Installed with the package through a ``pytest11`` entry point, so it works in any repository with no
conftest.py. With ``--lpf-handler`` the plugin adds its own test module (``lpf_contract.suites``) to
the collection; the user's repository needs no test file. Options come from the command line, then
``[tool.lpf-contract]`` (see ``lpf_contract.config``), then the built-in defaults.

What a default run costs: one verify run per handler (the same engine as ``lpf-contract verify``) and
one snapshot run when the handler has recorded snapshots; the HTTP suite (schemathesis against a
served handler) only with ``--lpf-http``. Session state lives in ``config.stash``.

In this repository, ``suites/`` imports the same test modules, and without ``--lpf-handler`` they run
against the bundled example handlers and their snapshots in ``suites/snapshots/``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from . import snapshots

SUITES = Path(__file__).resolve().parents[1] / "suites"
HANDLER_SUITE = SUITES / "test_handler.py"
HTTP_SUITE = SUITES / "test_http.py"
# The bundled example handlers (in a checkout of this repository only; a wheel has no examples/).
CHECKOUT = Path(__file__).resolve().parents[3]
BUNDLED_HANDLERS = (
    "examples/handlers/survey_v1.js",
    "examples/handlers/survey_v2.js",
    "examples/handlers/survey_handler.py:handle",
)
BUNDLED_SNAPSHOTS = CHECKOUT / "suites" / "snapshots"
DEFAULT_SNAPSHOT_ROOT = "__lpf_snapshots__"
DEFAULT_REPORT_DIR = "reports/pytest"


@dataclasses.dataclass
class SessionState:
    """Everything the plugin keeps for one session (one per xdist worker)."""

    file_config: Any  # lpf_contract.config.Config
    targets: list[str]
    bundled: bool  # no --lpf-handler: the bundled examples (this repository's own suites)
    runs: dict[str, Any] = dataclasses.field(default_factory=dict)
    snapshot_runs: Any = None  # snapshots.SnapshotRuns, created on first use


STATE = pytest.StashKey[SessionState]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("lpf-contract")
    group.addoption("--lpf-handler", action="append", default=[], metavar="TARGET",
                    help="handler to verify (functions/<name>/, x.js, file.py:function, http(s) URL); repeatable. "
                         "Adds lpf-contract's handler suite to the run")
    group.addoption("--lpf-examples", type=int, default=None, metavar="N",
                    help="generated payloads per event (default 200, or [tool.lpf-contract] examples)")
    group.addoption("--lpf-seed", type=int, default=None, metavar="N", help="seed (default: 0 under CI=true, random otherwise)")
    group.addoption("--lpf-timeout-ms", type=int, default=None, metavar="MS", help="time limit per invocation (default 30000)")
    group.addoption("--lpf-version", default=None, metavar="V", help="contract version (default: current)")
    group.addoption("--lpf-runtime", default=None, choices=("v1", "v2"), help="force the Node runtime")
    group.addoption("--lpf-node", default=None, metavar="PATH|local",
                    help="Node binary for every runtime, or `local` for the node on PATH "
                         "(default: the platform's builds, V1 14.19.0 / V2 22)")
    group.addoption("--lpf-report-dir", default=None, metavar="DIR",
                    help=f"where each handler's reports and repro payloads go: DIR/<function>/ (default {DEFAULT_REPORT_DIR})")
    group.addoption("--lpf-http", action="store_true", default=False,
                    help="also run the HTTP suite: schemathesis against the handler served like the gateway (slower)")
    snapshots.add_options(group)


def pytest_configure(config) -> None:
    from ..config import load_config, pick

    file_config = load_config(config.invocation_params.dir)
    settings = file_config.settings
    given = list(config.getoption("--lpf-handler") or [])
    bundled = not given
    targets = given or [str(CHECKOUT / t) for t in BUNDLED_HANDLERS]
    config.stash[STATE] = SessionState(file_config=file_config, targets=targets, bundled=bundled)
    o = config.option
    # The session's values (per-function tables refine them per target in handler_options()).
    if not hasattr(o, "lpf_examples_given"):  # xdist workers receive the controller's resolved options
        o.lpf_examples_given, o.lpf_timeout_ms_given = o.lpf_examples, o.lpf_timeout_ms
    o.lpf_examples = pick(o.lpf_examples, settings.examples, 200)
    o.lpf_timeout_ms = pick(o.lpf_timeout_ms, settings.timeout_ms, 30000)
    o.lpf_version = pick(o.lpf_version, settings.version, None)
    o.lpf_report_dir = pick(o.lpf_report_dir, settings.report_dir and str(settings.report_dir), DEFAULT_REPORT_DIR)
    # One seed for the whole session, chosen on the controller: xdist workers receive the
    # controller's options, so `-n 2` verifies exactly what `-n 0` does, and the seed is printed.
    if not hasattr(config, "workerinput") and o.lpf_seed is None:
        from ..verify.engine import resolve_seed

        o.lpf_seed = settings.seed if settings.seed is not None else resolve_seed(None)
    if given:
        _add_suites(config)


def _add_suites(config) -> None:
    """Collect the plugin's own test modules: the user's repository holds no copy of them."""
    if config.getoption("--lpf-http"):
        import importlib.util

        if importlib.util.find_spec("schemathesis") is None:
            raise pytest.UsageError("--lpf-http needs schemathesis: pip install 'lpf-contract[http]'")
    wanted = [HANDLER_SUITE] + ([HTTP_SUITE] if config.getoption("--lpf-http") else [])
    base = config.invocation_params.dir
    present = {(base / a.split("::")[0]).resolve() for a in config.args}
    for suite in wanted:
        if suite not in present:
            config.args.append(str(suite))


def pytest_report_header(config) -> list[str]:
    state = config.stash[STATE]
    lines = [f"lpf-contract: seed={config.getoption('--lpf-seed')} (re-run with --lpf-seed N)"]
    if state.file_config.path is not None:
        lines.append(f"lpf-contract: config={state.file_config.path}")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    # This repository's suites/ re-export the plugin's tests; when both are collected, run them once.
    def ours(item) -> bool:
        return Path(str(item.path)).resolve().parent == SUITES

    elsewhere = {(getattr(i, "originalname", i.name), i.name) for i in items
                 if not ours(i) and getattr(i, "module", None) is not None
                 and getattr(getattr(i, "function", None), "__module__", "").startswith("lpf_contract.suites")}
    dropped = [i for i in items if ours(i) and (getattr(i, "originalname", i.name), i.name) in elsewhere]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    snapshots.terminal_summary(terminalreporter, config)


def session_state(config) -> SessionState:
    """The plugin's state for this session."""
    return config.stash[STATE]


def handler_targets(config) -> list[str]:
    """The handlers this session verifies: --lpf-handler, else the bundled examples (this checkout)."""
    state = config.stash[STATE]
    if state.bundled and not (CHECKOUT / BUNDLED_HANDLERS[0]).is_file():
        raise pytest.UsageError("no handler to verify: pass --lpf-handler functions/<name>/ (or x.js, file.py:function, a URL)")
    return state.targets


def pytest_generate_tests(metafunc) -> None:
    if "handler_target" in metafunc.fixturenames:
        targets = handler_targets(metafunc.config)
        metafunc.parametrize("handler_target", targets, ids=[_short(t) for t in targets], scope="session")


def _short(target: str) -> str:
    if target.startswith(("http://", "https://")):
        return target
    path, sep, func = target.rpartition(":") if ".py:" in target else (target, "", "")
    return Path(path.rstrip("/")).name + (f":{func}" if sep else "")


def handler_options(config, target: str) -> dict[str, Any]:
    """Options for one handler: flags, then its [tool.lpf-contract.functions.<name>] table, then the top level."""
    from ..config import pick

    state = config.stash[STATE]
    settings = state.file_config.for_target(target)
    o = config.option
    return {
        "examples": pick(o.lpf_examples_given, settings.examples, o.lpf_examples),
        "timeout_ms": pick(o.lpf_timeout_ms_given, settings.timeout_ms, o.lpf_timeout_ms),
        "workers": settings.workers or 1,
        "allow_domains": tuple(settings.allow_domains or ()),
        "secrets_file": settings.secrets,
    }


def verify_result(config, target: str):
    """The RunResult of verifying ``target`` (one verify run per handler per session and worker)."""
    state = config.stash[STATE]
    if target not in state.runs:
        from ..config import function_name
        from ..report import write_reports
        from ..verify.engine import VerifyOptions, verify

        report_dir = Path(config.getoption("--lpf-report-dir")) / function_name(target)
        options = VerifyOptions(
            seed=config.getoption("--lpf-seed"), version=config.getoption("--lpf-version"),
            runtime=config.getoption("--lpf-runtime"), node=config.getoption("--lpf-node"),
            target_label=target, report_dir=report_dir,
            **handler_options(config, target),
        )
        result = verify(target, options)
        # The repro commands in failure messages name files under report_dir: write them.
        write_reports(result, report_dir)
        state.runs[target] = result
    return state.runs[target]


@pytest.fixture(scope="session")
def verify_run(request, handler_target):
    """The RunResult of verifying ``handler_target`` (computed once per session)."""
    return verify_result(request.config, handler_target)


def describe_failure(f) -> str:
    """A readable account of one failure: message, minimal payload, result, logs, repro."""
    payload = json.dumps(f.payload, indent=2, sort_keys=True, ensure_ascii=False)
    lines = [
        f"[{f.check}] {f.event}: {f.message}",
        f"  fault={f.fault or 'none'} occurrences={f.occurrences} shrunk={f.shrunk}",
        f"  result={json.dumps(f.result, ensure_ascii=False) if f.has_result else '(none)'}",
    ]
    lines += [f"  log.{x['level']}: {x['text']}" for x in f.logs]
    lines += ["  minimal payload:", *("    " + x for x in payload.splitlines()), f"  repro: {f.repro}"]
    return "\n".join(lines)
