"""The configuration file: ``[tool.lpf-contract]`` in pyproject.toml, or the top level of lpf-contract.toml.

Holds the options people repeat on every run. It is looked up from the current folder upwards,
stopping at the repository root (a folder holding ``.git``) or the filesystem root. Command-line flags
win over it; per-function tables (``[tool.lpf-contract.functions.<name>]``) win over its top level for
that function. Relative paths in it are relative to the file's folder. Unknown keys and wrong types
are bad input (exit 2) naming the key and the file: a typo must not silently do nothing.

Decided here (LivePerson's ``lpf`` CLI has no such file): the key names are the long option names of
``lpf-contract verify`` without the dashes.

Imports only the standard library at load time: the CLI reads it on every run.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.errors import UsageError

PYPROJECT = "pyproject.toml"
OWN_FILE = "lpf-contract.toml"
SEVERITIES = ("error", "warning")


class ConfigError(UsageError):
    """The configuration file is unreadable or holds an unknown key or a bad value (exit 2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Option values from the file; ``None`` / empty means "not set here" (the command's default applies)."""

    examples: int | None = None
    timeout_ms: int | None = None
    workers: int | None = None
    seed: int | None = None
    version: str | None = None
    allow_domains: tuple[str, ...] | None = None
    secrets: Path | None = None
    report_dir: Path | None = None
    snapshot_dir: Path | None = None  # a root: each function's snapshots are in <snapshot_dir>/<function>/
    # Scenario payload files (issue 15, item 4): accepted and passed on; their use comes with --payloads.
    payloads: tuple[Path, ...] | None = None
    severity: Mapping[str, str] = field(default_factory=dict)  # check id -> "error" | "warning"
    fail_on: str | None = None  # "error" | "warning": the lowest severity that fails the run
    ignore_checks: tuple[str, ...] | None = None  # check ids whose findings are dropped
    fixtures: Path | None = None  # issue 17: the fixtures file answering external calls (--fixtures)
    http_faults: tuple[str, ...] | None = None  # issue 17: fault modes (--http-faults); () = none

    def merged(self, override: Settings) -> Settings:
        """These settings with every value ``override`` sets replacing ours (severity merges per check)."""
        changes = {
            f.name: getattr(override, f.name)
            for f in dataclasses.fields(self)
            if f.name != "severity" and getattr(override, f.name) is not None
        }
        return dataclasses.replace(self, **changes, severity={**self.severity, **override.severity})


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A loaded configuration file (``path=None``: there was none)."""

    path: Path | None = None
    settings: Settings = field(default_factory=Settings)
    functions: Mapping[str, Settings] = field(default_factory=dict)

    def for_function(self, name: str | None) -> Settings:
        """The settings for one function (its folder name): the top level, then its own table."""
        own = self.functions.get(name) if name else None
        return self.settings.merged(own) if own is not None else self.settings

    def for_target(self, target: str) -> Settings:
        """The settings for a handler target (``functions/<name>/``, ``x.js``, ``file.py:func``, URL)."""
        from .handlers import function_name

        return self.for_function(function_name(target))


# -- the keys -------------------------------------------------------------------------------------------
def _int(lo: int | None = None, hi: int | None = None):
    def parse(value: Any, key: str, where: Path) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            bounds = f" between {lo} and {hi}" if hi is not None else (f" >= {lo}" if lo is not None else "")
            raise ConfigError(f"bad value in config: key={key} value={value!r} file={where}; expected an integer{bounds}")
        return value

    return parse


def _str(value: Any, key: str, where: Path) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"bad value in config: key={key} value={value!r} file={where}; expected a non-empty string")
    return value


def _path(value: Any, key: str, where: Path) -> Path:
    return where.parent / _str(value, key, where)


def _strings(value: Any, key: str, where: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"bad value in config: key={key} value={value!r} file={where}; expected a list of strings")
    return tuple(value)


def _paths(value: Any, key: str, where: Path) -> tuple[Path, ...]:
    return tuple(where.parent / v for v in _strings(value, key, where))


def _severity(value: Any, key: str, where: Path) -> dict[str, str]:
    from .verify.checks import CHECKS

    if not isinstance(value, dict):
        raise ConfigError(
            f'bad value in config: key={key} value={value!r} file={where}; expected a table check-id = "error"|"warning"'
        )
    known = sorted(c.id for c in CHECKS)
    out = {}
    for check, level in value.items():
        if check not in known:
            raise ConfigError(f"unknown check in config: key={key}.{check} file={where}; known checks: {', '.join(known)}")
        if level not in SEVERITIES:
            raise ConfigError(
                f'bad value in config: key={key}.{check} value={level!r} file={where}; expected "error" or "warning"'
            )
        out[check] = level
    return out


def _fail_on(value: Any, key: str, where: Path) -> str:
    if value not in SEVERITIES:
        raise ConfigError(f'bad value in config: key={key} value={value!r} file={where}; expected "error" or "warning"')
    return value


def _check_ids(value: Any, key: str, where: Path) -> tuple[str, ...]:
    from .verify.checks import CHECKS

    ids = _strings(value, key, where)
    for check in ids:
        if check not in CHECKS:
            raise ConfigError(
                f"unknown check in config: key={key} value={check!r} file={where}; known checks: {', '.join(CHECKS.ids())}"
            )
    return ids


def _http_faults(value: Any, key: str, where: Path) -> tuple[str, ...]:
    """``true`` (every mode), ``false`` (none), or a list of "5xx" / "refused" / "timeout"."""
    from .core.errors import UsageError
    from .handlers.fixtures import FAULT_MODES, parse_fault_modes

    if not isinstance(value, bool):
        value = _strings(value, key, where)
    try:
        return parse_fault_modes(value)
    except UsageError:
        raise ConfigError(
            f"bad value in config: key={key} value={value!r} file={where}; expected true, false or a list of "
            + ", ".join(f'"{m}"' for m in FAULT_MODES)
        ) from None


def _timeout(value: Any, key: str, where: Path) -> int:
    from .verify.options import MAX_TIMEOUT_MS

    return _int(1, MAX_TIMEOUT_MS)(value, key, where)


# TOML key -> (Settings field, parser). The order is the order of the README's table.
KEYS: dict[str, tuple[str, Any]] = {
    "examples": ("examples", _int(0)),
    "timeout-ms": ("timeout_ms", _timeout),
    "workers": ("workers", _int(1, 64)),
    "seed": ("seed", _int()),
    "version": ("version", _str),
    "allow-domains": ("allow_domains", _strings),
    "secrets": ("secrets", _path),
    "report-dir": ("report_dir", _path),
    "snapshot-dir": ("snapshot_dir", _path),
    "payloads": ("payloads", _paths),
    "severity": ("severity", _severity),
    "fail-on": ("fail_on", _fail_on),
    "ignore-checks": ("ignore_checks", _check_ids),
    "fixtures": ("fixtures", _path),
    "http-faults": ("http_faults", _http_faults),
}


def _settings(table: Mapping[str, Any], prefix: str, where: Path, *, allow_functions: bool) -> Settings:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "functions" and allow_functions:
            continue
        if key not in KEYS:
            known = ", ".join([*KEYS, *(["functions"] if allow_functions else [])])
            raise ConfigError(f"unknown key in config: key={prefix}{key} file={where}; known keys: {known}")
        name, parse = KEYS[key]
        values[name] = parse(value, prefix + key, where)
    return Settings(**values)


def parse_config(table: Mapping[str, Any], *, path: Path, prefix: str = "") -> Config:
    """A Config from the parsed TOML table (``prefix`` names it in errors, e.g. ``tool.lpf-contract.``)."""
    settings = _settings(table, prefix, path, allow_functions=True)
    functions_table = table.get("functions", {})
    if not isinstance(functions_table, dict):
        raise ConfigError(
            f"bad value in config: key={prefix}functions file={path}; expected a table of [{prefix}functions.<name>] tables"
        )
    functions = {}
    for name, sub in functions_table.items():
        if not isinstance(sub, dict):
            raise ConfigError(f"bad value in config: key={prefix}functions.{name} file={path}; expected a table")
        functions[name] = _settings(sub, f"{prefix}functions.{name}.", path, allow_functions=False)
    return Config(path=path, settings=settings, functions=functions)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file is not valid TOML: file={path}: {exc}; fix it or remove it") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: file={path}: {exc.strerror or exc}") from None


def load_config_file(path: Path | str) -> Config:
    """Load one file: ``pyproject.toml`` (its ``[tool.lpf-contract]``) or ``lpf-contract.toml`` (top level)."""
    path = Path(path)
    doc = _read(path)
    if path.name == PYPROJECT:
        table = doc.get("tool", {}).get("lpf-contract")
        if table is None:
            return Config()
        if not isinstance(table, dict):
            raise ConfigError(f"bad value in config: key=tool.lpf-contract file={path}; expected a table")
        return parse_config(table, path=path, prefix="tool.lpf-contract.")
    return parse_config(doc, path=path)


def find_config_file(start: Path | str | None = None) -> Path | None:
    """The nearest configuration file from ``start`` (default: the current folder) upwards, or None.

    In each folder: ``lpf-contract.toml``, or a ``pyproject.toml`` with a ``[tool.lpf-contract]`` table
    (both at once is ambiguous: exit 2). The search stops after a folder holding ``.git``.
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / OWN_FILE
        pyproject = folder / PYPROJECT
        in_pyproject = pyproject.is_file() and "lpf-contract" in _read(pyproject).get("tool", {})
        if own.is_file() and in_pyproject:
            raise ConfigError(f"two config files in one folder: file={own} and file={pyproject} [tool.lpf-contract]; keep one")
        if own.is_file():
            return own
        if in_pyproject:
            return pyproject
        if (folder / ".git").exists():
            return None
    return None


def load_config(start: Path | str | None = None) -> Config:
    """The configuration found from ``start`` upwards (an empty Config when there is none)."""
    path = find_config_file(start)
    return load_config_file(path) if path is not None else Config()


def pick(flag: Any, configured: Any, default: Any) -> Any:
    """Flags win over the file, the file over the built-in default (``None`` means "not given")."""
    if flag is not None and flag != [] and flag != ():
        return flag
    return configured if configured is not None else default
