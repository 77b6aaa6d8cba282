from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check-payloads",
        help="check captured payloads (.json object/array or .jsonl) against an event's payload schema",
        description=(
            "Exit 0 when every payload is valid, 1 when some are invalid (bad JSON lines count as invalid), 2 for bad "
            "input. Fields the contract does not name are drift warnings (exit 0; 1 with --strict)."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--event", required=True, metavar="ID", help="event id, e.g. surveybot_messaging_survey_ended")
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: the current one)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--strict", action="store_true", help="drift warnings (fields not in the contract) fail the check: exit 1")
    p.set_defaults(run=run)


def run(args) -> int:
    import json
    import sys
    from pathlib import Path

    from ..contracts.registry import load_registry
    from ..contracts.payloads import PayloadChecker, iter_entries, require_file

    registry = load_registry(args.contracts)
    checker = PayloadChecker(registry, args.event, args.version)
    for f in args.files:  # fail on a missing file before checking anything
        require_file(Path(f))
    invalid = []
    warnings = []
    n_invalid = n_drift = 0
    for f in args.files:
        for entry in iter_entries(Path(f)):
            verdict = checker.verdict(entry)
            bad, drift = verdict.invalid, verdict.drift
            if drift is not None:
                n_drift += 1
                if args.format == "json":
                    warnings.append({"file": drift.file, "line": drift.line, "fields": [{"path": p, "message": drift.MESSAGE} for p in drift.paths]})
                else:
                    for path in drift.paths:
                        sys.stdout.write(f"{drift.file}:{drift.line}: {path}: {drift.MESSAGE}\n")
            if bad is None:
                continue
            n_invalid += 1
            if args.format == "json":
                invalid.append(
                    {"file": bad.file, "line": bad.line, "errors": [{"path": e.path, "message": e.message} for e in bad.errors]}
                )
            else:
                for e in bad.errors:
                    sys.stdout.write(f"{bad.file}:{bad.line}: {e.path or '/'}: {e.message}\n")
    if args.format == "json":
        report = {"checked": checker.checked, "invalid": invalid, "warnings": warnings}
        print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(f"checked={checker.checked} invalid={n_invalid} drift={n_drift} event={args.event}", file=sys.stderr)
    return 1 if n_invalid or (args.strict and n_drift) else 0
