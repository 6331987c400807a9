"""Writing a secret to a file only its owner can read.

The file is created with mode 0600 in the same ``open`` call (no window in which it is
readable by others) and must not exist yet, so a secret never overwrites another.
"""

from __future__ import annotations

import os
from pathlib import Path

from gatehouse.cli.failure import CliFailure

__all__ = ["write_secret_file"]


def write_secret_file(path: Path, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliFailure(f"{path} already exists; remove it or choose another file") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text + "\n")
