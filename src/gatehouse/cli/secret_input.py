"""Reading passwords at the terminal: prompted without echo, or one line from stdin.

A password is never a command-line argument (it would sit in the shell history and in
``ps``), never echoed and never logged. ``--password-stdin`` (the docker login idea)
lets scripts pipe it in; reading is bounded so a stray pipe cannot fill memory.
"""

from __future__ import annotations

import sys

import click

from gatehouse.cli.failure import CliFailure
from gatehouse.issuer.passwords import MAX_PASSWORD_CHARS

__all__ = ["read_password", "read_stdin_lines"]


def read_stdin_lines(count: int) -> list[str]:
    """``count`` lines from stdin without their line endings; fewer is an error."""
    lines: list[str] = []
    for _ in range(count):
        line = sys.stdin.readline(MAX_PASSWORD_CHARS + 2)
        if not line:
            break
        if len(line) > MAX_PASSWORD_CHARS + 1 and not line.endswith("\n"):
            raise CliFailure(f"a password is limited to {MAX_PASSWORD_CHARS} characters")
        lines.append(line.removesuffix("\n").removesuffix("\r"))
    if len(lines) < count or not all(lines):
        wanted = "a password" if count == 1 else f"{count} passwords, one per line,"
        raise CliFailure(f"--password-stdin expects {wanted} on standard input")
    return lines


def read_password(prompt: str, *, confirm: bool) -> str:
    """Prompt without echo, asking twice when ``confirm``."""
    value: str = click.prompt(
        prompt, hide_input=True, confirmation_prompt=confirm, err=True, show_default=False
    )
    if not value:
        raise CliFailure("the password must not be empty")
    return value
