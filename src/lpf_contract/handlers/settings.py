"""lpf's ``functions/settings.json`` and secrets files, read the way LivePerson's tools read them.

``lpf`` (``LivePersonInc/faas-cli``) keeps the account's settings in ``functions/settings.json``
(``{"secrets": [{key, value}], "whitelist": [...]}``; ``src/service/file.service.ts``
``getPathToSettings``, ``bin/example/functions/settings.json``). Here (handlers layer) so that
``load_handler`` of a function folder serves them as ``verify`` does; ``verify/functions_repo.py``
re-exports them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError

SETTINGS = "settings.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """``functions/settings.json``: the account's secrets and the domain allow-list (``whitelist``)."""

    path: Path
    secrets: Mapping[str, Any]
    whitelist: tuple[str, ...]


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
