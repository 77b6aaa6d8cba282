"""The wheel carries what it needs: built from a clean copy, installed in a fresh venv, used elsewhere.

A clean copy is every file git tracks (plus new, not-ignored ones) of this working tree, copied with
its symlinks, plus a fake ``node_modules`` as a working copy has after ``npm ci``: the wheel must
leave it out. The fresh venv gets its dependencies from pip's cache (or PyPI); nothing of this
checkout is on its path, and the commands run in a folder outside it with no ``LPF_CONTRACTS``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "packaging"
EVENT = "surveybot_messaging_survey_ended"

pytestmark = pytest.mark.slow


def _clean_copy(dest: Path) -> Path:
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src = REPO / rel
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    fake = dest / "src/lpf_contract/handlers/node/node_modules/lodash"
    fake.mkdir(parents=True)
    (fake / "index.js").write_text("module.exports = {};\n", encoding="utf-8")
    (fake / "package.json").write_text('{"name": "lodash"}\n', encoding="utf-8")
    return dest


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LPF_", "PYTEST_", "VIRTUAL_ENV", "PYTHONPATH"))}
    return env


def _build_wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    (wheel,) = out.glob("lpf_contract-*.whl")
    return wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel built from the clean copy, wheel built from an sdist of it, timings)."""
    tmp = tmp_path_factory.mktemp("packaging")
    source = _clean_copy(tmp / "src-copy")
    started = time.monotonic()
    wheel = _build_wheel(source, tmp / "wheel")
    timings = {"wheel": time.monotonic() - started}
    # The sdist path (what PyPI installs from when no wheel fits): sdist first, then a wheel of it.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta as b; b.build_sdist(sys.argv[1])",
            str(tmp / "sdist"),
        ],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    (sdist,) = (tmp / "sdist").glob("*.tar.gz")
    from_sdist = _build_wheel(sdist, tmp / "wheel-from-sdist")
    return wheel, from_sdist, sdist, timings


def _repo_contracts() -> dict[str, bytes]:
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "contracts"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    return {rel.removeprefix("contracts/"): (REPO / rel).read_bytes() for rel in filter(None, listed) if (REPO / rel).is_file()}


