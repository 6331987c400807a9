"""Secrets in and out of the CLI: passwords read at the terminal, secrets written to files.

A password is never a command-line argument (it would sit in the shell history and in
``ps``), never echoed and never logged. ``--password-stdin`` (the docker login idea)
lets scripts pipe it in; reading is bounded so a stray pipe cannot fill memory.

A secret the CLI hands out (a client secret, a key-encryption key) goes to a file
created with mode 0600 in the same ``open`` call (no window in which it is readable by
others) that must not exist yet, so a secret never overwrites another.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gatehouse.cli.failure import CliFailure
from gatehouse.issuer.passwords import MAX_PASSWORD_CHARS

__all__ = ["read_password", "read_stdin_lines", "write_secret_file"]


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


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` and a newline to a new file only its owner can read."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliFailure(f"{path} already exists; remove it or choose another file") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text + "\n")
