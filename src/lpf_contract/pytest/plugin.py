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

from ..core import platform
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
    setups: dict[str, Any] = dataclasses.field(default_factory=dict)  # target -> functions_repo.TargetSetup
    private: Path | None = None  # merged secrets of this session (removed at the end)
    fixtures: dict[str, Any] = dataclasses.field(default_factory=dict)  # target -> handlers.fixtures.Fixtures | None
    flag_fixtures: Any = None  # --lpf-fixtures, loaded at configure time (a bad file is a usage error at once)
    flag_faults: tuple[str, ...] | None = None  # --lpf-http-faults, parsed at configure time
    snapshot_runs: Any = None  # snapshots.SnapshotRuns, created on first use


STATE = pytest.StashKey[SessionState]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("lpf-contract")
    group.addoption(
        "--lpf-handler",
        action="append",
        default=[],
        metavar="TARGET",
        help="handler to verify (functions/<name>/, x.js, file.py:function, http(s) URL); repeatable. "
        "Adds lpf-contract's handler suite to the run",
    )
    group.addoption(
        "--lpf-examples",
        type=int,
        default=None,
        metavar="N",
        help="generated payloads per event (default 200, or [tool.lpf-contract] examples)",
    )
    group.addoption("--lpf-seed", type=int, default=None, metavar="N", help="seed (default: 0 under CI=true, random otherwise)")
    group.addoption(
        "--lpf-timeout-ms",
        type=int,
        default=None,
        metavar="MS",
        help=f"time limit per invocation (default {platform.DEFAULT_TIME_LIMIT_MS})",
    )
    group.addoption("--lpf-version", default=None, metavar="V", help="contract version (default: current)")
    group.addoption("--lpf-runtime", default=None, choices=("v1", "v2"), help="force the Node runtime")
    group.addoption(
        "--lpf-node",
        default=None,
        metavar="PATH|local",
        help="Node binary for every runtime, or `local` for the node on PATH "
        "(default: the platform's builds, V1 14.19.0 / V2 22)",
    )
    group.addoption(
        "--lpf-report-dir",
        default=None,
        metavar="DIR",
        help=f"where each handler's reports and repro payloads go: DIR/<function>/ (default {DEFAULT_REPORT_DIR})",
    )
    group.addoption(
        "--lpf-http",
        action="store_true",
        default=False,
        help="also run the HTTP suite: schemathesis against the handler served like the gateway (slower)",
    )
    group.addoption(
        "--lpf-fixtures",
        default=None,
        metavar="FILE",
        help="YAML/JSON fixtures answering the lambdas' external calls (HTTP, LivePerson's toolbelt clients, the "
        "Context Service); no request reaches the network (Node lambdas only; or [tool.lpf-contract] fixtures)",
    )
    group.addoption(
        "--lpf-http-faults",
        default=None,
        metavar="MODES",
        help="also run every case that made external calls with them failing: a comma list of 5xx, refused, "
        "timeout, or all (Node lambdas only; or [tool.lpf-contract] http-faults)",
    )
    snapshots.add_options(group)


def pytest_configure(config) -> None:
    from ..config import load_config, pick
    from ..core.errors import LpfContractError

    given = list(config.getoption("--lpf-handler") or [])
    try:
        file_config = load_config(config.invocation_params.dir)
        # A folder of function folders (functions/) is each of them, as `verify` reads it.
        given = _expand(given, config.invocation_params.dir)
    except LpfContractError as exc:  # bad input is one line and pytest's usage exit, never a traceback
        raise pytest.UsageError(f"lpf-contract: {exc}") from None
    settings = file_config.settings
    bundled = not given
    targets = given or [str(CHECKOUT / t) for t in BUNDLED_HANDLERS]
    config.stash[STATE] = state = SessionState(file_config=file_config, targets=targets, bundled=bundled)
    _external_call_flags(config, state)
    o = config.option
    # The session's values (per-function tables refine them per target in handler_options()).
    if not hasattr(o, "lpf_examples_given"):  # xdist workers receive the controller's resolved options
        o.lpf_examples_given, o.lpf_timeout_ms_given = o.lpf_examples, o.lpf_timeout_ms
    o.lpf_examples = pick(o.lpf_examples, settings.examples, 200)
    o.lpf_timeout_ms = pick(o.lpf_timeout_ms, settings.timeout_ms, platform.DEFAULT_TIME_LIMIT_MS)
    o.lpf_version = pick(o.lpf_version, settings.version, None)
    o.lpf_report_dir = pick(o.lpf_report_dir, settings.report_dir and str(settings.report_dir), DEFAULT_REPORT_DIR)
    # One seed for the whole session, chosen on the controller: xdist workers receive the
    # controller's options, so `-n 2` verifies exactly what `-n 0` does, and the seed is printed.
    if not hasattr(config, "workerinput") and o.lpf_seed is None:
        from ..verify.options import resolve_seed

        o.lpf_seed = settings.seed if settings.seed is not None else resolve_seed(None)
    if given:
        _add_suites(config)


