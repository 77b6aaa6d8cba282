"""A repository of functions laid out as LivePerson's ``lpf`` CLI lays it out, and what a run of many takes.

``lpf`` (``LivePersonInc/faas-cli``) keeps each function in ``functions/<name>/`` (``index.js`` and
``config.json``: ``name``, ``event``, ``description``, ``input``, ``environmentVariables``) and the
account's settings in ``functions/settings.json`` (``{"secrets": [{key, value}], "whitelist": [...]}``;
``src/service/file.service.ts`` ``getPathToSettings``, ``bin/example/functions/settings.json``; its
README: "Local secrets and whitelisting can be stored in the settings.json"). The local V1 toolbelt of
``liveperson-functions-cli@1.31.13`` serves those secrets and refuses hosts off the whitelist
(its ``bin/example/bin/lp-faas-toolbelt/``), which is what a run here does with them.

This module turns ``verify`` targets into functions (a folder of function folders is each of them),
picks a shard of them, reads the settings, and says which events a function is verified against.
It runs nothing: ``commands/verify.py`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError, UsageError
from ..handlers.settings import SETTINGS, Settings, find_settings, load_settings, read_secrets

__all__ = ["SETTINGS", "Settings", "find_settings", "load_settings", "read_secrets"]

ENTRY_FILES = ("index.js",)  # lpf's layout: functions/<name>/index.js
# What ``lpf`` writes as the event of a function created without one: ``file.event = event || 'No
# Event'`` (faas-cli src/service/defaultStructure.service.ts ``adjustDefaultConfig``); its template
# holds ``"event": null`` (bin/example/functions/exampleFunction/config.json), and ``lpf push`` sends
# no eventId for either (src/controller/push.controller.ts ``createNewLambdaBody``).
NO_EVENT = "no event"


@dataclass(frozen=True, slots=True, kw_only=True)
class Function:
    """One handler target of a run: ``name`` names its report folder (``REPORT_DIR/<name>/``)."""

    name: str
    target: str  # what load_handler gets (a folder, a .js file, file.py:func, a URL)
    folder: Path | None = None  # the lpf function folder, when the target is one


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The functions of a run, after expansion and sharding."""

    functions: tuple[Function, ...]
    many: bool  # the per-function report layout with an index (see expand_targets)
    shard: tuple[int, int] | None = None
    total: int = 0  # functions before sharding


def is_function_folder(path: Path) -> bool:
    return path.is_dir() and any((path / f).is_file() for f in ENTRY_FILES)


def function_folders(folder: Path) -> list[Path]:
    """The function folders directly inside ``folder``, sorted by name (hidden folders left out)."""
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".") and is_function_folder(p)), key=lambda p: p.name)


def expand_targets(targets: Sequence[str], *, shard: str | None = None) -> Plan:
    """The functions the targets mean, in a deterministic order.

    A folder holding ``index.js`` is one function; a folder holding function folders (``functions/``)
    is each of them; anything else (``x.js``, ``file.py:func``, a URL) is one function as given.
    Decided here: the run uses the per-function layout (``REPORT_DIR/<name>/`` plus an index) when
    it has several targets, a folder of functions, or a shard; one function target keeps the
    single layout (``REPORT_DIR`` itself), as before. Two functions with one name are bad input.
    """
    from ..handlers import function_name

    found: list[Function] = []
    many = len(targets) > 1 or shard is not None
    for target in targets:
        path = Path(target)
        if not target.startswith(("http://", "https://")) and path.is_dir() and not is_function_folder(path):
            inner = function_folders(path)
            if not inner:
                raise InputFileError(
                    f"no function found: path={target}; expected index.js in it or folders holding index.js (functions/<name>/index.js)"
                )
            many = True
            found += [Function(name=p.name, target=str(p), folder=p) for p in inner]
        else:
            folder = path if is_function_folder(path) else None
            found.append(Function(name=function_name(target), target=target, folder=folder))
    by_name: dict[str, Function] = {}
    for f in found:
        other = by_name.setdefault(f.name, f)
        if other is not f:
            if Path(other.target).resolve() == Path(f.target).resolve():
                continue
            raise UsageError(
                f"two functions share a name: name={f.name} targets={other.target} and {f.target}; "
                "their reports would share REPORT_DIR/<name>/: verify them in separate runs"
            )
    functions = sorted(by_name.values(), key=lambda f: f.name) if many else list(by_name.values())
    total = len(functions)
    picked = parse_shard(shard) if shard is not None else None
    if picked is not None:
        functions = select_shard(functions, *picked)
    return Plan(functions=tuple(functions), many=many, shard=picked, total=total)


