"""Python callables (``file.py:function`` or ``package.module:function``) run in worker processes."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Mapping

from ..core.errors import HandlerLoadError
from .worker.pool import ProcessHandler, WorkerSpec

WORKER = Path(__file__).with_name("python_worker.py")


class PythonHandler(ProcessHandler):
    """``def f(input)``, ``async def f(input)`` or ``def f(input, callback)``, out of process."""

    kind = "python"
    runtime = None

    def __init__(
        self,
        target: str,
        *,
        timeout_ms: int = 30000,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        left, _, func = target.rpartition(":")
        self.function = func
        if left.endswith(".py"):
            path = Path(left)
            if not path.is_file():
                raise HandlerLoadError(f"handler file not found: path={left} target={target}")
            self.source_path: Path | None = path.resolve()
            spec_target = f"{self.source_path}:{func}"
        else:
            self.source_path = None
            spec_target = target
        # Only what the user configured, plus what Python needs to find its modules.
        worker_env = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
        worker_env.update(env or {})
        spec = WorkerSpec(
            argv=(sys.executable, "-u", str(WORKER)),
            env=worker_env,
            cwd=os.getcwd(),
            load_message={"op": "load", "target": spec_target},
            load_timeout_s=max(timeout_ms / 1000, 10.0),
            label=target,
        )
        super().__init__(spec, workers=workers, timeout_ms=timeout_ms)

    def _error_line(self, stack: str) -> int | None:
        """The line of the handler's own file nearest the error (the last such frame of a traceback)."""
        if self.source_path is None:
            return None
        found = re.findall(r'File "' + re.escape(str(self.source_path)) + r'", line (\d+)', stack)
        return int(found[-1]) if found else None

    def _load_error_message(self, reply: Mapping[str, Any]) -> str:
        error = reply.get("error") or {}
        reason = reply.get("reason")
        if reason == "no-function":
            return f"no function {self.function} in the module: target={self.target}"
        what = "invalid syntax" if reason == "syntax" else "importing the module failed"
        return f"cannot load the Python handler, {what}: target={self.target}: {error.get('name')}: {error.get('message')}"
