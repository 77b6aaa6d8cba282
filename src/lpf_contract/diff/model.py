"""What the contract diff produces and passes around: changes, witnesses, replays, the report, and the
pairs of old/new subschemas its rules look at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..core.schema import Node

if TYPE_CHECKING:
    from .revisions import VersionRef

MODES = ("backward", "forward", "full")
ROLES = ("payload", "commands")
EFFECTS = ("widening", "narrowing", "incompatible")


# -- what a rule looks at --------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One move from a subschema to a child (``prop``, ``additional``, ``items``, ``branch``, ``allof``)."""

    kind: str
    key: str | None
    old: Node
    new: Node


@dataclass(frozen=True)
class Pair:
    """Old and new subschemas at the same place; ``where`` is the data location (``*`` = any item)."""

    old: Node
    new: Node
    trail: tuple[Step, ...] = ()
    where: str = ""

    def side(self, name: str) -> Node:
        return self.new if name == "new" else self.old


@dataclass(frozen=True)
class EventsPair:
    """The event ids of two contract versions."""

    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class PolicyPair:
    """One event's result_policy (registry.yaml) in two contract versions."""

    event_id: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found: a message, pointers into both bundled schemas, and data for the witness."""

    message: str
    path_old: str | None
    path_new: str | None
    hint: Any = None
    where: str = ""  # appended to the pair's data location
    # For rules whose verdict depends on the direction of the change (result-policy-changed):
    # the effect and who it breaks for this hit, instead of the rule's.
    effect: str | None = None
    breaks: tuple[str, ...] | None = None


# -- results ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Witness:
    """A value ``accepted_by`` one side and rejected by the other; ``at`` points into ``instance``."""

    accepted_by: str  # "old" or "new"
    rejected_by: str
    instance: Any
    at: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted_by": self.accepted_by,
            "rejected_by": self.rejected_by,
            "at": self.at,
            "value": self.note,
            "instance": self.instance,
        }


@dataclass(frozen=True, slots=True)
class Replay:
    """What replaying a witness through a handler did."""

    handler: str
    breaks: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"handler": self.handler, "breaks": self.breaks, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One semantic change. ``path_old``/``path_new`` are JSON pointers into the bundled schemas."""

    rule: str
    level: str  # error: breaks existing handlers; warning: breaks the platform side only; info: nobody
    path_old: str | None
    path_new: str | None
    effect: str
    breaking_for: tuple[str, ...]
    message: str
    subject: str = ""  # "payload <event>", "result <events>", "events", or the file pair
    role: str = ""
    where: str = ""  # data location; "*" is any array item, "{key}" any undeclared property
    event_id: str | None = None
    events: tuple[str, ...] = ()  # every event whose payload or result schema this change is in
    witness: Witness | None = None
    replay: Replay | None = None
    # A breaking change for which the witness search found no value one side accepts and the other
    # rejects: possibly a false alarm of a rule, so a warning that only --strict counts as breaking.
    unconfirmed: bool = False

    def sort_key(self) -> tuple:
        return (self.subject, self.where, self.rule, self.path_old or "", self.path_new or "", self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "level": self.level,
            "path": self.path_new if self.path_new is not None else self.path_old,
            "path_old": self.path_old,
            "path_new": self.path_new,
            "effect": self.effect,
            "breaking_for": list(self.breaking_for),
            "message": self.message,
            "schema": self.subject,
            "role": self.role,
            "where": self.where,
            "events": list(self.events),
        }
        if self.unconfirmed:
            out["unconfirmed"] = True
        if self.witness is not None:
            out["witness"] = self.witness.to_json()
        if self.replay is not None:
            out["replay"] = self.replay.to_json()
        return out


@dataclass(frozen=True)
class DiffReport:
    """The changes between two sides, judged in ``mode`` (backward: about existing handlers)."""

    old: str
    new: str
    changes: tuple[SchemaChange, ...]
    mode: str = "backward"
    against: str | None = None
    new_ref: VersionRef | None = field(default=None, compare=False, repr=False)  # for --against
    witnesses: bool = True  # False when witness generation was skipped on purpose
    strict: bool = False  # unconfirmed changes (no witness found) count as breaking too

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"unknown mode={self.mode!r}; use one of {', '.join(MODES)}")

    @property
    def breaking(self) -> bool:
        return any(breaks(c, self.mode, replayed=self.against is not None, strict=self.strict) for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "mode": self.mode,
            "breaking": self.breaking,
            "strict": self.strict,
            "changes": [c.to_json() for c in self.changes],
        }


def breaks(change: SchemaChange, mode: str, *, replayed: bool = False, strict: bool = False) -> bool:
    """Whether ``change`` counts against the verdict in ``mode`` (an unconfirmed one only when ``strict``)."""
    if change.unconfirmed and not strict:
        return False
    if mode == "forward":
        return "platform" in change.breaking_for
    if mode == "full":
        return bool(change.breaking_for)
    if "handlers" not in change.breaking_for:
        return False
    # With --against, a payload change whose witness the handler survives is not a break for it.
    if replayed and change.replay is not None:
        return change.replay.breaks
    return True


def level_for(breaking_for: Sequence[str]) -> str:
    return "error" if "handlers" in breaking_for else "warning" if breaking_for else "info"
