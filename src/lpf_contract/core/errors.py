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


class LambdaSyntaxError(HandlerLoadError):
    """The lambda's source does not parse: the platform refuses to deploy it.

    Still a load failure (nothing can be invoked), but a finding about the lambda rather than bad
    input: verify turns it into a ``deploy-rules`` finding (exit 1); other commands report it as bad input.
    ``line`` is 1-based in the lambda's file (None when unknown); ``detail`` the parser's message.
    """

    def __init__(self, message: str, *, line: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.detail = detail
