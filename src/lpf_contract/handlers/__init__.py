"""Run a handler the way LivePerson Functions does: ``load_handler(target)`` then ``invoke``.

Targets: a ``.js`` lambda or a ``functions/<name>/`` folder (Node workers), a Python callable
``path/to/file.py:function`` or ``package.module:function`` (Python workers), or an ``http(s)://``
base URL of an invocation gateway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core import platform
from ..core.errors import HandlerLoadError
from ..core.outcome import PLATFORM_ERROR_CODES, FaultKind, LogEntry, Outcome
from .base import Handler

__all__ = [
    "PLATFORM_ERROR_CODES",
    "FaultKind",
    "Handler",
    "HandlerLoadError",
    "LogEntry",
    "Outcome",
    "load_handler",
    "function_name",
    "target_kind",
]

_MODULE_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_]\w*$")


def target_kind(target: str) -> str:
    """``"http"``, ``"python"`` or ``"node"`` for a target string; raises HandlerLoadError otherwise."""
    if target.startswith(("http://", "https://")):
        return "http"
    if ":" in target:
        left, _, func = target.rpartition(":")
        if left.endswith(".py") or _MODULE_TARGET.match(target):
            if not func.isidentifier():
                raise HandlerLoadError(f"not a Python function name: target={target}")
            return "python"
    path = Path(target)
    if path.is_dir() or target.endswith((".js", ".cjs")):
        return "node"
    raise HandlerLoadError(
        f"unknown handler target: target={target}; use a .js file, a folder holding index.js, "
        "path/to/file.py:function, package.module:function, or an http(s):// base URL"
    )


def load_handler(
    target: str,
    *,
    timeout_ms: int = platform.DEFAULT_TIME_LIMIT_MS,
    runtime: str | None = None,
    workers: int = 1,
    headers: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    allow_domains: Sequence[str] = (),
    secrets_file: str | Path | None = None,
    memory_limit_mb: int | None = None,
    node: str | None = None,
    fixtures: Mapping[str, Any] | None = None,
    record: bool = False,
) -> Handler:
    """Load ``target`` and return a Handler (close it, or use it as a context manager).

    Raises HandlerLoadError (exit 2) when the target cannot be run at all: missing file or function,
    syntax error, no ``lambda``, the platform's Node or modules missing and not installable.
    ``node`` (Node lambdas only) replaces the platform's Node build: a binary's path, or ``"local"``
    for the ``node`` on PATH. ``fixtures`` (Node lambdas only; the normalized document of
    ``handlers.fixtures``) answers the lambda's external calls; ``record`` calls allow-listed hosts for
    real and returns each exchange in ``Outcome.details["recorded"]``.
    """
    kind = target_kind(str(target))
    target = str(target)
    # Options that cannot apply to a kind are refused, not silently ignored.
    local_only: dict[str, Any] = {
        "fixtures": fixtures,
        "record": record,
        "env": env,
        "allow_domains": allow_domains,
        "secrets_file": secrets_file,
        "memory_limit_mb": memory_limit_mb,
        "node": node,
    }
    node_only: dict[str, Any] = {
        "fixtures": fixtures,
        "record": record,
        "allow_domains": allow_domains,
        "secrets_file": secrets_file,
        "memory_limit_mb": memory_limit_mb,
        "node": node,
    }
    refused: dict[str, Any] = {"http": local_only, "python": node_only}.get(kind, {})
    given = sorted(name for name, value in refused.items() if value)
    if given:
        raise HandlerLoadError(f"options not applicable to {kind} targets: {', '.join(given)}; drop them: target={target}")
    if kind == "http":
        try:
            from .http import HttpHandler
        except ImportError as exc:
            raise HandlerLoadError(f"HTTP targets are not available in this installation: target={target}: {exc}") from exc
        return HttpHandler(target, timeout_ms=timeout_ms, headers=headers)
    if kind == "python":
        from .python import PythonHandler

        if runtime is not None:
            raise HandlerLoadError(f"runtime applies to Node lambdas only: runtime={runtime} target={target}")
        return PythonHandler(target, timeout_ms=timeout_ms, workers=workers, env=env)
    from .node import NodeHandler
    from .settings import find_settings, load_settings, read_secrets

    # A function folder gets lpf's functions/settings.json beside it (secrets, whitelist), as
    # `verify`, `snapshot` and the pytest plugin serve it (verify/functions_repo.py prepare_target):
    # the secrets only when no other secrets file is given (callers merge the sources themselves).
    settings_path = find_settings(Path(target)) if Path(target).is_dir() else None
    if settings_path is not None:
        settings = load_settings(settings_path)
        allow_domains = tuple(dict.fromkeys([*settings.whitelist, *allow_domains]))
        if secrets_file is None and settings.secrets:
            secrets_file = settings_path
    if secrets_file is not None:
        read_secrets(Path(secrets_file))  # parsed up front: a broken file is bad input, not the lambda's fault
    return NodeHandler(
        target,
        timeout_ms=timeout_ms,
        runtime=runtime,
        workers=workers,
        env=env,
        allow_domains=allow_domains,
        secrets_file=secrets_file,
        node=node,
        fixtures=fixtures,
        record=record,
        **({"memory_limit_mb": memory_limit_mb} if memory_limit_mb is not None else {}),
    )


_DOTTED_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def function_name(target: str) -> str:
    """A handler's name for per-function settings and snapshot folders.

    ``functions/<name>/`` and ``functions/<name>/index.js``: the function's folder name (lpf's layout);
    ``x.js``: the file's stem; ``file.py:func``: the file's stem; ``package.module:func``: the module;
    a URL: its host and path (without the port: ``serve --port 0`` picks a new one every run).
    """
    if target.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        url = urlsplit(target)
        name = (url.hostname or "") + url.path
    else:
        left, sep, func = target.rpartition(":")
        if sep and func.isidentifier() and (left.endswith(".py") or _DOTTED_MODULE.match(left)):
            name = Path(left).stem if left.endswith(".py") else left
        else:
            path = Path(target.rstrip("/"))
            if path.name in ("index.js", "index.cjs"):
                path = path.parent
            name = path.stem if path.suffix in (".js", ".cjs") else path.name
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "handler"
