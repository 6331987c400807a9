"""Every failure the CLI shows is one line on stderr and a non-zero exit code.

Exceptions are translated here and nowhere else (httpx maps foreign exceptions at one
boundary): gatehouse's own errors already name the rule broken and, for configuration,
the fix; OS errors name the file; anything unexpected is named by its class only (its
text could carry anything) with a pointer to ``--debug`` for the traceback.
"""

from __future__ import annotations

import json
from typing import IO, Any

import click

from gatehouse.errors import (
    ConfigurationError,
    ConflictError,
    GatehouseError,
    KeySourceError,
    OAuthError,
    StorageError,
    TokenError,
)

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "CliFailure", "show_failure", "translate"]

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliFailure(click.ClickException):
    """A failure already worded for the person at the terminal; ``code`` is the stable
    name a ``--json`` caller reads (``GatehouseError.code`` when one was translated)."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, code: str = "failed") -> None:
        super().__init__(message)
        self.code = code

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def show_failure(message: str, code: str, *, json_mode: bool) -> None:
    """One line on stderr; with ``--json`` also ``{"error": code, "message": ...}`` on
    stdout, so a script reading stdout never has to parse text (issue 10 §4)."""
    click.echo(f"error: {message}", err=True)
    if json_mode:
        click.echo(json.dumps({"error": code, "message": message}))


def _gatehouse_message(exc: GatehouseError) -> str:
    text = exc.message
    if isinstance(exc, TokenError):
        return f"token rejected ({exc.code}): {text}"
    if isinstance(exc, OAuthError):
        return f"{text} ({exc.code})"
    if isinstance(exc, ConflictError):
        return text  # the data, not the database, is the problem: no "check [storage] url"
    if isinstance(exc, StorageError):
        return f"{text}; check [storage] url and that the database is running"
    if isinstance(exc, KeySourceError):
        return f"{text}; check the JWKS URL or file"
    if isinstance(exc, ConfigurationError):
        return text
    return f"{text} ({exc.code})"


def translate(exc: BaseException) -> CliFailure:
    """The one line to show for ``exc``."""
    if isinstance(exc, CliFailure):
        return exc
    if isinstance(exc, GatehouseError):
        return CliFailure(_gatehouse_message(exc), code=exc.code)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return CliFailure(f"{exc.strerror or type(exc).__name__}{where}", code="os_error")
    return CliFailure(
        f"unexpected {type(exc).__name__}; run again with --debug to see the traceback",
        code="unexpected",
    )
