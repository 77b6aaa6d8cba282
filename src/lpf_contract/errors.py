"""Errors that mean "we could not check" (exit code 2), as opposed to findings (exit code 1)."""

from __future__ import annotations


class LpfContractError(Exception):
    """Base of every error the CLI turns into a one-line message and exit code 2."""

    exit_code = 2


class UsageError(LpfContractError):
    """A bad option or argument."""


class ContractError(LpfContractError):
    """A contract (registry, schema, OpenAPI document) is missing or broken."""


class UnknownEventError(ContractError):
    """An event id the contract version does not define."""


class UnknownVersionError(ContractError):
    """A contract version the registry does not name."""


class HandlerLoadError(LpfContractError):
    """The handler cannot be loaded (missing file, syntax error, no such function, no node)."""


class InputFileError(LpfContractError):
    """A payload or report file cannot be read."""
