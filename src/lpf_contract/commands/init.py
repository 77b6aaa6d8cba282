"""``lpf-contract init [DIR]``: a starter CI workflow and a starter ``[tool.lpf-contract]`` config."""

from __future__ import annotations

from ..core import platform

# The Action of this repository (action.yml at its root). Where it is published is not known here
# (decided here: no guessed slug): without --action-ref the workflow holds an explicit placeholder
# and a comment saying what to put there; users should pin a tag or commit.
ACTION_PLACEHOLDER = "<owner>/lpf-contract@<tag>"

WORKFLOW = """\
# Written by `lpf-contract init`: verifies every function against LivePerson's invocation contract.
name: lpf-contract
on:
  pull_request:
  push:
    branches: [main]
jobs:
  verify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
{note}      - uses: {action}
        with:
          paths: {paths}
"""

CONFIG = """\
# lpf-contract settings (command-line flags win). Reference: `lpf-contract verify --help` and the README.
examples = 200            # generated payloads per event
timeout-ms = {timeout_ms}        # the platform's time limit per invocation
workers = 1
report-dir = "reports"
snapshot-dir = "__lpf_snapshots__"   # pytest --lpf-handler records here: <snapshot-dir>/<function>/
# allow-domains = ["api.example.com"]   # what HTTPClient may reach (the platform's allow-list)
# secrets = "secrets.json"              # {{"name": "value"}} served by SecretClient

# Per function (its folder name under functions/):
# [{prefix}functions.my-function]
# timeout-ms = 10000
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "init",
        help="write a starter CI workflow and [tool.lpf-contract] config into a functions repository",
        description=(
            "Writes .github/workflows/lpf-contract.yml (the lpf-contract GitHub Action on PATHS) and a "
            "[tool.lpf-contract] table: appended to pyproject.toml when there is one, else lpf-contract.toml. "
            "Refuses to overwrite (exit 2 naming the files) unless --force."
        ),
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the repository's root (default: .)")
    p.add_argument("--paths", default="functions/", metavar="PATHS", help="what the workflow verifies (default functions/)")
    p.add_argument(
        "--action-ref",
        default=None,
        metavar="OWNER/NAME@REF",
        help="the lpf-contract GitHub Action the workflow uses (where this repository is published, pinned to a "
        f"tag or commit); default: the placeholder {ACTION_PLACEHOLDER} with a comment to replace it",
    )
    p.add_argument("--force", action="store_true", help="overwrite the workflow and the config")
    p.set_defaults(run=run)


def run(args) -> int:
    import tomllib
    from pathlib import Path

    from ..core.errors import UsageError

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"init needs an existing folder: path={root}; create it first")
    workflow = root / ".github" / "workflows" / "lpf-contract.yml"
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        has_table = "lpf-contract" in doc.get("tool", {})
        config_target, existing_config = pyproject, has_table
    else:
        config_target = root / "lpf-contract.toml"
        existing_config = config_target.exists()
    clashes = [str(p) for p, exists in ((workflow, workflow.exists()), (config_target, existing_config)) if exists]
    if clashes and not args.force:
        raise UsageError(f"init would overwrite: {', '.join(clashes)}; pass --force to replace them")

    workflow.parent.mkdir(parents=True, exist_ok=True)
    action = args.action_ref or ACTION_PLACEHOLDER
    note = (
        ""
        if args.action_ref
        else "      # Replace with where lpf-contract's action.yml is published, pinned (owner/name@tag or @commit),\n"
        "      # or re-run `lpf-contract init --force --action-ref OWNER/NAME@REF`.\n"
    )
    workflow.write_text(WORKFLOW.format(action=action, paths=args.paths, note=note), encoding="utf-8")
    if config_target == pyproject:
        text = pyproject.read_text(encoding="utf-8")
        if existing_config:  # --force: drop the old table (and its sub-tables) before appending the new one
            text = _without_table(text, "tool.lpf-contract")
        body = CONFIG.format(prefix="tool.lpf-contract.", timeout_ms=platform.DEFAULT_TIME_LIMIT_MS)
        pyproject.write_text(text.rstrip("\n") + "\n\n[tool.lpf-contract]\n" + body, encoding="utf-8")
    else:
        config_target.write_text(CONFIG.format(prefix="", timeout_ms=platform.DEFAULT_TIME_LIMIT_MS), encoding="utf-8")
    print(f"wrote {workflow}" + ("" if args.action_ref else f" (replace the placeholder uses: {ACTION_PLACEHOLDER})"))
    print(f"wrote {config_target}" + (" [tool.lpf-contract]" if config_target == pyproject else ""))
    return 0


def _without_table(text: str, name: str) -> str:
    """``text`` without the TOML table ``[name]`` and its ``[name.*]`` sub-tables (line based)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            header = stripped.strip("[]").strip()
            skipping = header == name or header.startswith(name + ".")
        if not skipping:
            out.append(line)
    return "".join(out)
