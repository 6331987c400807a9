"""Records to SQL rows and back, shared by the SQLite and PostgreSQL adapters.

Both schemas keep the same columns: sets as sorted JSON arrays in TEXT (never queried
inside, so a portable text form beats two native encodings), booleans as the driver's
bool (SQLite stores 0/1), times as floating seconds, hashes as bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    KeyState,
    RefreshTokenRecord,
    SessionRecord,
    SigningKeyRecord,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "CLIENT_COLUMNS",
    "KEY_COLUMNS",
    "SESSION_COLUMNS",
    "TOKEN_COLUMNS",
    "account_from_row",
    "account_to_row",
    "client_from_row",
    "client_to_row",
    "key_from_row",
    "key_to_row",
    "prefixed",
    "session_from_row",
    "session_to_row",
    "token_from_row",
    "token_to_row",
]

Row = tuple[Any, ...]

ACCOUNT_COLUMNS = (
    "account_id, username, email, password_hash, roles, allowed_scopes, disabled,"
    " created_at, updated_at, password_changed_at"
)
SESSION_COLUMNS = (
    "sid, account_id, client_id, audience, scope, created_at, last_used_at,"
    " idle_expires_at, absolute_expires_at, revoked_at, revoke_reason"
)
TOKEN_COLUMNS = (
    "token_hash, sid, issued_at, parent_hash, spent_at, successor_hash, sealed_successor"
)
CLIENT_COLUMNS = (
    "client_id, name, secret_hash, allowed_audiences, allowed_scopes, grant_types, disabled,"
    " created_at, updated_at"
)
KEY_COLUMNS = "kid, alg, state, public_jwk, sealed_private, created_at, state_changed_at"


def prefixed(columns: str, alias: str) -> str:
    """``"a, b"`` as ``"t.a, t.b"``, for a join that reads several tables' columns."""
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def _set(values: Iterable[str]) -> str:
    return json.dumps(sorted(values))


def _list(text: str) -> list[str]:
    value = json.loads(text)
    return [str(v) for v in value]


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def account_to_row(a: AccountRecord) -> Row:
    return (
        a.account_id,
        a.username,
        a.email,
        a.password_hash,
        json.dumps(list(a.roles)),
        _set(a.allowed_scopes),
        a.disabled,
        a.created_at,
        a.updated_at,
        a.password_changed_at,
    )


def account_from_row(r: Row) -> AccountRecord:
    return AccountRecord(
        account_id=r[0],
        username=r[1],
        email=r[2],
        password_hash=r[3],
        roles=tuple(_list(r[4])),
        allowed_scopes=frozenset(_list(r[5])),
        disabled=bool(r[6]),
        created_at=r[7],
        updated_at=r[8],
        password_changed_at=r[9],
    )


def session_to_row(s: SessionRecord) -> Row:
    return (
        s.sid,
        s.account_id,
        s.client_id,
        s.audience,
        _set(s.scope),
        s.created_at,
        s.last_used_at,
        s.idle_expires_at,
        s.absolute_expires_at,
        s.revoked_at,
        s.revoke_reason,
    )


def session_from_row(r: Row) -> SessionRecord:
    return SessionRecord(
        sid=r[0],
        account_id=r[1],
        client_id=r[2],
        audience=r[3],
        scope=frozenset(_list(r[4])),
        created_at=r[5],
        last_used_at=r[6],
        idle_expires_at=r[7],
        absolute_expires_at=r[8],
        revoked_at=r[9],
        revoke_reason=r[10],
    )


def token_to_row(t: RefreshTokenRecord) -> Row:
    return (
        t.token_hash,
        t.sid,
        t.issued_at,
        t.parent_hash,
        t.spent_at,
        t.successor_hash,
        t.sealed_successor,
    )


def token_from_row(r: Row) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_hash=bytes(r[0]),
        sid=r[1],
        issued_at=r[2],
        parent_hash=_bytes(r[3]),
        spent_at=r[4],
        successor_hash=_bytes(r[5]),
        sealed_successor=_bytes(r[6]),
    )


def client_to_row(c: ClientRecord) -> Row:
    return (
        c.client_id,
        c.name,
        c.secret_hash,
        _set(c.allowed_audiences),
        _set(c.allowed_scopes),
        _set(c.grant_types),
        c.disabled,
        c.created_at,
        c.updated_at,
    )


def client_from_row(r: Row) -> ClientRecord:
    return ClientRecord(
        client_id=r[0],
        name=r[1],
        secret_hash=_bytes(r[2]),
        allowed_audiences=frozenset(_list(r[3])),
        allowed_scopes=frozenset(_list(r[4])),
        grant_types=frozenset(_list(r[5])),
        disabled=bool(r[6]),
        created_at=r[7],
        updated_at=r[8],
    )


def key_to_row(k: SigningKeyRecord) -> Row:
    return (
        k.kid,
        k.alg,
        k.state.value,
        k.public_jwk,
        k.sealed_private,
        k.created_at,
        k.state_changed_at,
    )


def key_from_row(r: Row) -> SigningKeyRecord:
    return SigningKeyRecord(
        kid=r[0],
        alg=r[1],
        state=KeyState(r[2]),
        public_jwk=r[3],
        sealed_private=bytes(r[4]),
        created_at=r[5],
        state_changed_at=r[6],
    )
