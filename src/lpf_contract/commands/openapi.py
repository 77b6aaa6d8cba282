from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "openapi",
        help="generate the invocation API's OpenAPI document from the contracts (or check it is up to date)",
        description="Writes contracts/<version>/invocation.openapi.yaml from registry.yaml and the schemas. "
        "--check exits 1 when the file differs from what would be generated.",
    )
    p.add_argument("--version", default=None, metavar="V", help="contract version (default: the current one)")
    p.add_argument("--output", default=None, metavar="PATH", help="where to write (default: the registry's openapi path; - for stdout)")
    p.add_argument("--check", action="store_true", help="do not write; exit 1 if the file is out of date")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys
    from pathlib import Path

    from ..contracts.registry import load_registry
    from ..core.errors import ContractError
    from ..contracts.openapi import openapi_text

    registry = load_registry(args.contracts)
    version = registry.version(args.version)
    text = openapi_text(registry, version.name)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    if args.output:
        path = Path(args.output)
    elif version.openapi_file is not None:
        path = version.openapi_file
    else:
        raise ContractError(f"registry names no 'openapi' file for version={version.name}; pass --output PATH")
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current is not None:
            _validate(path, current)
        if current != text:
            print(f"{path}: out of date with the contracts; run `lpf-contract openapi --version {version.name}`", file=sys.stderr)
            return 1
        print(f"{path}: up to date", file=sys.stderr)
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _validate(path, text: str) -> None:
    # A broken document is bad input (exit 2), not merely "out of date" (exit 1).
    import yaml
    from openapi_spec_validator import validate

    from ..core.errors import ContractError

    try:
        validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ContractError(f"OpenAPI document is not valid YAML: path={path}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # openapi-spec-validator raises several unrelated exception types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContractError(
            f"OpenAPI document does not validate: path={path}: {first}; regenerate it with `lpf-contract openapi`"
        ) from None
