"""Replaying one saved failing case (``lpf-contract verify --replay FILE``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError, LpfContractError, UsageError
from ..core.outcome import FAULT_MODES, Outcome
from ..core.results import Finding
from .checks import CHECKS, CaseContext
from .options import VerifyOptions, handler_input


def load_repro(path: Path) -> dict[str, Any]:
    """A saved failing case: ``{event, check, contract_version, payload}``, and ``faults`` (the
    --http-faults mode it failed under) when it was a fault run; files without it replay normally."""
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
    faults = doc.get("faults")
    if faults not in (None, "", *FAULT_MODES):
        raise InputFileError(
            f"replay file: faults must be one of {', '.join(FAULT_MODES)}, got faults={faults!r}: path={path}; "
            "remove the key to replay without faults"
        )
    return doc


def replay_faults(repro: dict[str, Any], options: VerifyOptions) -> str | None:
    """The fault mode a replay runs under: the one --http-faults names (the repro command names the
    mode the case failed under), else the one the repro file carries, else none.

    A replay is one case, so several --http-faults modes are a usage error rather than a guess.
    """
    if len(options.http_faults) > 1:
        raise UsageError(f"--replay runs one case: give one --http-faults mode, got http_faults={','.join(options.http_faults)}")
    if options.http_faults:
        return options.http_faults[0]
    return repro.get("faults") or None


def replay(target: str, repro: dict[str, Any], options: VerifyOptions, *, registry=None) -> tuple[Outcome, list[Finding]]:
    """Run one saved case through the handler and every check, under the fault mode it failed with
    (:func:`replay_faults`). A case with a call no fixture answered cannot be judged: LpfContractError
    (exit 2) naming the first such call and the fixture entry to add."""
    from ..contracts.registry import load_registry
    from ..handlers import load_handler

    registry = registry or load_registry()
    version = options.version or repro.get("contract_version")
    spec = registry.event(repro["event"], version)
    faults = replay_faults(repro, options)
    with load_handler(target, **{**options.handler_options(), "workers": 1}) as handler:
        outcome = handler.invoke(spec.event_id, handler_input(repro["payload"]), faults=faults or None)
        source = handler.source_path
    if outcome.missing_fixtures:
        # As in a full run: a call nothing answered makes the case say nothing about the lambda, so
        # the replay cannot say PASS or FAIL (exit 2, naming the fixture to add).
        raise LpfContractError(_unchecked_message(outcome.missing_fixtures, options))
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


def _unchecked_message(missing, options: VerifyOptions) -> str:
    from .engine import describe_call

    first = missing[0]
    more = len({(c.target, c.via, c.method) for c in missing}) - 1
    where = "the fixtures file" if options.fixtures_file is not None else "a fixtures file given with --fixtures"
    text = f"could not check the replayed case: no fixture for {describe_call(first)}" + (f" (and {more} more)" if more else "")
    if first.suggestion is not None:
        text += f"; add to {where}: {json.dumps(first.suggestion, sort_keys=True, ensure_ascii=False)}"
    else:
        text += f"; add it to {where}"
    return text
