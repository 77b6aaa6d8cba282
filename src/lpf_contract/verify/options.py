"""What a verify run is asked to do: VerifyOptions, the seed rule, and what a handler receives."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import platform
from ..core.errors import UsageError

CI_SEED = 0
DEFAULT_EXAMPLES = 200
DEFAULT_TIMEOUT_MS = platform.DEFAULT_TIME_LIMIT_MS
MAX_TIMEOUT_MS = 10 * 60 * 1000
INPUT_TIMESTAMP = 1_700_000_000_000  # fixed so that runs reproduce; handlers rarely read it


@dataclass(frozen=True, kw_only=True)
class VerifyOptions:
    """What to verify and how. ``seed=None`` picks one (fixed under CI=true, random otherwise)."""

    events: tuple[str, ...] = ()
    version: str | None = None
    examples: int = DEFAULT_EXAMPLES
    seed: int | None = None
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    runtime: str | None = None
    node: str | None = None  # --node: a node binary for every runtime, or "local"; None = the platform's builds
    workers: int = 1
    headers: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # environment variables the handler sees (and only those)
    allow_domains: tuple[str, ...] = ()  # outbound HTTP allow-list, like the platform proxy's
    secrets_file: Path | None = None  # JSON {"name": "value"} the toolbelt's SecretClient reads
    systematic: bool = True
    # The hang budget is run-wide: after max_hangs hanging cases (timeouts/crashes) in any event, a hang
    # is certain and every remaining case of every event is skipped; the whole run spends at most about
    # max_hangs + hang_shrink_timeouts time limits on hanging cases, shrinking included.
    max_hangs: int = 2
    shrink_attempts: int = 200  # handler runs per failure while shrinking
    hang_shrink_timeouts: int = 2  # what shrinking may add to the run's hang budget, in time limits
    report_dir: Path | None = None
    target_label: str | None = None  # how the repro command names the handler
    contracts_dir: Path | None = None  # named in repro commands when not the default contracts
    # Cases of the user's own, run first in their event: (event, name, payload), e.g. a function's
    # config.json input ("config:input") or scenario payloads ("scenario:FILE:LINE"). Already checked
    # against the payload contract by the caller (lpf_contract.contracts.payloads.check_scenarios).
    extra_cases: tuple[tuple[str, str, Any], ...] = ()
    # How repro commands name the secrets: None names secrets_file; "" names none (the caller merged
    # several sources into a temporary file that a replay re-derives, functions_repo.py).
    secrets_label: str | None = None
    # --fail-on / --severity / --ignore-check (verify.checks.SeverityPolicy); None: the catalogue's.
    severity: Any = None
    # Issue 17. --fixtures: the normalized fixtures document (handlers.fixtures) answering the lambda's
    # external calls, and the file it came from (named in repro commands).
    fixtures: Any = None
    fixtures_file: Path | None = None
    # --http-faults: the fault modes every case with external calls is also run under ("5xx",
    # "refused", "timeout"); empty: none.
    http_faults: tuple[str, ...] = ()
    # --record FILE: allow-listed hosts are called for real and the exchanges written to FILE.
    record_file: Path | None = None

    @property
    def policy(self) -> Any:
        from .checks import SeverityPolicy

        return self.severity if self.severity is not None else SeverityPolicy()

    def __post_init__(self) -> None:
        if self.examples < 0:
            raise UsageError(f"--examples must be >= 0, got examples={self.examples}")
        if not (1 <= self.timeout_ms <= MAX_TIMEOUT_MS):
            raise UsageError(f"--timeout-ms must be between 1 and {MAX_TIMEOUT_MS}, got timeout_ms={self.timeout_ms}")
        if not (1 <= self.workers <= 64):
            raise UsageError(f"--workers must be between 1 and 64, got workers={self.workers}")
        if self.runtime not in (None, "v1", "v2"):
            raise UsageError(f"--runtime must be v1 or v2, got runtime={self.runtime}")

    def handler_options(self) -> dict[str, Any]:
        """Keyword arguments of ``load_handler`` for these options."""
        return {
            "timeout_ms": self.timeout_ms,
            "runtime": self.runtime,
            "workers": self.workers,
            "node": self.node,
            "headers": self.headers,
            "env": dict(self.env) or None,
            "allow_domains": self.allow_domains,
            "secrets_file": self.secrets_file,
            "fixtures": self.fixtures,
            "record": self.record_file is not None,
        }


def resolve_seed(seed: int | None) -> int:
    if seed is not None:
        return seed
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return CI_SEED
    return random.SystemRandom().randrange(2**32)


def handler_input(payload: Any) -> dict[str, Any]:
    """The invocation input the platform sends for a payload."""
    return {"timestamp": INPUT_TIMESTAMP, "headers": [], "payload": payload}
