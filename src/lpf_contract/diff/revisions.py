"""Whole contract versions compared (event set, result policies, each payload and result schema), and a
registry as it was at a git revision."""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.errors import ContractError, UsageError
from .catalogue import rules_for
from .model import EventsPair, PolicyPair, SchemaChange, level_for
from .walk import SchemaSide, Subject, diff_subject


@dataclass(frozen=True)
class VersionRef:
    """A contract version in a registry (maybe materialised from git), with a display label."""

    registry: Any
    version: str
    label: str


def diff_versions(old: VersionRef, new: VersionRef, *, witnesses: bool = True) -> list[SchemaChange]:
    """Every change between two contract versions: event set, each payload, each result schema."""
    ov, nv = old.registry.version(old.version), new.registry.version(new.version)
    out: list[SchemaChange] = []
    events = EventsPair(tuple(sorted(ov.events)), tuple(sorted(nv.events)))
    for rule in rules_for("events"):
        for hit in rule.detect(events):
            bf = rule.breaking_for("payload")
            out.append(
                SchemaChange(
                    rule.id,
                    level_for(bf),
                    hit.path_old,
                    hit.path_new,
                    rule.effect,
                    bf,
                    hit.message,
                    "events",
                    "payload",
                    "/",
                    hit.hint,
                    (hit.hint,),
                )
            )
    shared = sorted(set(ov.events) & set(nv.events))
    results: dict[tuple[str, str], list[str]] = {}
    for event_id in shared:
        eo, en = ov.events[event_id], nv.events[event_id]
        policies = PolicyPair(event_id, eo.result_policy, en.result_policy)
        for rule in rules_for("policy"):
            for hit in rule.detect(policies):
                bf = hit.breaks if hit.breaks is not None else rule.breaking_for("commands")
                effect = hit.effect or rule.effect
                # role "commands" with the event: --against replays the golden examples' results.
                out.append(
                    SchemaChange(
                        rule.id,
                        level_for(bf),
                        hit.path_old,
                        hit.path_new,
                        effect,
                        bf,
                        hit.message,
                        f"result_policy {event_id}",
                        "commands",
                        "/",
                        event_id,
                        (event_id,),
                    )
                )
        subject = Subject(
            f"payload {event_id}",
            "payload",
            _side(old.registry, eo.payload_uri, old.registry.examples(event_id, old.version)),
            _side(new.registry, en.payload_uri, new.registry.examples(event_id, new.version)),
            event_id,
        )
        out.extend(diff_subject(subject, witnesses=witnesses))
        results.setdefault((eo.result_uri, en.result_uri), []).append(event_id)
    # Events sharing one result schema on both sides are compared once.
    for (ou, nu), event_ids in sorted(results.items(), key=lambda kv: kv[1]):
        subject = Subject(
            f"result {', '.join(event_ids)}",
            "commands",
            _side(old.registry, ou),
            _side(new.registry, nu),
            event_ids[0],
            tuple(event_ids),
        )
        changes = diff_subject(subject, witnesses=witnesses)
        if all(nv.events[e].result_policy == "ignored" for e in event_ids):
            # The new version's platform discards these results (registry.yaml result_policy):
            # no change to what the result schema accepts can fail a handler or the platform.
            note = " (results are ignored in the new version: breaks nobody)"
            changes = [replace(c, breaking_for=(), level="info", message=c.message + note) for c in changes]
        out.extend(changes)
    return sorted(out, key=SchemaChange.sort_key)


def _side(registry: Any, uri: str, examples: Iterable[Any] = ()) -> SchemaSide:
    return SchemaSide(registry.bundled(uri), registry.validator(uri), tuple(e.payload for e in examples))


@contextlib.contextmanager
def registry_at(rev: str, contracts_root: Path) -> Iterator[Any]:
    """The registry of ``contracts_root`` as it was at git revision ``rev`` (a temporary copy)."""
    import io

    from ..contracts import Registry

    root = Path(contracts_root).resolve()
    try:
        top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    except UsageError:
        raise UsageError(f"git:{rev} needs the contracts folder in a git repository; path={root} is not in one") from None
    rel = root.relative_to(Path(top).resolve()).as_posix()
    archive = _git(Path(top), "archive", "--format=tar", rev, "--", rel)
    with tempfile.TemporaryDirectory(prefix="lpf-contract-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        folder = Path(tmp) / rel
        if not (folder / "registry.yaml").is_file():
            raise ContractError(f"no registry.yaml at git revision rev={rev} path={rel}; pick a revision that has contracts")
        yield Registry.load(folder)


def _git(cwd: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30)
    except FileNotFoundError:
        raise UsageError("git is not installed; git:REV needs it") from None
    if proc.returncode != 0:
        msg = " ".join(proc.stderr.decode(errors="replace").split())
        raise UsageError(f"git {args[0]} failed in {cwd}: {msg}; check the revision name (git:REV)")
    return proc.stdout
