"""Facts about the LivePerson Functions platform, read from ``platform.json`` beside this module.

That file is the one source: the Node side reads it too (``handlers/node/platform.js``, used by
``runner.js`` and the toolbelts), and every fact in it names its LivePerson source. Python code takes
the platform's numbers, codes and lists from here, never from a literal of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PLATFORM_FILE = Path(__file__).with_name("platform.json")
FACTS: Mapping[str, Any] = json.loads(PLATFORM_FILE.read_text(encoding="utf-8"))

_LIMITS = FACTS["limits"]
DEFAULT_TIME_LIMIT_MS: int = _LIMITS["time_limit_ms"]["value"]
MEMORY_MB: int = _LIMITS["memory_mb"]["value"]
MAX_LOG_CALLS: int = _LIMITS["log_calls"]["value"]
MAX_LOG_CHARS: int = _LIMITS["log_chars"]["value"]
MAX_ENV_CHARS: int = _LIMITS["env_var_chars"]["value"]
MAX_SOURCE_CHARS: int = _LIMITS["source_chars"]["value"]
HANDLER_ERROR_STATUS: int = FACTS["handler_error_status"]["value"]
LIVEPERSON_DOMAINS: tuple[str, ...] = tuple(FACTS["liveperson_domains"]["value"])


def error_codes(error_format: str) -> Mapping[str, str]:
    """``{fault kind: code}`` the platform sends in a ``"v1"`` ({errorCode}) or ``"v2"`` ({code}) error body."""
    return FACTS["error_codes"][error_format]["codes"]


def runtimes() -> Mapping[str, Any]:
    """Per runtime (``v1``, ``v2``): its toolbelt module and the npm modules a lambda may require."""
    return FACTS["runtimes"]


def log_limit_exceeded(log_calls: int, log_chars: int) -> str | None:
    """Why an invocation with ``log_calls`` console calls of ``log_chars`` characters in all fails the
    platform's log limit (the message of its log-limit fault), or None when it stays within it."""
    if log_calls > MAX_LOG_CALLS or log_chars > MAX_LOG_CHARS:
        return f"log limit reached: log_calls={log_calls} (max {MAX_LOG_CALLS}) log_chars={log_chars} (max {MAX_LOG_CHARS})"
    return None
