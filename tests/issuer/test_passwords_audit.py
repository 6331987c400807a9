"""Password hashing profiles, rehash on login, and secret-free audit records."""

from __future__ import annotations

import logging

import pytest
from issuer_helpers import make_config

from gatehouse import ManualClock
from gatehouse.errors import InvalidGrantError, RefreshTokenReuseError
from gatehouse.issuer import (
    DEFAULT_PROFILE,
    FAST_TEST_PROFILE,
    KeyEncryptionKey,
    PasswordHasher,
    PasswordProfile,
    TokenService,
)
from gatehouse.issuer.audit import AUDIT_LOGGER, AuditLog
from gatehouse.storage.ports import Stores


def test_default_profile_is_owasp_argon2id() -> None:
    """The default profile hashes with argon2id m=19 MiB, t=2, p=1 and verifies."""
    hasher = PasswordHasher(DEFAULT_PROFILE)
    stored = hasher.hash("correct horse")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify(stored, "correct horse")
    assert not hasher.verify(stored, "wrong")
    assert not hasher.verify("not a hash", "correct horse")
    assert not hasher.needs_rehash(stored)


def test_rehash_on_login_after_profile_change(
    stores: Stores, kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """Logging in under a stronger profile replaces the stored hash with one using it."""
    weak = TokenService(make_config(), stores, kek, clock=clock)
    account = weak.create_account("dora", "pw")
    assert "m=8,t=1" in account.password_hash
    stronger = PasswordProfile(memory_cost=16, time_cost=2, parallelism=1)
    strong = TokenService(make_config(password_profile=stronger), stores, kek, clock=clock)
    strong.login("dora", "pw")
    rehashed = strong.get_account(account.account_id).password_hash
    assert "m=16,t=2" in rehashed
    assert strong.login("dora", "pw").access_token
    assert FAST_TEST_PROFILE.memory_cost == 8


def test_audit_records_carry_no_secrets(
    service: TokenService, alice: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Login, failure, refresh, reuse and revocation are audited without any secret."""
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    pair = service.login("alice", "correct horse", remote_addr="192.0.2.1")
    with pytest.raises(InvalidGrantError):
        service.login("alice", "bad guess", remote_addr="192.0.2.1")
    nxt = service.refresh(pair.refresh_token)
    clock.advance(30)
    with pytest.raises(RefreshTokenReuseError):
        service.refresh(pair.refresh_token)
    service.rotate_keys()
    events = [r.event for r in caplog.records if r.name == AUDIT_LOGGER]  # type: ignore[attr-defined]
    for expected in (
        "login_succeeded",
        "login_failed",
        "refresh",
        "refresh_token_reused",
        "signing_keys_rotated",
    ):
        assert expected in events
    secrets = ["correct horse", "bad guess", pair.refresh_token, nxt.refresh_token]
    secrets += [pair.access_token, nxt.access_token]
    for record in caplog.records:
        text = record.getMessage() + repr(getattr(record, "audit", ""))
        assert not any(secret in text for secret in secrets)
    assert "correct horse" not in repr(pair)
    assert pair.refresh_token not in repr(pair)


def test_audit_refuses_unknown_fields() -> None:
    """A field outside the allow-list (say, 'password') cannot be logged at all."""
    with pytest.raises(ValueError, match="not an audit field"):
        AuditLog().event("login_failed", password="hunter2")


def test_unknown_user_costs_one_verification(
    service: TokenService, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known and unknown usernames each spend exactly one argon2 verification, no hashing."""
    import argon2

    calls: list[str] = []
    real_verify, real_hash = argon2.PasswordHasher.verify, argon2.PasswordHasher.hash

    def verify(self: argon2.PasswordHasher, h: str | bytes, p: str | bytes) -> bool:
        calls.append("verify")
        return real_verify(self, h, p)

    def hash_(self: argon2.PasswordHasher, p: str | bytes, *, salt: bytes | None = None) -> str:
        calls.append("hash")
        return real_hash(self, p, salt=salt)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    monkeypatch.setattr(argon2.PasswordHasher, "hash", hash_)
    for user in ("alice", "nobody"):
        calls.clear()
        with pytest.raises(InvalidGrantError):
            service.login(user, "wrong")
        assert calls == ["verify"]
