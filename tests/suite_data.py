"""The JSON-Schema-Test-Suite draft-07 copy under tests/fixtures/json-schema-test-suite, as (id, schema)
pairs, with its remotes (http://localhost:1234/...) and the draft-07 meta-schema as what refs may name."""

from __future__ import annotations

import json
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "fixtures" / "json-schema-test-suite"
DRAFT7 = SUITE / "tests" / "draft7"


def suite_groups() -> list[tuple[str, dict]]:
    """(``file: description``, group) for every test group of draft 7 and its optional/ folder."""
    out = []
    for path in sorted(DRAFT7.rglob("*.json")):
        for group in json.loads(path.read_text(encoding="utf-8")):
            out.append((f"{path.relative_to(DRAFT7)}: {group['description']}", group))
    return out


def neighbours() -> dict:
    """uri -> document: the suite's remotes as its tests serve them, and the draft-07 meta-schema."""
    from jsonschema import Draft7Validator

    out = {
        "http://localhost:1234/" + p.relative_to(SUITE / "remotes").as_posix(): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((SUITE / "remotes").rglob("*.json"))
    }
    out["http://json-schema.org/draft-07/schema"] = Draft7Validator.META_SCHEMA
    return out
