"""Which closed-enum values and which optional-field presences a set of payloads exercised."""

from __future__ import annotations

import json
from typing import Any

from ..core.pointer import escape
from .ir import ArrayNode, EnumNode, NodeChecks, ObjectNode, TypedNode, UnionNode, normalize


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _join(pointer: str, part: str) -> str:
    return pointer + "/" + escape(part)


class Coverage:
    """Coverage targets of one payload schema and what :meth:`observe` has seen of them.

    Targets: every value of every closed ``enum`` at its location (``/dialogs/*/dialogType=MAIN``,
    ``*`` standing for any array index or extra key), and every optional property both present and
    absent at every level (``/ttr present``, ``/ttr absent``, ``/ttr/ttrType present``...).
    """

    def __init__(self, root: TypedNode):
        self._root = root
        self._enum: dict[str, bool] = {}
        self._optional: dict[str, bool] = {}
        self._checks = NodeChecks()
        self._collect(root, "")

    @classmethod
    def for_schema(cls, bundled_schema: Any) -> Coverage:
        return cls(normalize(bundled_schema))

    # -- targets -------------------------------------------------------------------------------
    def _collect(self, node: TypedNode, pointer: str) -> None:
        if node.generation_only:
            return  # drawn from real values by x-lpf-generate, not a closed enum or field of the contract
        if isinstance(node, EnumNode):
            if not node.is_const:
                for v in node.values:
                    self._enum.setdefault(f"{pointer}={_label(v)}", False)
        elif isinstance(node, ObjectNode):
            for name, sub in node.properties.items():
                where = _join(pointer, name)
                if name not in node.required and not sub.generation_only:
                    self._optional.setdefault(f"{where} present", False)
                    self._optional.setdefault(f"{where} absent", False)
                self._collect(sub, where)
            if isinstance(node.additional, TypedNode):
                self._collect(node.additional, pointer + "/*")
        elif isinstance(node, ArrayNode):
            self._collect(node.items, pointer + "/*")
        elif isinstance(node, UnionNode):
            for b in node.branches:
                self._collect(b, pointer)

    # -- observing -----------------------------------------------------------------------------
    def observe(self, payload: Any) -> None:
        """Count the targets ``payload`` exercises (it should be valid; invalid parts are skipped)."""
        self._observe(self._root, payload, "")

    def _observe(self, node: TypedNode, value: Any, pointer: str) -> None:
        if node.generation_only:
            return
        if isinstance(node, EnumNode):
            if not node.is_const:
                key = f"{pointer}={_label(value)}"
                if key in self._enum:
                    self._enum[key] = True
        elif isinstance(node, ObjectNode):
            if not isinstance(value, dict):
                return
            for name, sub in node.properties.items():
                where = _join(pointer, name)
                present = name in value
                if name not in node.required and not sub.generation_only:
                    self._optional[f"{where} {'present' if present else 'absent'}"] = True
                if present:
                    self._observe(sub, value[name], where)
            if isinstance(node.additional, TypedNode):
                for key, v in value.items():
                    if key not in node.properties:
                        self._observe(node.additional, v, pointer + "/*")
        elif isinstance(node, ArrayNode):
            if isinstance(value, list):
                for item in value:
                    self._observe(node.items, item, pointer + "/*")
        elif isinstance(node, UnionNode):
            for b in node.branches:
                if self._matches(b, value):
                    self._observe(b, value, pointer)

    def _matches(self, node: TypedNode, value: Any) -> bool:
        return self._checks.accepts(node, value)

    def merge(self, other: Coverage) -> None:
        """Add what ``other`` (same schema) has seen, e.g. from another worker."""
        for mine, theirs in ((self._enum, other._enum), (self._optional, other._optional)):
            for key, seen in theirs.items():
                if seen and key in mine:
                    mine[key] = True

    # -- report --------------------------------------------------------------------------------
    def summary(self) -> dict:
        """``{"enum": {...}, "optional": {...}, "percent": p}``; each part has covered, total, missing (sorted)."""
        out: dict = {}
        covered = total = 0
        for name, targets in (("enum", self._enum), ("optional", self._optional)):
            hit = sum(targets.values())
            out[name] = {"covered": hit, "total": len(targets), "missing": sorted(k for k, seen in targets.items() if not seen)}
            covered += hit
            total += len(targets)
        out["percent"] = round(100.0 * covered / total, 2) if total else 100.0
        return out
