"""Node.js lambdas (V1 callback / V2 async) run in persistent ``node`` workers."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform
from ..core.errors import HandlerLoadError, LambdaSyntaxError
from ..core.outcome import Outcome
from ..core.redact import redact_call, secret_values
from . import provision
from .fixtures import known_secrets
from .js_source import detect_runtime
from .worker.pool import ProcessHandler
from .worker.process import WorkerSpec

NODE_DIR = Path(__file__).with_name("node")
RUNNER = NODE_DIR / "runner.js"
HEAP_MB = platform.MEMORY_MB  # the platform's memory cap (core/platform.json)
# The platform's 256 MB cap covers the whole function; here --max-old-space-size caps the JavaScript
# heap at that, and this caps the worker's resident memory (Buffers and other off-heap memory
# included) at the same 256 MB plus Node's own overhead (code, runtime, heap slack). RLIMIT_AS and
# RLIMIT_DATA cannot do it: Node does not start under them.
MEMORY_LIMIT_MB = 512
MAX_ENV_CHARS = platform.MAX_ENV_CHARS  # names and values (core/platform.json)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionConfig:
    """``functions/<name>/config.json`` as the platform's CLI (``lpf``) writes it."""

    path: Path
    name: str | None = None
    event: str | None = None
    description: str | None = None
    input: Mapping[str, Any] | None = None
    environment: tuple[tuple[str, str], ...] = ()


def load_function_config(folder: Path) -> FunctionConfig | None:
    """Read ``config.json`` beside ``index.js``; None when there is none."""
    path = folder / "config.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HandlerLoadError(f"config.json is not valid JSON: path={path}: {exc}") from exc
    if not isinstance(data, dict):
        raise HandlerLoadError(f"config.json must hold an object: path={path}")
    raw = data.get("environmentVariables") or []
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, dict):
        # lpf's template writes {"key": "value"} as a placeholder, and `lpf push` sends no variables
        # when the first key is "key" (faas-cli src/controller/push.controller.ts, hasCustomEnvars).
        if next(iter(raw), None) != "key":
            pairs = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        for entry in raw:
            if not isinstance(entry, dict) or "key" not in entry:
                raise HandlerLoadError(f"environmentVariables entries must be {{key, value}}: path={path} entry={entry!r}")
            if entry["key"] == "":  # the CLI's template holds one empty placeholder entry
                continue
            pairs.append((str(entry["key"]), entry.get("value", "")))
    else:
        raise HandlerLoadError(f"environmentVariables must be a list of {{key, value}}: path={path}")
    inp = data.get("input")
    return FunctionConfig(
        path=path,
        name=data.get("name"),
        event=data.get("event"),
        description=data.get("description"),
        input=inp if isinstance(inp, dict) else None,
        environment=tuple(pairs),
    )


def check_environment(env: Mapping[str, Any], *, where: str) -> dict[str, str]:
    """Apply the platform's rules to environment variables (strings, at most 200 characters)."""
    out: dict[str, str] = {}
    for key, value in env.items():
        if not isinstance(value, str):
            raise HandlerLoadError(f"environment variables are strings only on the platform: name={key} where={where}")
        if not key or len(key) > MAX_ENV_CHARS or len(value) > MAX_ENV_CHARS or "=" in key or "\0" in key + value:
            raise HandlerLoadError(
                f"environment variable refused by the platform's rules (name and value 1..{MAX_ENV_CHARS} characters): "
                f"name={key[:40]!r} where={where}"
            )
        out[key] = value
    return out


def find_node(runtime: str = "v1", *, node: str | None = None) -> str:
    """The ``node`` binary a ``runtime`` lambda runs on: the platform's build (installed on first
    use, ``provision.py``), or the ``--node`` override (a path, or ``"local"`` for PATH's)."""
    return provision.runtime_for(runtime, node=node).node


