"""The SQLite adapter: every port in one file, the embedded default.

WAL mode lets readers run beside the one writer; ``synchronous=NORMAL`` is durable
across application crashes (a power cut may lose the last transactions, never corrupt
the file) and is what makes thousands of rotations per second possible. Connections,
``BEGIN IMMEDIATE`` transactions and error translation live in ``sqlite_base``; the
SQL shared with PostgreSQL in ``sql_store`` and ``sql_counters``. What is SQLite's own
is here: a session and its first token as two inserts in one transaction (with the
first access token's status-list index claimed in it), and the
rotation's read of three rows in one join, safe because ``BEGIN IMMEDIATE`` holds the
write lock from the start, so no other writer can interleave.
"""

from __future__ import annotations

import dataclasses

from gatehouse.storage.attempts import Settlement
from gatehouse.storage.records import (
    RefreshTokenRecord,
    RotationRequest,
    RotationResult,
    SessionRecord,
)
from gatehouse.storage.rotation import decide_rotation
from gatehouse.storage.sql_counters import settle_in
from gatehouse.storage.sql_seam import Transaction
from gatehouse.storage.sql_status import claim_in
from gatehouse.storage.sql_store import SQLStore, rotation_writes
from gatehouse.storage.sql_tables import SESSIONS, TOKENS
from gatehouse.storage.sqlite_counters import SQLiteCounters
from gatehouse.storage.status_records import StatusClaim

__all__ = ["SQLiteStore"]

# The presented token, its session and its successor (if any), in one read.
_ROTATION_READ = (
    f"SELECT {TOKENS.prefixed('t')}, {SESSIONS.prefixed('s')}, {TOKENS.prefixed('n')}"
    " FROM $refresh_tokens t JOIN $sessions s ON s.sid = t.sid"
    " LEFT JOIN $refresh_tokens n ON n.token_hash = t.successor_hash"
    " WHERE t.token_hash = ?"
)
_SESSION_AT = TOKENS.width
_SUCCESSOR_AT = TOKENS.width + SESSIONS.width


class SQLiteStore(SQLStore, SQLiteCounters):
    """Accounts, sessions, clients, keys, deny-list and throttle in one SQLite file.

    ``SQLiteStore(path, busy_timeout=5.0, clock=SYSTEM_CLOCK)`` creates the file (0600)
    if needed and applies pending migrations; ``close()`` releases every connection.
    """

    def create_session(
        self,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
        settle: Settlement | None = None,
    ) -> int | None:
        def work(tx: Transaction) -> int | None:
            tx.run(SESSIONS.insert, SESSIONS.to_row(session))
            tx.run(TOKENS.insert, TOKENS.to_row(first_token))
            if settle is not None:  # the login's throttle settlement: no commit of its own
                settle_in(tx, settle)
            return None if status is None else claim_in(tx, status)

        return self._transaction(work)

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        def work(tx: Transaction) -> RotationResult:
            found = tx.one(_ROTATION_READ, (request.presented_hash,))
            token = session = successor = None
            if found is not None:
                token = TOKENS.from_row(found)
                session = SESSIONS.from_row(found, _SESSION_AT)
                successor = TOKENS.from_row_or_none(found, _SUCCESSOR_AT)
            decision = decide_rotation(request, token, session, successor)
            for statement, params in rotation_writes(decision):
                tx.run(statement, params)
            if decision.claim is None:
                return decision.result
            # The new access token's index, in this BEGIN IMMEDIATE transaction too.
            return dataclasses.replace(decision.result, status_idx=claim_in(tx, decision.claim))

        return self._transaction(work)
