"""Our V1 toolbelt against LivePerson's own (issue 13, item 0).

LivePerson publishes its compiled V1 toolbelt inside the official CLI package on npm
(`liveperson-functions-cli@1.31.13`, MIT, folder `bin/example/bin/lp-faas-toolbelt/`). This test packs
that version, installs the folder's own dependencies, walks both modules in Node and compares: export
names, enum values, static factories, client methods, and the answers to the calls we emulate
(SecretClient over a settings.json secret store, HTTPClient on a host that is not allow-listed, the
ContextServiceClient config checks). npm must be reachable: when it is not, the test fails and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from lpf_contract.handlers.node import NODE_DIR, find_node
from tests.conftest import FIXTURES

PACKAGE = "liveperson-functions-cli@1.31.13"
TOOLBELT_IN_PACKAGE = "package/bin/example/bin/lp-faas-toolbelt/"
WALK = FIXTURES / "toolbelt" / "walk.js"
SPEC = json.loads((FIXTURES / "toolbelt" / "exports-v1.json").read_text())
SETTINGS = {"secrets": [{"key": "present", "value": "s3cr3t"}], "whitelist": ["allowed.example.com"]}

pytestmark = pytest.mark.slow


def npm(*args: str, cwd: Path) -> None:
    npm_bin = shutil.which("npm")
    if npm_bin is None:
        pytest.fail("npm not found: install Node.js with npm to compare with LivePerson's toolbelt")
    proc = subprocess.run([npm_bin, *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} failed (is the npm registry reachable?): {proc.stderr.strip()[-800:]}")


@pytest.fixture(scope="session")
def livepersons_toolbelt(tmp_path_factory) -> Path:
    """LivePerson's compiled V1 toolbelt with the dependencies its own package.json pins."""
    root = tmp_path_factory.mktemp("lp-toolbelt")
    npm("pack", PACKAGE, "--silent", cwd=root)
    tgz = next(root.glob("liveperson-functions-cli-*.tgz"))
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(TOOLBELT_IN_PACKAGE) and m.isfile()]
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(root, members=members, **safe)
    folder = root / TOOLBELT_IN_PACKAGE
    # Only the toolbelt's own dependencies (about 110 MB), not the CLI's (about 250 MB); no install scripts.
    npm("install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", cwd=folder)
    return folder


def walk(mode: str, tmp_path: Path, toolbelt: Path | None = None) -> dict:
    work = tmp_path / mode
    (work / "functions").mkdir(parents=True)
    settings = work / "functions" / "settings.json"
    settings.write_text(json.dumps(SETTINGS))  # LivePerson's copy reads and rewrites ./functions/settings.json
    args = work / "factory-args.json"
    args.write_text(json.dumps({name: f.get("args", []) for name, f in SPEC["factories"].items()}))
    if mode == "theirs":
        argv = [find_node(), str(WALK), "theirs", str(toolbelt), str(args)]
    else:
        argv = [
            find_node(),
            str(WALK),
            "ours",
            str(NODE_DIR / "toolbelt" / "index.js"),
            "lp-faas-toolbelt",
            str(args),
            str(settings),
        ]
    # Their ContextServiceClient refuses to start without this variable (context-service-client/
    # contextServiceClient.js); it picks an environment name only, no request is made.
    env = {**os.environ, "CONTEXT_SERVICE_ENVIRONMENT": "qa"}
    proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def both(livepersons_toolbelt, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("walks")
    return walk("theirs", tmp, livepersons_toolbelt), walk("ours", tmp)


def test_our_data_file_lists_exactly_what_livepersons_module_exports(both):
    theirs, _ = both
    from_cli = {name for name, e in SPEC["exports"].items() if e["source"] == "cli"}
    assert set(theirs["exports"]) == from_cli
    for name in from_cli:
        assert theirs["exports"][name] == {k: v for k, v in SPEC["exports"][name].items() if k in ("kind", "value")}
    public = [s for s in theirs["statics"] if s not in SPEC["private_statics"]]
    assert public == sorted(n for n, f in SPEC["factories"].items() if f["source"] == "cli")


def test_same_exports_enums_and_error_classes(both):
    theirs, ours = both
    for name, entry in theirs["exports"].items():
        assert ours["exports"].get(name) == entry, name


def test_same_factories_and_client_methods(both):
    theirs, ours = both
    for name in theirs["statics"]:
        if name in SPEC["private_statics"]:
            continue
        assert name in ours["statics"], name
        got, want = ours["factories"][name], theirs["factories"][name]
        private = set(SPEC["factories"][name].get("private_methods", []))
        assert got["returns"] == want["returns"], name
        assert got["methods"] == [m for m in want["methods"] if m not in private], name


@pytest.mark.parametrize(
    "probe",
    [
        "readPresent",
        "readMissing",
        "updatePresent",
        "readAfterUpdate",
        "updateMissing",
        "updateTooLong",
        "httpDeniedStatus",
        "contextNoConfig",
        "contextNoAccount",
    ],
)
def test_same_answers_on_the_calls_we_emulate(both, probe):
    theirs, ours = both
    # HTTPClient: theirs resolves {statusCode: 403} (LivePerson's local shortcut); ours rejects with
    # request-promise's StatusCodeError 403 as the platform's proxy answer would: the status is compared.
    assert ours["probes"][probe] == theirs["probes"][probe]
