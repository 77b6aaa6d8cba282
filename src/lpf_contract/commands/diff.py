"""``lpf-contract diff``: semantic contract diff between revisions, as a CI gate."""

from __future__ import annotations

from ..core import platform


def add_parser(sub) -> None:
    p = sub.add_parser(
        "diff",
        help="semantic diff of two contract revisions: what breaks existing handlers",
        description=(
            "Compare two contract revisions by the values they accept. OLD/NEW are contract versions "
            "(v1 v2), git:REV (the registry at a git revision; git:REV:VERSION picks the version), or "
            "two schema files (then --role is required). Payloads flow platform->handler (widening "
            "breaks handlers); results flow handler->platform (narrowing breaks handlers)."
        ),
        epilog="Exit codes: 0 nothing breaks (in --mode), 1 something does, 2 bad input.",
    )
    p.add_argument("old", nargs="?", metavar="OLD", help="old side: version, git:REV[:VERSION] or schema file")
    p.add_argument("new", nargs="?", metavar="NEW", help="new side: version, git:REV[:VERSION] or schema file")
    p.add_argument(
        "--role",
        choices=("payload", "commands"),
        help="role of bare schema files (required for them); with versions, report only that role",
    )
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.add_argument(
        "--mode",
        choices=("backward", "forward", "full"),
        default="backward",
        help="what the verdict is about: backward = existing handlers (default), forward = the platform side, full = both",
    )
    p.add_argument("--transitive", action="store_true", help="check every version (or OLD/NEW given) against all earlier ones")
    p.add_argument("--rules", action="store_true", help="print the rule catalogue and exit")
    p.add_argument("--changelog", action="store_true", help="print the Markdown changelog of every registry version")
    p.add_argument(
        "--against",
        metavar="HANDLER",
        help="replay payload witnesses (and, for result changes, the new version's systematic set and "
        "--examples generated payloads) through this handler (.js, file.py:function or http(s):// URL) "
        "and say which changes really break it",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=50,
        metavar="N",
        help="generated payloads per event that --against replays for result changes, after the systematic set (default 50)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of those generated payloads (default 0)")
    p.add_argument(
        "--timeout-ms",
        type=int,
        default=platform.DEFAULT_TIME_LIMIT_MS,
        metavar="MS",
        help=f"per-invocation limit for --against (default {platform.DEFAULT_TIME_LIMIT_MS})",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="count unconfirmed changes (a rule fired but no witness value was found) as breaking too",
    )
    p.add_argument("--no-witnesses", action="store_true", help="skip witness generation (faster; --against needs witnesses)")
    p.set_defaults(run=run)


