"""Semantic diff of contract schemas: which changes break existing handlers, and a value that shows it.

Schemas are compared by the values they accept, not by text (``core.schema`` normalises them).
Payload schemas flow platform -> handler (widening breaks handlers); result schemas flow handler ->
platform (narrowing breaks handlers). Every breaking change gets a *witness*: a concrete value one
side accepts and the other rejects, checked with the python-jsonschema validators of both sides.

    model.py       changes, witnesses, the report, the pairs rules look at
    catalogue.py   Rule and DIFF_RULES (each rule declared once, with its witness recipe)
    rules/         the rules, one module per family (types, enums, objects, numbers, strings, ...)
    pairs.py       lining up old and new branches; bounds.py, samples.py: helpers of the rules
    walk.py        both schemas descended side by side; witness.py: the witness search
    revisions.py   whole contract versions, git:REV; against.py: replay through a handler
    render.py      text, Markdown, the catalogue, the changelog
"""

from __future__ import annotations

from ..core.bundle import bundle_document
from . import rules as _rules  # noqa: F401 - declares every rule in DIFF_RULES
from .against import replay_witnesses
from .catalogue import DIFF_RULES, Rule, rules_for
from .model import MODES, ROLES, DiffReport, EventsPair, Hit, Pair, PolicyPair, Replay, SchemaChange, Witness, breaks
from .render import render_changelog, render_md, render_rules, render_text
from .revisions import VersionRef, diff_versions, registry_at
from .walk import SchemaSide, Subject, diff_schemas, diff_subject, schema_side

__all__ = [
    "DIFF_RULES",
    "MODES",
    "ROLES",
    "DiffReport",
    "EventsPair",
    "Hit",
    "Pair",
    "PolicyPair",
    "Replay",
    "Rule",
    "SchemaChange",
    "SchemaSide",
    "Subject",
    "VersionRef",
    "Witness",
    "breaks",
    "bundle_document",
    "diff_schemas",
    "diff_subject",
    "diff_versions",
    "registry_at",
    "render_changelog",
    "render_md",
    "render_rules",
    "render_text",
    "replay_witnesses",
    "rules_for",
    "schema_side",
]