def _expand(targets: list[str], base: Path) -> list[str]:
    """Each target as written; a folder of function folders (``functions/``) becomes each of them."""
    from ..core.errors import InputFileError
    from ..verify.functions_repo import function_folders, is_function_folder

    out: list[str] = []
    for target in targets:
        path = Path(target) if Path(target).is_absolute() else base / target
        if target.startswith(("http://", "https://")) or not path.is_dir() or is_function_folder(path):
            out.append(target)
            continue
        inner = function_folders(path)
        if not inner:
            raise InputFileError(
                f"no function found: path={target}; expected index.js in it or folders holding index.js (functions/<name>/index.js)"
            )
        out += [str(Path(target) / p.name) for p in inner]
    return out


def pytest_unconfigure(config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.private is not None:
        import shutil

        shutil.rmtree(state.private, ignore_errors=True)


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

    elsewhere = {
        (getattr(i, "originalname", i.name), i.name)
        for i in items
        if not ours(i)
        and getattr(i, "module", None) is not None
        and getattr(getattr(i, "function", None), "__module__", "").startswith("lpf_contract.suites")
    }
    dropped = [i for i in items if ours(i) and (getattr(i, "originalname", i.name), i.name) in elsewhere]
    # A function whose config.json names an event is verified against that event only (as verify
    # does): its tests of other events are not collected rather than skipped.
    dropped += [i for i in items if i not in dropped and not _applies(config, i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


def _applies(config, item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    target = params.get("handler_target")
    event = params.get("event") or (params.get("golden") or (None,))[0]
    if target is None or event is None:
        return True
    events = target_setup(config, target).events
    return not events or event in events


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
    fixtures = fixtures_for(config, target)
    return {
        "examples": pick(o.lpf_examples_given, settings.examples, o.lpf_examples),
        "timeout_ms": pick(o.lpf_timeout_ms_given, settings.timeout_ms, o.lpf_timeout_ms),
        "workers": settings.workers or 1,
        "allow_domains": tuple(settings.allow_domains or ()),
        "secrets_file": settings.secrets,
        "fixtures": fixtures.document if fixtures is not None else None,
        "fixtures_file": fixtures.path if fixtures is not None else None,
        "http_faults": _http_faults(config, target),
    }


def _external_call_flags(config, state: SessionState) -> None:
    """--lpf-fixtures and --lpf-http-faults checked before anything runs: bad input is pytest's usage
    error (one line, exit 4), not an error of every test."""
    from ..core.errors import LpfContractError
    from ..handlers.fixtures import load_fixtures, parse_fault_modes

    fixtures, faults = config.getoption("--lpf-fixtures"), config.getoption("--lpf-http-faults")
    try:
        if fixtures:
            state.flag_fixtures = load_fixtures(config.invocation_params.dir / fixtures)
        if faults:
            state.flag_faults = parse_fault_modes(faults, what="--lpf-http-faults")
    except LpfContractError as exc:
        raise pytest.UsageError(f"lpf-contract: {exc}") from None


def _http_faults(config, target: str) -> tuple[str, ...]:
    state = config.stash[STATE]
    faults = state.flag_faults
    if faults is None:
        faults = state.file_config.for_target(target).http_faults or ()
    _node_only(target, "--lpf-http-faults / http-faults", faults)
    return faults


def _node_only(target: str, what: str, value: Any) -> None:
    from ..handlers import target_kind

    if value and not target.startswith(("http://", "https://")) and target_kind(target) == "node":
        return
    if value:
        raise pytest.UsageError(
            f"lpf-contract: {what} apply to Node lambdas only (the emulated platform answers their external calls): "
            f"target={target}; drop them for it (a [tool.lpf-contract.functions.<name>] table can)"
        )


def fixtures_for(config, target: str):
    """The fixtures answering ``target``'s external calls (handlers.fixtures.Fixtures): ``--lpf-fixtures``
    (relative to pytest's invocation folder), else its [tool.lpf-contract] ``fixtures``; None without.
    Loaded once per session; a bad file is a usage error (one line), a fixture that can never answer
    (its host not allow-listed) a warning."""
    state = config.stash[STATE]
    if target not in state.fixtures:
        from ..core.errors import LpfContractError
        from ..handlers.fixtures import load_fixtures

        fixtures = state.flag_fixtures
        path = fixtures.path if fixtures is not None else state.file_config.for_target(target).fixtures
        _node_only(target, "--lpf-fixtures / fixtures", path)
        if fixtures is None and path is not None:
            try:
                fixtures = load_fixtures(path)
            except LpfContractError as exc:
                raise pytest.UsageError(f"lpf-contract: {exc}") from None
        if fixtures is not None:
            import warnings

            for text in fixtures.warnings(target_setup(config, target).allow_domains):
                warnings.warn(UserWarning(f"lpf-contract: {text}"), stacklevel=1)
        state.fixtures[target] = fixtures
    return state.fixtures[target]


def target_setup(config, target: str):
    """``target`` prepared exactly as ``lpf-contract verify`` prepares it (functions_repo.prepare_target):
    its config.json event, settings.json secrets and whitelist, the config file's secrets, allow-list
    and payloads. Bad input is a pytest usage error (one line)."""
    state = config.stash[STATE]
    if target not in state.setups:
        import tempfile

        from ..contracts.registry import load_registry
        from ..core.errors import LpfContractError
        from ..verify.functions_repo import prepare_target

        settings = state.file_config.for_target(target)
        if state.private is None:
            state.private = Path(tempfile.mkdtemp(prefix="lpf-contract-secrets-"))
        try:
            state.setups[target] = prepare_target(
                target,
                registry=load_registry(),
                version=config.getoption("--lpf-version"),
                allow_domains=tuple(settings.allow_domains or ()),
                config_secrets=settings.secrets,
                payload_files=tuple(settings.payloads or ()),
                private=state.private,
            )
        except LpfContractError as exc:
            raise pytest.UsageError(f"lpf-contract: {exc}") from None
    return state.setups[target]


def _severity(config, target: str, severity_policy):
    from ..core.errors import LpfContractError

    settings = config.stash[STATE].file_config.for_target(target)
    try:
        return severity_policy(
            config_severity=settings.severity,
            config_ignore=settings.ignore_checks or (),
            config_fail_on=settings.fail_on,
        )
    except LpfContractError as exc:
        raise pytest.UsageError(f"lpf-contract: {exc}") from None


def verify_result(config, target: str):
    """The RunResult of verifying ``target`` (one verify run per handler per session and worker);
    skips when verify would skip it (its config.json event has no contract)."""
    state = config.stash[STATE]
    setup = target_setup(config, target)
    if not setup.events:
        pytest.skip(f"{target} skipped: {setup.skipped}")
    if target not in state.runs:
        from ..handlers import function_name
        from ..report import write_reports
        from ..verify import VerifyOptions, verify
        from ..verify.checks import severity_policy

        report_dir = Path(config.getoption("--lpf-report-dir")) / function_name(target)
        options = VerifyOptions(
            events=setup.events,
            seed=config.getoption("--lpf-seed"),
            version=config.getoption("--lpf-version"),
            runtime=config.getoption("--lpf-runtime"),
            node=config.getoption("--lpf-node"),
            target_label=target,
            report_dir=report_dir,
            env=setup.env,
            extra_cases=setup.extra_cases,
            secrets_label=setup.secrets_label,
            # The config file's severity, ignore-checks and fail-on apply here as in `verify` (issue 18).
            severity=_severity(config, target, severity_policy),
            **{
                **handler_options(config, target),
                "allow_domains": setup.allow_domains,
                "secrets_file": setup.secrets_file,
            },
        )
        result = verify(target, options)
        if setup.notes:
            result = dataclasses.replace(result, static=(*result.static, *setup.notes))
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
