"""The refresh-rotation rules as a pure function, shared by every adapter.

An adapter locks the presented token's row (and its session's), reads the three rows,
asks ``decide_rotation`` what to do, and writes what it says inside the same
transaction. The issuer's own checks on the session (its client, its DPoP key) run
first, through ``RotationRequest.admit``, on the locked row: a refresh costs no read
before its transaction. Keeping the rules here means memory, SQLite and PostgreSQL cannot drift
apart on the subtle part: which replays get the grace answer and which revoke the
family (Supabase-style immediate-parent grace; anything else is reuse, as in Hydra).
"""

from __future__ import annotations

import dataclasses

from gatehouse._record import record
from gatehouse.storage.records import (
    REUSE_REASON,
    RefreshTokenRecord,
    RotationOutcome,
    RotationRequest,
    RotationResult,
    SessionRecord,
)
from gatehouse.storage.status_records import StatusClaim

# REUSE_REASON lives with the records (the issuer reads it there); named here too.
__all__ = ["REUSE_REASON", "RotationDecision", "decide_rotation"]


@record
class RotationDecision:
    """What to write: ``session`` if it differs from the row read, ``write_token`` to
    replace the presented row, ``insert`` as a new row, ``claim`` the new access
    token's status index (ROTATED and GRACE mint one); then answer ``result``."""

    result: RotationResult
    session: SessionRecord | None = None
    write_token: RefreshTokenRecord | None = None
    insert: RefreshTokenRecord | None = None
    claim: StatusClaim | None = None


def decide_rotation(
    request: RotationRequest,
    token: RefreshTokenRecord | None,
    session: SessionRecord | None,
    successor: RefreshTokenRecord | None,
) -> RotationDecision:
    """Apply the order documented on ``SessionStore.rotate_refresh_token``, after
    ``request.admit`` (if any) has accepted the session found (it raises otherwise)."""
    now = request.now
    if token is None or session is None:
        return RotationDecision(RotationResult(RotationOutcome.UNKNOWN))
    claim = request.status if request.admit is None else request.admit(session)
    if session.revoked_at is not None:
        return RotationDecision(RotationResult(RotationOutcome.REVOKED, session, token))
    if now >= session.idle_expires_at or now >= session.absolute_expires_at:
        return RotationDecision(RotationResult(RotationOutcome.EXPIRED, session, token))
    if token.spent_at is not None:
        in_grace = (
            successor is not None
            and successor.spent_at is None
            and now - token.spent_at <= request.grace_seconds
        )
        if in_grace:
            return RotationDecision(
                RotationResult(RotationOutcome.GRACE, session, token, successor),
                claim=claim,
            )
        revoked = dataclasses.replace(session, revoked_at=now, revoke_reason=REUSE_REASON)
        return RotationDecision(
            RotationResult(RotationOutcome.REUSED, revoked, token), session=revoked
        )
    spent = dataclasses.replace(
        token,
        spent_at=now,
        successor_hash=request.successor_hash,
        sealed_successor=request.sealed_successor,
    )
    fresh = RefreshTokenRecord(
        token_hash=request.successor_hash,
        sid=token.sid,
        issued_at=now,
        parent_hash=token.token_hash,
    )
    touched = dataclasses.replace(
        session,
        last_used_at=now,
        idle_expires_at=min(now + request.idle_timeout, session.absolute_expires_at),
    )
    return RotationDecision(
        RotationResult(RotationOutcome.ROTATED, touched, spent, fresh),
        session=touched,
        write_token=spent,
        insert=fresh,
        claim=claim,
    )