_SHARD = re.compile(r"^(\d+)/(\d+)$")


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 1 <= K <= N; anything else is bad input (exit 2)."""
    m = _SHARD.match(text.strip())
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise UsageError(f"--shard needs K/N with 1 <= K <= N (e.g. --shard 2/4), got shard={text}")
    return int(m.group(1)), int(m.group(2))


def select_shard(functions: Sequence[Function], k: int, n: int) -> list[Function]:
    """The K-th of N parts, round-robin over the functions sorted by name: function i (from 0) is in
    part i mod N + 1. Decided here: round-robin rather than contiguous, so that functions with
    similar names (often similar sizes: ``survey-a``, ``survey-b``) land on different machines, and
    adding one function moves about 1/N of the others instead of shifting every later part."""
    ordered = sorted(functions, key=lambda f: f.name)
    return [f for i, f in enumerate(ordered) if i % n == k - 1]


# -- events -------------------------------------------------------------------------------------------
def configured_event(raw: Any) -> str | None:
    """The event a config.json names, or None when it names none (null, "", "No Event")."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        return str(raw)
    text = raw.strip()
    return None if not text or text.lower() == NO_EVENT else text


def select_events(
    configured: str | None, selected: Sequence[str], known: Iterable[str], defaults: Sequence[str] | None = None
) -> tuple[tuple[str, ...], str]:
    """(events to verify, why none) for a function whose config.json names ``configured``.

    ``selected`` are the ``--event`` flags (empty: every event of the contract version). A function
    naming an event is verified against that event only; one naming none against ``selected`` or
    ``defaults`` (the version's default_events; every event when None). An event the contract version
    has no contract for, or one ``--event`` leaves out, gives no events and the reason the function is
    skipped.
    """
    known = sorted(known)
    if configured is None:
        return tuple(selected) or tuple(defaults if defaults is not None else known), ""
    if configured not in known:
        return (), f"its config.json event={configured} has no contract in this version (contracts for: {', '.join(known)})"
    if selected and configured not in selected:
        return (), f"its config.json event={configured} is not among --event {', '.join(selected)}"
    return (configured,), ""


def merge_secrets(sources: Sequence[Path]) -> tuple[Path | None, dict[str, Any] | None]:
    """The secrets a function sees, from ``sources`` in increasing precedence (settings.json, the
    config file's ``secrets``, ``--secrets``): (the one file to pass as is, None) when there is one
    source, (None, merged values) when several add up (the caller writes them to a private file)."""
    unique = list({Path(p).resolve(): Path(p) for p in sources}.values())
    if not unique:
        return None, None
    if len(unique) == 1:
        return unique[0], None
    merged: dict[str, Any] = {}
    for p in unique:
        merged.update(read_secrets(p))
    return None, merged


# -- LivePerson's event ids -----------------------------------------------------------------------------
# Every event id a function can name: LivePersonInc/faas-client-node ``src/types/apiSpec.ts`` ``EVENT``
# (the same list in /work/shared/platform-facts.md). A config.json event outside it is a typo the
# platform would never invoke (``lpf push`` would deploy a function no event reaches): bad input.
LIVEPERSON_EVENT_IDS = (
    "bot_connectors_custom_integration",
    "bot_connectors_error_hook",
    "bot_connectors_post_hook",
    "bot_connectors_pre_hook",
    "controllerbot_messaging_conversation_end",
    "controllerbot_messaging_conversation_idle",
    "controllerbot_messaging_conversation_routing",
    "controllerbot_messaging_mid_conversation_msg",
    "controllerbot_messaging_new_conversation",
    "controllerbot_messaging_participants_change",
    "controllerbot_messaging_ttr",
    "conversational_command",
    "denver_post_survey_email_transcript",
    "surveybot_messaging_survey_ended",
    "surveybot_messaging_survey_started",
)


def check_event_id(event: str, path: Path | str, known: Iterable[str] = ()) -> None:
    """Refuse (exit 2) a config.json event that is no LivePerson event id, with the closest ones."""
    import difflib

    ids = sorted({*LIVEPERSON_EVENT_IDS, *known})
    if event in ids:
        return
    close = difflib.get_close_matches(event, ids, n=2, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}?" if close else f"LivePerson's event ids: {', '.join(ids)}"
    raise InputFileError(f"config.json names an unknown event: event={event} path={path}; {hint}")


# -- one function, ready to run -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class TargetSetup:
    """What running one function target takes, however it is run (verify, snapshot, diff --against, the
    pytest plugin): its events, env, allow-list, secrets and scenarios. ``events`` is empty and
    ``skipped`` says why when the function is not run (its config.json event has no contract)."""

    function: Function
    events: tuple[str, ...]
    skipped: str = ""
    env: tuple[tuple[str, str], ...] = ()
    allow_domains: tuple[str, ...] = ()
    secrets_file: Path | None = None
    secrets_label: str | None = None  # what repro commands name as --secrets (None: the file itself)
    scenarios: tuple[Any, ...] = ()  # payloads.Scenario
    config: Any = None  # handlers.node.FunctionConfig of the folder, or None
    # (event, case name, payload): config.json's sample input and the scenarios, run as cases.
    extra_cases: tuple[tuple[str, str, Any], ...] = ()
    notes: tuple[Any, ...] = ()  # StaticFinding warnings about the function's own files

    def handler_options(self) -> dict[str, Any]:
        """The keyword arguments of ``load_handler`` that serve this function's env, allow-list and secrets."""
        return {"env": dict(self.env) or None, "allow_domains": self.allow_domains, "secrets_file": self.secrets_file}


