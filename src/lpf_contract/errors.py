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


class LambdaSyntaxError(HandlerLoadError):
    """The lambda's source does not parse: the platform refuses to deploy it.

    Still a load failure here (nothing can be invoked), but a finding about the lambda rather than
    bad input: callers that judge lambdas (verify) turn it into a ``deploy-rules`` failure.
    ``line`` is the 1-based line in the lambda's file (None when the parser named none) and
    ``detail`` the parser's own words, e.g. ``SyntaxError: missing ) after argument list``.
    """

    def __init__(self, message: str, *, line: int | None, detail: str) -> None:
        super().__init__(message)
        self.line = line
        self.detail = detail


class InputFileError(LpfContractError):
    """A payload or report file cannot be read."""
