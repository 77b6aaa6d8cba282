"""conformance.json: the machine-readable report, its shipped JSON Schema, and reading it back.

Not named json.py: the package would then shadow the stdlib json module inside its own __init__.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError
from ..core.results import RunResult

SCHEMA_FILE = "conformance.schema.json"


def render_json(run: RunResult) -> str:
    return json.dumps(run.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_text() -> str:
    """The JSON Schema of conformance.json, as shipped in the package."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(doc: Any) -> list[str]:
    """Every way ``doc`` breaks the schema, as ``at /pointer: message`` lines (empty when valid)."""
    errors = sorted(_validator().iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def load_run(path: Path) -> RunResult:
    """Read a conformance.json file back into a RunResult; InputFileError (exit 2) when it is not one."""
    if not path.exists():
        raise InputFileError(f"report not found: path={path}; check the path (verify writes REPORT_DIR/conformance.json)")
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputFileError(f"cannot read report: path={path}: {reason}") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"report is not JSON: path={path} line={exc.lineno} col={exc.colno}: {exc.msg}; pass the conformance.json verify wrote"
        ) from None
    problems = schema_errors(doc)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputFileError(f"not a conformance report: path={path}: {problems[0]}{more}; see `lpf-contract report --schema`")
    try:
        return RunResult.from_dict(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputFileError(f"not a conformance report: path={path}: {exc!r}") from None
