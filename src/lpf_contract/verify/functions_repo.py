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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError, UsageError

SETTINGS = "settings.json"
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """``functions/settings.json``: the account's secrets and the domain allow-list (``whitelist``)."""

    path: Path
    secrets: Mapping[str, Any]
    whitelist: tuple[str, ...]


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


# -- settings.json ------------------------------------------------------------------------------------
def find_settings(folder: Path | None) -> Path | None:
    """``settings.json`` beside a function folder (lpf keeps it in ``functions/``), or None."""
    if folder is None:
        return None
    path = folder.resolve().parent / SETTINGS
    return path if path.is_file() else None


def load_settings(path: Path) -> Settings:
    """Read lpf's ``functions/settings.json``; the template's empty placeholder entries are left out."""
    doc = _read_json(path, "settings.json")
    if not isinstance(doc, dict):
        raise InputFileError(f"settings.json must hold an object {{secrets, whitelist}}: path={path}")
    secrets = _secret_list(doc.get("secrets") or [], path, "secrets")
    whitelist = doc.get("whitelist") or []
    if not isinstance(whitelist, list) or not all(isinstance(d, str) for d in whitelist):
        raise InputFileError(f"settings.json whitelist must be a list of domain strings: path={path}")
    return Settings(path=path, secrets=secrets, whitelist=tuple(d.strip() for d in whitelist if d.strip()))


def read_secrets(path: Path) -> dict[str, Any]:
    """A ``--secrets`` file in any form the toolbelt reads (``toolbelt/common.js`` ``loadSecretFile``):
    ``{"name": "value"}``, a list ``[{key, value}]``, or settings.json's ``{"secrets": [...]}``."""
    doc = _read_json(path, "secrets file")
    if isinstance(doc, list):
        return _secret_list(doc, path, "secrets")
    if isinstance(doc, dict) and isinstance(doc.get("secrets"), list):
        return _secret_list(doc["secrets"], path, "secrets")
    if isinstance(doc, dict):
        return dict(doc)
    raise InputFileError(f"secrets file must hold an object or a list of {{key, value}}: path={path}")


def _secret_list(entries: Any, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(entries, list):
        raise InputFileError(f"{key} must be a list of {{key, value}}: path={path}")
    out: dict[str, Any] = {}
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("key"), str):
            raise InputFileError(f"{key} entries must be {{key, value}}: path={path} entry={e!r}")
        if e["key"]:  # lpf's template holds one {"key": "", "value": ""} placeholder
            out[e["key"]] = e.get("value")
    return out


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{what} not found: path={path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(f"{what} is not valid JSON: path={path}: {exc}") from None


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
