"""Sample records for the storage contract suite (plain data, unique ids per call)."""

from __future__ import annotations

import hashlib
import itertools

from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    KeyState,
    RefreshTokenRecord,
    RotationRequest,
    SessionRecord,
    SigningKeyRecord,
)

NOW = 1_700_000_000.0
_ids = itertools.count(1)


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def account(username: str | None = None, **changes: object) -> AccountRecord:
    n = next(_ids)
    fields: dict[str, object] = {
        "account_id": f"acct-{n}",
        "username": username or f"user{n}",
        "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        "email": None,
        "roles": ("reader", "admin"),
        "allowed_scopes": frozenset({"read", "write"}),
        "created_at": NOW,
        "updated_at": NOW,
        "password_changed_at": NOW,
    }
    fields.update(changes)
    return AccountRecord(**fields)  # type: ignore[arg-type]


def session(account_id: str, **changes: object) -> SessionRecord:
    n = next(_ids)
    fields: dict[str, object] = {
        "sid": f"sid-{n}",
        "account_id": account_id,
        "audience": "https://api.example",
        "scope": frozenset({"read"}),
        "created_at": NOW,
        "last_used_at": NOW,
        "idle_expires_at": NOW + 3600,
        "absolute_expires_at": NOW + 86400,
        "client_id": "web",
    }
    fields.update(changes)
    return SessionRecord(**fields)  # type: ignore[arg-type]


def token(sid: str, text: str | None = None) -> RefreshTokenRecord:
    return RefreshTokenRecord(token_hash=digest(text or f"rt-{next(_ids)}"), sid=sid, issued_at=NOW)


def rotation(
    presented: bytes, successor_text: str, now: float, **changes: object
) -> RotationRequest:
    fields: dict[str, object] = {
        "presented_hash": presented,
        "successor_hash": digest(successor_text),
        "sealed_successor": b"sealed:" + successor_text.encode(),
        "now": now,
        "idle_timeout": 3600.0,
        "grace_seconds": 10.0,
    }
    fields.update(changes)
    return RotationRequest(**fields)  # type: ignore[arg-type]


def client(client_id: str | None = None, **changes: object) -> ClientRecord:
    fields: dict[str, object] = {
        "client_id": client_id or f"client-{next(_ids)}",
        "name": "billing service",
        "secret_hash": digest("secret"),
        "allowed_audiences": frozenset({"https://api.example"}),
        "allowed_scopes": frozenset({"invoices:read"}),
        "grant_types": frozenset({"client_credentials"}),
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(changes)
    return ClientRecord(**fields)  # type: ignore[arg-type]


def signing_key(state: KeyState = KeyState.NEXT, created_at: float = NOW) -> SigningKeyRecord:
    n = next(_ids)
    return SigningKeyRecord(
        kid=f"kid-{n}",
        alg="ES256",
        state=state,
        public_jwk='{"kty":"EC","crv":"P-256","x":"x","y":"y"}',
        sealed_private=b"sealed-private-" + str(n).encode(),
        created_at=created_at,
        state_changed_at=created_at,
    )
