"""Replaying one saved failing case (``lpf-contract verify --replay FILE``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError
from ..core.outcome import Outcome
from ..core.results import Finding
from .checks import CHECKS, CaseContext
from .options import VerifyOptions, handler_input


def load_repro(path: Path) -> dict[str, Any]:
    """A saved failing case: ``{event, check, contract_version, payload}``."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"replay file not found: path={path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"replay file is not a JSON repro: path={path}: {exc}") from None
    if not isinstance(doc, dict) or "event" not in doc or "payload" not in doc:
        raise InputFileError(f"replay file needs 'event' and 'payload': path={path}")
    if not isinstance(doc["event"], str) or not isinstance(doc.get("contract_version", ""), str):
        raise InputFileError(f"replay file: event and contract_version must be strings, got event={doc['event']!r}: path={path}")
    return doc


def replay(target: str, repro: dict[str, Any], options: VerifyOptions, *, registry=None) -> tuple[Outcome, list[Finding]]:
    """Run one saved case through the handler and every check."""
    from ..contracts.registry import load_registry
    from ..handlers import load_handler

    registry = registry or load_registry()
    version = options.version or repro.get("contract_version")
    spec = registry.event(repro["event"], version)
    with load_handler(target, **{**options.handler_options(), "workers": 1}) as handler:
        outcome = handler.invoke(spec.event_id, handler_input(repro["payload"]))
        source = handler.source_path
    return outcome, CHECKS.run(
        CaseContext(
            spec.event_id,
            repro["payload"],
            outcome,
            registry,
            spec.result_uri,
            result_policy=spec.result_policy,
            source_path=source,
        )
    )