class NodeHandler(ProcessHandler):
    """A ``.js`` lambda, or a ``functions/<name>/`` folder holding ``index.js`` and ``config.json``.

    ``memory_limit_mb`` caps the worker's resident memory (see MEMORY_LIMIT_MB); past it the case is
    a ``crash`` "out of memory". The lambda runs on its runtime's Node (V1 14.19.0, V2 22), chosen
    before the worker starts from the source (``js_source.detect_runtime``) or ``runtime``; ``node``
    (a path, or ``"local"``) replaces that Node for every runtime.
    """

    kind = "node"

    def __init__(
        self,
        target: str,
        *,
        timeout_ms: int = platform.DEFAULT_TIME_LIMIT_MS,
        runtime: str | None = None,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        allow_domains: Sequence[str] = (),
        secrets_file: str | Path | None = None,
        memory_limit_mb: int = MEMORY_LIMIT_MB,
        node: str | None = None,
        fixtures: Mapping[str, Any] | None = None,
        record: bool = False,
    ) -> None:
        self.target = target
        path = Path(target)
        self.config: FunctionConfig | None = None
        if path.is_dir():
            self.config = load_function_config(path)
            path = path / "index.js"
        if not path.is_file():
            raise HandlerLoadError(f"handler file not found: path={path}")
        self.source_path = path.resolve()
        if runtime not in (None, "v1", "v2"):
            raise HandlerLoadError(f"unknown runtime: runtime={runtime} (use v1 or v2)")
        merged: dict[str, Any] = dict(self.config.environment) if self.config else {}
        merged.update(env or {})
        secrets = None
        if secrets_file is not None:
            secrets = Path(secrets_file).resolve()
            if not secrets.is_file():
                raise HandlerLoadError(f"secrets file not found: path={secrets_file}")
        try:
            source = self.source_path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            # Not a lambda we can judge (a binary, another encoding): bad input, not a syntax finding.
            raise HandlerLoadError(
                f"handler file is not UTF-8 text: path={self.source_path} byte={exc.start}; save the lambda as UTF-8"
            ) from None
        except OSError as exc:
            raise HandlerLoadError(f"handler file cannot be read: path={self.source_path}: {exc.strerror}") from None
        known = runtime or detect_runtime(source)
        guess = known or "v2"
        self.node_runtime = provision.runtime_for(guess, node=node)
        spec = WorkerSpec(
            # Only the user's variables: the platform shows none of the host's (platform-facts.md).
            argv=_argv(self.node_runtime),
            env=check_environment(merged, where=str(self.config.path if self.config else "env option")),
            cwd=str(self.source_path.parent),
            load_message={
                "op": "load",
                "path": str(self.source_path),
                "runtime": runtime,
                # What the source shows, so that a top-level require of the other runtime's toolbelt
                # fails while loading, as on the platform; None when the source does not tell.
                "sourceRuntime": known,
                "allowDomains": list(allow_domains),
                "secretsFile": str(secrets) if secrets else None,
                # The fixtures (handlers/fixtures: validated, normalized) that answer the lambda's
                # external calls; None: HTTP to allow-listed hosts is real, LivePerson clients have none.
                "fixtures": dict(fixtures) if fixtures is not None else None,
                # --record: allow-listed hosts are called for real and each exchange is sent back.
                "record": record,
            },
            load_timeout_s=max(timeout_ms / 1000, 10.0),
            label=target,
            memory_limit_mb=memory_limit_mb,
        )
        # The secret values a call's URL, error or suggested fixture must not show (reports, snapshots).
        self._hidden = secret_values(known_secrets(secrets, merged.items()))
        super().__init__(spec, workers=workers, timeout_ms=timeout_ms)
        self.runtime: str | None = self.load_info.get("runtime")
        if runtime is None and self.runtime in provision.RUNTIMES and self.runtime != guess:
            # The source did not tell (or told wrong); the runner's arity is the rule: move the lambda
            # to its runtime's Node and modules (with --node, to that runtime's modules). Undetermined
            # sources start on 22, which parses everything 14 does.
            self.close()
            self.node_runtime = provision.runtime_for(self.runtime, node=node)
            super().__init__(dataclasses.replace(spec, argv=_argv(self.node_runtime)), workers=workers, timeout_ms=timeout_ms)
            self.runtime = self.load_info.get("runtime")
        self.node_binary: str = self.node_runtime.node

    def invoke(
        self, event_id: str, input: Mapping[str, Any], *, timeout_ms: int | None = None, faults: str | None = None
    ) -> Outcome:
        """See ``Handler.invoke``. Reports and snapshots land in CI artefacts: the calls come back with
        secret-looking query values and the known secret values hidden (``core.redact.redact_call``)."""
        outcome = super().invoke(event_id, input, timeout_ms=timeout_ms, faults=faults)
        if outcome.calls:
            outcome = dataclasses.replace(outcome, calls=tuple(redact_call(c, self._hidden) for c in outcome.calls))
        return outcome

    @property
    def sample_input(self) -> Mapping[str, Any] | None:
        """The ``input`` of the folder's ``config.json`` (``lpf invoke --local`` uses it), if any."""
        return self.config.input if self.config else None

    def _load_error(self, reply: Mapping[str, Any]) -> HandlerLoadError:
        if reply.get("reason") == "syntax":
            error = reply.get("error") or {}
            return LambdaSyntaxError(
                self._load_error_message(reply),
                line=self._error_line(str(error.get("stack") or "")),
                detail=f"{error.get('name')}: {error.get('message')}",
            )
        return HandlerLoadError(self._load_error_message(reply))

    def _error_line(self, stack: str) -> int | None:
        return _error_line(stack, self.source_path)

    def _load_error_message(self, reply: Mapping[str, Any]) -> str:
        error = reply.get("error") or {}
        reason = reply.get("reason")
        where = f"path={self.source_path}"
        if reason == "syntax":
            line = _error_line(error.get("stack", ""), self.source_path)
            return (
                f"the platform would refuse to deploy this lambda: invalid syntax: {where}"
                + (f" line={line}" if line else "")
                + f": {error.get('name')}: {error.get('message')}"
            )
        if reason == "no-lambda":
            thrown = reply.get("topLevelError")
            also = ""
            if thrown:
                line = _error_line(thrown.get("stack", ""), self.source_path)
                also = (
                    " (its top-level code threw first"
                    + (f" at line={line}" if line else "")
                    + f": {thrown.get('name')}: {thrown.get('message')})"
                )
            return (
                f"the platform would refuse to deploy this lambda: no function named lambda: {where}{also}; "
                "declare `function lambda(input, callback)` (V1) or `async function lambda(input)` (V2) at the top level"
            )
        return f"cannot load the lambda: {where}: {error.get('message')}"


def _argv(rt: provision.NodeRuntime) -> tuple[str, ...]:
    # The modules folder and whose modules it holds go on argv, which the runner hides from the
    # lambda like --ipc-fd; the runner offers exactly that runtime's modules (node/platform.json).
    return (
        rt.node,
        f"--max-old-space-size={HEAP_MB}",
        str(RUNNER),
        "--modules-dir",
        str(rt.modules_dir),
        "--modules-runtime",
        rt.runtime,
    )


def _error_line(stack: str, path: Path | None) -> int | None:
    """The first (innermost) line of ``path`` a V8 stack names: the lambda's own line nearest the error."""
    m = re.search(re.escape(str(path)) + r":(\d+)", stack)
    return int(m.group(1)) if m else None
