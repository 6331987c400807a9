"""The key-encryption key: where it comes from and what is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from issuer_helpers import make_config

from gatehouse.errors import ConfigurationError, InvalidKeyError
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.jose import b64url_encode
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores

GOOD = b64url_encode(bytes(range(32)))


def test_from_env_round_trips() -> None:
    """A KEK from GATEHOUSE_KEK seals and opens; the wrong aad is refused."""
    kek = KeyEncryptionKey.from_environ({"GATEHOUSE_KEK": GOOD})
    sealed = kek.seal(b"private", aad=b"kid-1")
    assert kek.open(sealed, aad=b"kid-1") == b"private"
    with pytest.raises(InvalidKeyError):
        kek.open(sealed, aad=b"kid-2")
    assert GOOD not in repr(kek)


@pytest.mark.parametrize(
    "value",
    [
        b64url_encode(b"\x00" * 32),
        b64url_encode(b"short"),
        "not base64!",
        b64url_encode(b"ab" * 16),
    ],
)
def test_weak_or_malformed_kek_refused(value: str) -> None:
    """Short, repetitive or undecodable KEKs are refused, even in development mode."""
    for development in (False, True):
        with pytest.raises(ConfigurationError) as caught:
            KeyEncryptionKey.from_environ({"GATEHOUSE_KEK": value}, development=development)
        assert value not in str(caught.value)


def test_missing_kek_refused_outside_development() -> None:
    """No KEK: ConfigurationError, unless development mode, which the service refuses in prod."""
    with pytest.raises(ConfigurationError):
        KeyEncryptionKey.from_environ({})
    dev = KeyEncryptionKey.from_environ({}, development=True)
    assert dev.development
    with pytest.raises(ConfigurationError):
        TokenService(make_config(), Stores.single(MemoryStore()), dev)
    TokenService(make_config(development=True), Stores.single(MemoryStore()), dev)


def test_kek_file(tmp_path: Path) -> None:
    """GATEHOUSE_KEK_FILE is read when private (0600) and refused when group-readable."""
    path = tmp_path / "kek"
    path.write_text(GOOD + "\n")
    os.chmod(path, 0o600)
    kek = KeyEncryptionKey.from_environ({"GATEHOUSE_KEK_FILE": str(path)})
    assert kek.open(kek.seal(b"x", aad=b""), aad=b"") == b"x"
    os.chmod(path, 0o640)
    with pytest.raises(ConfigurationError):
        KeyEncryptionKey.from_environ({"GATEHOUSE_KEK_FILE": str(path)})
    with pytest.raises(ConfigurationError):
        KeyEncryptionKey.from_environ({"GATEHOUSE_KEK_FILE": str(tmp_path / "missing")})


def test_keys_unreadable_under_another_kek(tmp_path: Path) -> None:
    """A service restarted with the wrong KEK cannot sign (InvalidKeyError), not garbage."""
    store = MemoryStore()
    first = TokenService(make_config(), Stores.single(store), KeyEncryptionKey.generate())
    first.bootstrap()
    second = TokenService(make_config(), Stores.single(store), KeyEncryptionKey.generate())
    second.create_account("bob", "pw")
    with pytest.raises(InvalidKeyError):
        second.login("bob", "pw")


def test_failed_signing_leaves_no_session() -> None:
    """A login that cannot sign stores no session."""
    store = MemoryStore()
    TokenService(make_config(), Stores.single(store), KeyEncryptionKey.generate()).bootstrap()
    second = TokenService(make_config(), Stores.single(store), KeyEncryptionKey.generate())
    account = second.create_account("carol", "pw")
    with pytest.raises(InvalidKeyError):
        second.login("carol", "pw")
    assert store.list_sessions(account.account_id, include_revoked=True) == []
