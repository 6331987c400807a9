"""Password hashing with argon2id, and the same work for accounts that do not exist.

Parameters come as named, frozen profiles (argon2-cffi's own idea): the default is
OWASP's m=19 MiB, t=2, p=1. A stored hash records its parameters, so raising them
later is painless: ``needs_rehash`` tells the login path to store a fresh hash while it
holds the password. For an unknown username the hasher verifies against a dummy hash
made with the current profile, so a login costs the same whether or not the account
exists and timing does not enumerate accounts.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

import argon2
import argon2.low_level
from argon2.exceptions import InvalidHashError, VerificationError

from gatehouse._record import record
from gatehouse.errors import InvalidRequestError

if TYPE_CHECKING:
    from gatehouse.issuer.hashing_pool import HashingPool

__all__ = [
    "DEFAULT_PROFILE",
    "FAST_TEST_PROFILE",
    "MAX_PASSWORD_CHARS",
    "PasswordHasher",
    "PasswordProfile",
    "dummy_hash",
]

MAX_PASSWORD_CHARS = 1024
"""Longer inputs are refused before hashing: argon2 would accept them, at a cost."""


@record
class PasswordProfile:
    """argon2id parameters. ``memory_cost`` is in KiB."""

    memory_cost: int
    time_cost: int
    parallelism: int
    hash_len: int = 32
    salt_len: int = 16


DEFAULT_PROFILE = PasswordProfile(memory_cost=19 * 1024, time_cost=2, parallelism=1)
"""OWASP Password Storage Cheat Sheet, argon2id minimum configuration."""

FAST_TEST_PROFILE = PasswordProfile(memory_cost=8, time_cost=1, parallelism=1)
"""For tests only: orders of magnitude cheaper, and worthless against attackers."""


def check_password_input(password: str) -> None:
    """Refuse what cannot be a password before spending argon2 work on it."""
    if not isinstance(password, str) or not password:
        raise InvalidRequestError("a password is required")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidRequestError(f"passwords are limited to {MAX_PASSWORD_CHARS} characters")


def dummy_hash(profile: PasswordProfile, random: Callable[[int], bytes]) -> str:
    """An encoded argon2id hash of no password, built without hashing anything.

    Verifying a password recomputes the tag from the salt and parameters and compares,
    so a random salt and a random tag in the PHC string format (the argon2 reference
    encoding: ``$argon2id$v=19$m=…,t=…,p=…$salt$tag``, unpadded standard base64) cost
    exactly one real verification and match nothing. Hashing a random password instead
    spent a full argon2 computation (about 50 ms at the OWASP profile) on every
    process start, every Lambda cold start, for a value only unknown usernames use.
    """

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii").rstrip("=")

    params = f"m={profile.memory_cost},t={profile.time_cost},p={profile.parallelism}"
    salt, tag = random(profile.salt_len), random(profile.hash_len)
    return f"$argon2id$v={argon2.low_level.ARGON2_VERSION}${params}${b64(salt)}${b64(tag)}"


class PasswordHasher:
    """argon2id under one profile; ``verify`` answers True/False, never raises on mismatch."""

    def __init__(
        self,
        profile: PasswordProfile = DEFAULT_PROFILE,
        *,
        random: Callable[[int], bytes] = secrets.token_bytes,
        pool: HashingPool | None = None,
    ) -> None:
        self.profile = profile
        self._pool = pool
        self._ph = argon2.PasswordHasher(
            time_cost=profile.time_cost,
            memory_cost=profile.memory_cost,
            parallelism=profile.parallelism,
            hash_len=profile.hash_len,
            salt_len=profile.salt_len,
            type=argon2.Type.ID,
        )
        # Made now, not on the first unknown username, so even that login costs one
        # verification and nothing more; written out, not hashed (see dummy_hash).
        self._dummy = dummy_hash(profile, random)

    def _slot(self) -> AbstractContextManager[None]:
        return nullcontext() if self._pool is None else self._pool.slot()

    def hash(self, password: str) -> str:
        check_password_input(password)
        with self._slot():
            return self._ph.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True if ``password`` matches; a corrupt stored hash counts as a mismatch.
        ``LoginBusyError`` if the pool has no room (nothing was checked)."""
        try:
            with self._slot():
                return self._ph.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        """Spend exactly the work of a real verification, for an unknown account."""
        self.verify(self._dummy, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._ph.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