def run(args) -> int:
    import contextlib
    import json
    from dataclasses import replace

    from .. import diff as d
    from ..contracts.registry import load_registry
    from ..core.errors import UsageError

    if args.rules:
        print(d.render_rules(args.format), end="")
        return 0
    if args.changelog:
        print(d.render_changelog(load_registry(args.contracts)), end="")
        return 0
    if args.examples < 0:
        raise UsageError(f"--examples must be >= 0, got examples={args.examples}")
    if args.against and args.no_witnesses:
        raise UsageError("--against replays witnesses: drop --no-witnesses")
    witnesses = not args.no_witnesses

    with contextlib.ExitStack() as stack:
        if args.transitive:
            reports = _transitive(args, stack, witnesses)
        else:
            if not args.old or not args.new:
                raise UsageError("give OLD and NEW (e.g. `lpf-contract diff v1 v2`), or --transitive, --rules, --changelog")
            reports = [_one(args, stack, witnesses)]
        if args.role:
            reports = [replace(r, changes=tuple(c for c in r.changes if c.role == args.role)) for r in reports]
        if not witnesses:
            reports = [replace(r, witnesses=False) for r in reports]
        if args.strict:
            reports = [replace(r, strict=True) for r in reports]
        if args.against:
            reports = [_replay(args, r, stack) for r in reports]

    breaking = any(r.breaking for r in reports)
    if args.format == "json":
        if len(reports) == 1 and not args.transitive:
            doc = reports[0].to_json()
        else:
            doc = {"breaking": breaking, "mode": args.mode, "reports": [r.to_json() for r in reports]}
        print(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    elif args.format == "md":
        print("\n".join(d.render_md(r) for r in reports), end="")
    else:
        if not reports:
            print("nothing to compare: the registry has a single version")
        print("\n".join(d.render_text(r) for r in reports), end="")
    return 1 if breaking else 0


def _registry(args):
    from ..contracts.registry import load_registry

    return load_registry(args.contracts)


def _resolve(spec: str, other: str | None, args, stack):
    """A VersionRef for a version name or git:REV[:VERSION]; None when ``spec`` is not one."""
    from .. import diff as d
    from ..core.errors import UsageError

    if spec.startswith("git:"):
        rest = spec[4:]
        rev, _, version = rest.partition(":") if rest.count(":") == 1 else (rest, "", "")
        if not rev:
            raise UsageError(f"empty git revision in {spec!r}; write git:REV or git:REV:VERSION (e.g. git:HEAD~1:v1)")
        current = _registry(args)
        reg = stack.enter_context(d.registry_at(rev, current.root))
        if not version:
            version = other if other is not None and other in reg.versions else reg.current_version()
        reg.version(version)  # unknown version -> exit 2 with the known ones
        return d.VersionRef(reg, version, f"git:{rev}:{version}")
    reg = _registry(args)
    if spec in reg.versions:
        return d.VersionRef(reg, spec, spec)
    return None


def _plain(spec: str) -> str | None:
    if spec.startswith("git:"):
        rest = spec[4:]
        return rest.partition(":")[2] if rest.count(":") == 1 else None
    return spec


def _one(args, stack, witnesses: bool):
    import json
    from pathlib import Path

    from .. import diff as d
    from ..core.errors import InputFileError, UsageError

    old_ref = new_ref = None
    old_is_file = Path(args.old).is_file() and not args.old.startswith("git:")
    new_is_file = Path(args.new).is_file() and not args.new.startswith("git:")
    if not old_is_file:
        old_ref = _resolve(args.old, _plain(args.new), args, stack)
    if not new_is_file:
        new_ref = _resolve(args.new, _plain(args.old), args, stack)
    if old_ref is not None and new_ref is not None:
        changes = d.diff_versions(old_ref, new_ref, witnesses=witnesses)
        return d.DiffReport(old_ref.label, new_ref.label, tuple(changes), args.mode, new_ref=new_ref)
    if old_is_file and new_is_file:
        if not args.role:
            raise UsageError("bare schema files need --role payload or --role commands")
        docs = []
        for p in (args.old, args.new):
            try:
                docs.append(json.loads(Path(p).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InputFileError(f"cannot read schema file path={p}: {' '.join(str(exc).split())}") from None
        old_side = _bundle(docs[0], Path(args.old), _neighbours(Path(args.old)))
        new_side = _bundle(docs[1], Path(args.new), _neighbours(Path(args.new)))
        subject = d.Subject(args.role, args.role, old_side, new_side)
        return d.DiffReport(args.old, args.new, tuple(d.diff_subject(subject, witnesses=witnesses)), args.mode)
    bad = args.old if (old_ref is None and not old_is_file) else args.new
    known = ", ".join(sorted(_registry(args).versions))
    raise UsageError(
        f"cannot compare OLD={args.old} with NEW={args.new}: {bad!r} is neither a schema file nor a contract "
        f"version (known: {known}) nor git:REV; both sides must be files, or both versions/git revisions"
    )


def _neighbours(path):
    """uri -> schema for the schemas next to ``path``, by $id and by file URI (for relative $refs)."""
    import json

    out = {}
    for p in sorted(path.parent.glob("*.json")):
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        out[p.resolve().as_uri()] = doc
        if isinstance(doc, dict) and isinstance(doc.get("$id"), str):
            out[doc["$id"]] = doc
    return out


def _bundle(doc, path, neighbours):
    from .. import diff as d
    from ..core.errors import InputFileError

    if not isinstance(doc, (dict, bool)):  # draft-07: true (anything) and false (nothing) are schemas too
        raise InputFileError(f"a schema file must hold a JSON object or a boolean: path={path}")
    bundled = d.bundle_document(doc, base_uri=path.resolve().as_uri(), neighbours=neighbours)
    return d.schema_side(bundled, bundled=True, label=f"schema file path={path}")


def _transitive(args, stack, witnesses: bool):
    from .. import diff as d

    reg = _registry(args)
    names = list(reg.versions)
    wanted = [s for s in (args.old, args.new) if s]
    for s in wanted:
        reg.version(s)
    targets = wanted or names
    reports = []
    for new in names:
        if new not in targets:
            continue
        for old in names[: names.index(new)]:
            changes = d.diff_versions(d.VersionRef(reg, old, old), d.VersionRef(reg, new, new), witnesses=witnesses)
            reports.append(d.DiffReport(old, new, tuple(changes), args.mode, new_ref=d.VersionRef(reg, new, new)))
    return reports


def _served(target: str, stack) -> dict:
    """A function folder's env, allow-list and secrets, prepared as verify prepares them
    (functions_repo.prepare_target): settings.json and the config file's secrets are served."""
    import tempfile
    from pathlib import Path

    from ..config import load_config
    from ..contracts.registry import load_registry
    from ..handlers import target_kind
    from ..verify.functions_repo import prepare_target

    if target_kind(target) != "node":
        return {}
    cfg = load_config().for_target(target)
    private = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lpf-contract-secrets-")))
    setup = prepare_target(
        target,
        registry=load_registry(),
        allow_domains=tuple(cfg.allow_domains or ()),
        config_secrets=cfg.secrets,
        private=private,
    )
    return setup.handler_options()


def _replay(args, report, stack):
    import functools
    from dataclasses import replace

    from .. import diff as d
    from ..handlers import load_handler

    handler = load_handler(args.against, timeout_ms=args.timeout_ms, **_served(args.against, stack))
    stack.callback(handler.close)
    ref = report.new_ref

    def spec(event_id):
        if ref is None or event_id not in ref.registry.version(ref.version).events:
            return None
        return ref.registry.event(event_id, ref.version)

    def result_errors(event_id, result):
        ev = spec(event_id)
        if ev is None or ev.result_policy == "ignored":
            return []  # registry.yaml result_policy: the platform discards the result, nothing can break
        return ref.registry.errors(ev.result_uri, result)

    def accepts_no_result(event_id):
        ev = spec(event_id)
        return ev is None or ev.result_policy == "ignored" or ref.registry.no_result_allowed(ev.result_uri)

    @functools.cache  # several changes of one event replay the same payloads: draw them once
    def examples(event_id):
        # What verify would send under the new contract: the systematic set (golden examples first,
        # every enum value, optional fields, boundaries), then generated payloads (issue 18 item 5).
        from ..variants import generate, systematic_variants

        if spec(event_id) is None:
            return []
        cases = [(v.name, v.payload) for v in systematic_variants(ref.registry, event_id, ref.version)]
        drawn = generate(ref.registry, event_id, count=args.examples, seed=args.seed, version=ref.version)
        return cases + [(f"generated:{i}", p) for i, p in enumerate(drawn)]

    def minimise(event_id, payload, reproduces):
        from ..verify.shrink import shrink

        fast = ref.registry.fast_validator(spec(event_id).payload_uri)
        return shrink(payload, reproduces, is_valid=fast.is_valid).payload

    changes = d.replay_witnesses(
        report.changes,
        handler,
        result_errors=result_errors,
        target=args.against,
        examples=examples,
        accepts_no_result=accepts_no_result,
        minimise=minimise,
    )
    return replace(report, changes=tuple(changes), against=args.against)