def _wheel_contracts(wheel: Path) -> dict[str, bytes]:
    prefix = "lpf_contract/_contracts/"
    with zipfile.ZipFile(wheel) as z:
        return {n.removeprefix(prefix): z.read(n) for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")}


@pytest.mark.parametrize("which", ["wheel", "wheel-from-sdist"])
def test_wheel_contracts_equal_the_repository_contracts(built, which):
    wheel = built[0] if which == "wheel" else built[1]
    repo = _repo_contracts()
    assert "registry.yaml" in repo and len(repo) > 50
    packaged = _wheel_contracts(wheel)
    assert sorted(packaged) == sorted(repo)
    assert [n for n in repo if packaged[n] != repo[n]] == []


@pytest.mark.parametrize("which", ["wheel", "wheel-from-sdist"])
def test_wheel_has_the_runtime_files_and_no_node_modules(built, which):
    wheel = built[0] if which == "wheel" else built[1]
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert [n for n in names if "node_modules" in n] == []
    # Every file the package needs at run time: what git tracks under src/ (the contracts are checked
    # byte for byte above), so a new runtime file cannot be left out of the wheel unnoticed.
    tracked = subprocess.run(
        ["git", "ls-files", "src/lpf_contract"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    needed = {p.removeprefix("src/") for p in tracked if not p.startswith("src/lpf_contract/_contracts")}
    assert "lpf_contract/handlers/node/toolbelt/v1.js" in needed and "lpf_contract/suites/test_handler.py" in needed
    assert needed - names == set()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as z:
        text = z.read(entry_points).decode()
    assert "[pytest11]" in text and "lpf_contract.pytest.plugin = lpf_contract.pytest.plugin" in text


def test_sdist_carries_real_files_not_the_symlink(built):
    import tarfile

    with tarfile.open(built[2]) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    registry = members["src/lpf_contract/_contracts/registry.yaml"]
    assert registry.isfile()
    assert not any(m.issym() for m in members.values())
    assert not any("node_modules" in n for n in members)


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory):
    """A fresh venv with the wheel (and pytest, for the plugin) installed; prints how long it took."""
    tmp = tmp_path_factory.mktemp("venv")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    bin_dir = tmp / "venv" / "bin"
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(built[0]), "pytest"],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    print(f"fresh venv + pip install: {time.monotonic() - started:.1f}s; wheel build: {built[3]['wheel']:.1f}s")
    return bin_dir


def _outside(tmp_path: Path) -> Path:
    work = tmp_path / "elsewhere"
    work.mkdir()
    assert not any((p / "conftest.py").exists() for p in (work, *work.parents))
    return work


def test_installed_commands_work_outside_the_checkout(venv, tmp_path):
    work = _outside(tmp_path)
    env = _clean_env()
    contracts = subprocess.run(
        [str(venv / "lpf-contract"), "contracts"], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert contracts.returncode == 0, contracts.stderr
    assert "site-packages/lpf_contract/_contracts" in contracts.stdout
    assert str(REPO) not in contracts.stdout
    golden = work / "capture.json"
    shutil.copy(REPO / "contracts/v1/examples" / EVENT / "seed-full.json", golden)
    check = subprocess.run(
        [str(venv / "lpf-contract"), "check-payloads", "--event", EVENT, str(golden)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "checked=1 invalid=0" in check.stdout + check.stderr
    bad = work / "bad.json"
    shutil.copy(REPO / "contracts/v1/examples" / EVENT / "invalid" / "unknown-close-reason.json", bad)
    check = subprocess.run(
        [str(venv / "lpf-contract"), "check-payloads", "--event", EVENT, str(bad)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 1, check.stdout + check.stderr


def _functions_repo(work: Path) -> Path:
    """A user's repository: handlers of its own, no conftest.py, no copy of this project."""
    shutil.copytree(FIXTURES / "user-repo", work, dirs_exist_ok=True)
    return work


@pytest.mark.parametrize(("handler", "code"), [("handlers/good.py:lambda_", 0), ("handlers/faulty.py:lambda_", 1)])
def test_installed_pytest_plugin_runs_in_a_repo_without_conftest(venv, tmp_path, handler, code):
    work = _functions_repo(_outside(tmp_path))
    env = {**_clean_env(), "CI": "true"}
    run = subprocess.run(
        [str(venv / "pytest"), "-p", "no:cacheprovider", "-q", "-rs", "--lpf-handler", handler, "--lpf-examples", "20"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == code, run.stdout[-4000:] + run.stderr[-2000:]
    if code == 0:
        # No snapshots recorded yet: the snapshot tests are skipped with the command that records them.
        assert "--lpf-snapshot-update" in run.stdout
        assert " skipped" in run.stdout
    else:
        assert "handler-error" in run.stdout


# -- the "Done when", end to end with JavaScript functions -------------------------------------
def _node_env() -> dict[str, str]:
    """The clean environment plus the Node parts' cache the suite already provisioned: the fresh
    venv's first run is a cache hit (the same lockfile), not a download."""
    from lpf_contract.handlers import provision

    return {**_clean_env(), "CI": "true", provision.CACHE_ENV: str(provision.cache_dir())}


def _lpf_repo(tmp_path: Path, *, faulty: bool) -> Path:
    work = _functions_repo(_outside(tmp_path))
    shutil.rmtree(work / "handlers")
    if not faulty:
        shutil.rmtree(work / "functions" / "broken")
    assert not (work / "conftest.py").exists() and "LPF_CONTRACTS" not in _node_env()
    return work


@pytest.mark.parametrize("faulty", [False, True], ids=["correct", "one-faulty"])
def test_installed_verify_of_a_functions_folder(venv, tmp_path, faulty):
    work = _lpf_repo(tmp_path, faulty=faulty)
    run = subprocess.run(
        [str(venv / "lpf-contract"), "verify", "functions/", "--examples", "20", "--report-dir", "reports"],
        cwd=work,
        env=_node_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == (1 if faulty else 0), run.stdout[-4000:] + run.stderr[-2000:]
    index = json.loads((work / "reports" / "index.json").read_text())
    verdicts = {r["name"]: r["verdict"] for r in index["functions"]}
    expected = {"controller": "skipped", "survey": "pass", **({"broken": "fail"} if faulty else {})}
    assert verdicts == expected
    # Each function against its config.json event only; reports per function folder.
    survey = json.loads((work / "reports" / "survey" / "conformance.json").read_text())
    assert list(survey["events"]) == [EVENT] and survey["handler"]["kind"] == "node"
    assert (work / "reports" / "index.md").is_file() and not (work / "reports" / "controller").exists()
    if faulty:
        broken = json.loads((work / "reports" / "broken" / "conformance.json").read_text())
        (error,) = [f for f in broken["failures"] if f["check"] == "handler-error"]
        # broken's config.json sample input ran first, as its own named case, and failed.
        assert error["variant"] == "config:input"
        assert "config:input" in (work / "reports" / "broken" / "conformance.md").read_text()


@pytest.mark.parametrize(("function", "code"), [("survey", 0), ("broken", 1)])
def test_installed_pytest_plugin_on_a_js_function(venv, tmp_path, function, code):
    work = _lpf_repo(tmp_path, faulty=True)
    run = subprocess.run(
        [
            str(venv / "pytest"),
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "--lpf-handler",
            f"functions/{function}",
            "--lpf-examples",
            "20",
        ],
        cwd=work,
        env=_node_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == code, run.stdout[-4000:] + run.stderr[-2000:]
    if code == 0:
        assert "--lpf-snapshot-update" in run.stdout  # no snapshots recorded: skipped with the command
    else:
        assert "handler-error" in run.stdout


def test_the_pytest_plugin_has_an_extra_that_installs_pytest():
    # newuser README list: pytest is not a dependency, so `pip install lpf-contract` gave no pytest.
    import tomllib

    doc = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    extras = doc["project"]["optional-dependencies"]
    assert any(req.startswith("pytest>=") for req in extras["pytest"])
    assert not any(req.startswith("pytest") for req in doc["project"]["dependencies"])
