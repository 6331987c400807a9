"""Which new passwords are accepted: NIST SP 800-63B §5.1.1.2 ("Memorized Secrets").

* at least ``min_length`` characters (the guideline's floor is 8; the issuer's
  ``password_min_length``, 8 … 64), counted as Unicode code points, after nothing is
  stripped or changed (§5.1.1.2: no truncation, spaces allowed);
* not on a list of passwords known from breaches, when ``breached_passwords_file`` names
  one: one password per line, or a SHA-1 hex digest per line (optionally ``:count``, the
  Have I Been Pwned range format), so a large list need not hold plain text;
* no composition rules (§5.1.1.2 advises against them).

Checked when an account is created and when a password is changed, never at login: an old
password that no longer meets the policy still logs in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import field
from pathlib import Path

from gatehouse._record import record
from gatehouse.errors import ConfigurationError, WeakPasswordError

__all__ = ["MAX_BREACHED_FILE_BYTES", "NIST_MIN_LENGTH", "PasswordPolicy"]

NIST_MIN_LENGTH = 8
MAX_BREACHED_FILE_BYTES = 256 * 1024 * 1024
_SHA1 = re.compile(r"^([0-9A-Fa-f]{40})(?::\d+)?$")


def _sha1(password: str) -> str:
    # A lookup key for the published breach corpora (HIBP), not password storage.
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest()


@record
class PasswordPolicy:
    min_length: int = NIST_MIN_LENGTH
    breached_plain: frozenset[str] = field(default_factory=frozenset, repr=False)
    breached_sha1: frozenset[str] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        if not NIST_MIN_LENGTH <= self.min_length <= 64:
            raise ConfigurationError(
                f"password_min_length {self.min_length}: expected 8 … 64 (NIST SP 800-63B"
                " §5.1.1.2 sets the floor at 8)"
            )

    @classmethod
    def load(cls, min_length: int, breached_file: str | None) -> PasswordPolicy:
        """The policy, with the breached list read once (bounded) when a file is named."""
        if breached_file is None:
            return cls(min_length)
        path = Path(breached_file)
        try:
            if path.stat().st_size > MAX_BREACHED_FILE_BYTES:
                raise ConfigurationError(
                    f"breached_passwords_file {path}: larger than"
                    f" {MAX_BREACHED_FILE_BYTES // 2**20} MiB; keep SHA-1 digests of the"
                    " passwords users are likely to choose"
                )
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigurationError(
                f"breached_passwords_file {path}: {exc.strerror or 'cannot be read'}"
            ) from exc
        plain: set[str] = set()
        digests: set[str] = set()
        for line in text.splitlines():
            entry = line.rstrip("\r")
            if not entry:
                continue
            found = _SHA1.match(entry)
            if found:
                digests.add(found.group(1).lower())
            else:
                plain.add(entry)
        return cls(min_length, frozenset(plain), frozenset(digests))

    def check(self, password: str) -> None:
        """Return if ``password`` may be set; ``WeakPasswordError`` saying why if not."""
        if len(password) < self.min_length:
            raise WeakPasswordError(f"the password must have at least {self.min_length} characters")
        if password in self.breached_plain or (
            self.breached_sha1 and _sha1(password) in self.breached_sha1
        ):
            raise WeakPasswordError(
                "this password appears in a list of breached passwords; choose another"
            )
