"""What a snapshot run finds: per golden example a SnapshotCase (its Status and the changes), per run a
SnapshotReport (round-tripped through the ``snapshots`` part of conformance.json)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IGNORED = "<ignored>"


class Status(enum.StrEnum):
    MATCHED = "matched"  # recorded and observed agree
    CHANGED = "changed"  # they differ (not rewritten)
    MISSING = "missing"  # no snapshot file for a golden example (not written)
    ORPHANED = "orphaned"  # a snapshot file with no golden example left (not deleted)
    CREATED = "created"  # update: a missing snapshot was written
    UPDATED = "updated"  # update: a changed snapshot was rewritten
    PRUNED = "pruned"  # prune: an orphaned snapshot was deleted
    # The lambda made a call no fixture answers (issue 17): its outcome says nothing, so it is neither
    # compared nor written, even with --update. Could not check: never a pass, never a diff.
    UNCHECKED = "unchecked"


FAILING = frozenset({Status.CHANGED, Status.MISSING, Status.ORPHANED, Status.UNCHECKED})


class ChangeKind(enum.StrEnum):
    CHANGED = "changed"  # same type, new value
    TYPE = "type"  # the value's JSON type changed
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotChange:
    """One difference between the recorded snapshot (``old``) and the observed outcome (``new``)."""

    path: str  # JSONPath of the part that changed ("$" is the whole snapshot)
    kind: ChangeKind
    old: Any = None  # None for ADDED
    new: Any = None  # None for REMOVED


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotCase:
    """One golden example's comparison, or one orphaned snapshot file (``example`` is its file stem)."""

    event: str
    example: str
    path: Path
    status: Status
    changes: tuple[SnapshotChange, ...] = ()
    observed: Any = None  # the snapshot document of this run (None for orphans)
    recorded: Any = None  # the document read from ``path`` (None when there was none)
    # UNCHECKED: the calls nothing answered, each {"via", "method", "target", "suggestion"} (issue 17)
    missing: tuple[Mapping[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.event}/{self.example}"

    @property
    def failed(self) -> bool:
        return self.status in FAILING


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotReport:
    """Everything one snapshot run found; ``cases`` and ``orphans`` are sorted by event, then name."""

    handler: str
    contract_version: str
    snapshot_dir: Path
    update: bool
    prune: bool
    ignore_paths: tuple[str, ...]
    cases: tuple[SnapshotCase, ...]
    orphans: tuple[SnapshotCase, ...]

    def count(self, status: Status) -> int:
        return sum(1 for c in (*self.cases, *self.orphans) if c.status == status)

    @property
    def failures(self) -> tuple[SnapshotCase, ...]:
        return tuple(c for c in (*self.cases, *self.orphans) if c.failed)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        """1 when a snapshot changed, is missing or orphaned; else 2 when some could not be checked (a call
        no fixture answers: "could not check"); else 0. A difference found outranks a gap, as in verify."""
        if any(c.failed and c.status != Status.UNCHECKED for c in (*self.cases, *self.orphans)):
            return 1
        return 2 if self.unchecked else 0

    @property
    def unchecked(self) -> tuple[SnapshotCase, ...]:
        """Cases that could not be compared (a call without a fixture): the run could not check them."""
        return tuple(c for c in self.cases if c.status == Status.UNCHECKED)

    def case(self, event: str, example: str) -> SnapshotCase:
        for c in self.cases:
            if c.event == event and c.example == example:
                return c
        raise KeyError(f"{event}/{example}")

    def to_dict(self) -> dict[str, Any]:
        """Counts and non-matching cases, for ``RunResult.snapshots`` (the conformance report)."""
        return {
            "dir": str(self.snapshot_dir),
            "contract_version": self.contract_version,
            "checked": len(self.cases),
            "matched": self.count(Status.MATCHED),
            "changed": self.count(Status.CHANGED),
            "missing": self.count(Status.MISSING),
            "orphaned": self.count(Status.ORPHANED),
            "updated": self.count(Status.UPDATED),
            "created": self.count(Status.CREATED),
            "pruned": self.count(Status.PRUNED),
            "unchecked": self.count(Status.UNCHECKED),
            "ignore_paths": list(self.ignore_paths),
            "verdict": "pass" if self.passed else "fail",
            "cases": [
                {
                    "event": c.event,
                    "example": c.example,
                    "status": str(c.status),
                    "file": str(c.path),
                    "changes": [{"path": x.path, "kind": str(x.kind), "old": x.old, "new": x.new} for x in c.changes],
                    **({"missing_fixtures": [dict(m) for m in c.missing]} if c.missing else {}),
                }
                for c in (*self.cases, *self.orphans)
                if c.status != Status.MATCHED
            ],
        }