def prepare_target(
    fn: Function | str,
    *,
    registry: Any,
    version: str | None = None,
    events: Sequence[str] = (),
    env: Sequence[tuple[str, str]] = (),
    allow_domains: Sequence[str] = (),
    config_secrets: Path | str | None = None,
    flag_secrets: Path | str | None = None,
    payload_files: Sequence[Path | str] = (),
    private: Path,
) -> TargetSetup:
    """The one way a function target is prepared: its config.json event (unknown ids refused, ids
    with no contract skipped), ``functions/settings.json`` secrets and whitelist, the config file's
    secrets and allow-list, ``--secrets``/``--env``/``--allow-domain`` flags, and scenario payloads
    checked against each event's contract. Secrets from several sources are merged into a file in
    ``private`` (the caller's private folder). Every secrets file is parsed here: a broken one is bad
    input (exit 2), never a fault blamed on the lambda. Raises LpfContractError subclasses."""
    from ..contracts.payloads import check_scenarios, contract_errors, read_scenarios

    if isinstance(fn, str):
        folder = Path(fn) if is_function_folder(Path(fn)) else None
        if folder is None and Path(fn).name in ("index.js", "index.cjs") and is_function_folder(Path(fn).parent):
            folder = Path(fn).parent
        from ..handlers import function_name

        fn = Function(name=function_name(fn), target=fn, folder=folder)
    spec = registry.version(version)
    for ev in events:
        registry.event(ev, spec.name)  # an unknown --event id is bad input, whatever config.json says
    config = None
    if fn.folder is not None:
        from ..handlers.node import load_function_config

        config = load_function_config(fn.folder)
    configured = configured_event(config.event) if config is not None else None
    if configured is not None and config is not None:
        check_event_id(configured, config.path, known=spec.events)
    selected, skipped = select_events(configured, events, spec.events, spec.default_events)

    settings_path = find_settings(fn.folder)
    settings = load_settings(settings_path) if settings_path is not None else None
    domains = tuple(dict.fromkeys([*(settings.whitelist if settings else ()), *allow_domains]))
    sources = [Path(p) for p in (settings_path if settings and settings.secrets else None, config_secrets, flag_secrets) if p]
    for p in sources:
        read_secrets(p)  # parsed up front: invalid JSON is the user's file, not the lambda's fault
    secrets_file, merged = merge_secrets(sources)
    # Repro commands name only the --secrets flag: a replay of the function re-reads settings.json
    # and the config file itself, so naming them (or the private merged file) would be wrong or gone.
    label = None if merged is None and flag_secrets else str(flag_secrets or "")
    if merged is not None:
        import os

        private.mkdir(parents=True, exist_ok=True)
        secrets_file = private / f"{fn.name}.secrets.json"
        fd = os.open(secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(merged, fh)

    files = list(dict.fromkeys(str(p) for p in payload_files))
    scenarios = tuple(read_scenarios(files)) if files else ()
    extra: list[tuple[str, str, Any]] = []
    notes = []
    sample = (config.input or {}).get("payload") if config is not None else None
    for ev in selected:
        if sample and config is not None:  # lpf's template holds {"headers": [], "payload": {}}: nothing to run
            errors = contract_errors(registry, ev, sample, spec.name)
            if errors:
                notes.append(_config_input_note(config.path, ev, errors))
            else:
                extra.append((ev, "config:input", sample))
        check_scenarios(scenarios, registry, ev, spec.name)
        extra += [(ev, s.name, s.payload) for s in scenarios]
    return TargetSetup(
        function=fn,
        events=selected,
        skipped=skipped,
        env=tuple(env),
        allow_domains=domains,
        secrets_file=secrets_file,
        secrets_label=label,
        scenarios=scenarios,
        config=config,
        extra_cases=tuple(extra),
        notes=tuple(notes),
    )


def _config_input_note(path, event, errors):
    from ..core.results import StaticFinding
    from .checks import CHECKS

    e = errors[0]
    # A warning, not bad input: lpf's template inputs are placeholders people fill in partly, and the
    # sample only serves `lpf invoke --local`; the function itself is still verified in full.
    message = (
        f"the sample input in {path.name} breaks the contract of {event} at {e.path or '/'}: {e.message}; "
        "not run as a case (fix the sample, or check it with `lpf-contract check-payloads`)"
    )
    check = CHECKS["config-input"]
    return StaticFinding(check=check.id, severity=check.severity, rule="sample-input", message=message)
