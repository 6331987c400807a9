"""The PostgreSQL adapter: every port, for deployments that outgrow one machine.

Several issuer instances (Lambda functions, containers) share one database; what keeps
them honest is row locking. The refresh rotation locks the presented token's row and
its session's row with ``SELECT … FOR UPDATE`` in one statement, so of any number of
concurrent rotations of one token exactly one finds it unspent; the others wait, then
read it as spent and get the grace answer (hydra #3604 and Keycloak CVE-2026-1035 were
this race left open). The rules themselves are ``storage.rotation.decide_rotation``,
shared with SQLite and memory; the statements that carry them out are
``storage.sql_store.rotation_writes``, shared with SQLite and sent here as one
statement in pipeline mode with ``COMMIT``, so a rotation costs two round trips and
four statements. Everything else is the SQL shared with SQLite (``sql_store``,
``sql_counters``); only what PostgreSQL does differently is written here.
"""

from __future__ import annotations

from gatehouse.storage.postgres_base import Connection
from gatehouse.storage.postgres_counters import PostgresCounters
from gatehouse.storage.records import (
    RefreshTokenRecord,
    RotationRequest,
    RotationResult,
    SessionRecord,
)
from gatehouse.storage.rotation import RotationDecision, decide_rotation
from gatehouse.storage.sql_store import SQLStore, rotation_writes
from gatehouse.storage.sql_tables import SESSIONS, TOKENS

__all__ = ["PostgresStore"]

# One statement (both rows or neither), one round trip; the foreign key is checked at
# the end of the statement, when the session row exists.
_CREATE_SESSION = f"WITH s AS ({SESSIONS.insert}) {TOKENS.insert}"
# Locks both rows: the token (against a concurrent rotation) and its session (against
# a concurrent revocation deciding on a stale view).
_ROTATION_LOCK = (
    f"SELECT {TOKENS.prefixed('t')}, {SESSIONS.prefixed('s')}"
    " FROM $refresh_tokens t JOIN $sessions s ON s.sid = t.sid"
    " WHERE t.token_hash = ? FOR UPDATE"
)
_SELECT_TOKEN = f"{TOKENS.select} WHERE token_hash = ?"


class PostgresStore(SQLStore, PostgresCounters):
    """Accounts, sessions, clients, keys, deny-list and throttle in one PostgreSQL schema.

    ``PostgresStore(url, schema="gatehouse", pool_size=10, connect_timeout=5.0,
    statement_timeout=5.0, lock_timeout=2.0, prepared_statements=True)`` opens the
    pool, creates the schema if needed and applies pending migrations; ``close()``
    releases every connection. ``connect_timeout`` (seconds) bounds opening the pool
    and each new connection (the driver rounds it up to whole seconds, at least 2).
    """

    def create_session(self, session: SessionRecord, first_token: RefreshTokenRecord) -> None:
        self._execute(_CREATE_SESSION, (*SESSIONS.to_row(session), *TOKENS.to_row(first_token)))

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        lock, select = self._sql(_ROTATION_LOCK), self._sql(_SELECT_TOKEN)

        def work(c: Connection) -> RotationResult:
            found = c.execute(lock, (request.presented_hash,)).fetchone()
            token = session = successor = None
            if found is not None:
                token = TOKENS.from_row(found)
                session = SESSIONS.from_row(found, TOKENS.width)
                if token.successor_hash is not None:
                    # Read after the lock: a rotation that committed while we waited
                    # is visible (READ COMMITTED takes a fresh snapshot per statement).
                    after = c.execute(select, (token.successor_hash,)).fetchone()
                    successor = TOKENS.from_row(after) if after else None
            decision = decide_rotation(request, token, session, successor)
            self._send_writes(c, decision)
            return decision.result

        return self._pipelined(work)

    def _send_writes(self, c: Connection, decision: RotationDecision) -> None:
        """Send the decided writes as ONE statement (data-modifying CTEs), queued to
        travel with COMMIT: each statement costs the driver ~0.1 ms of CPU, which is
        what bounds refreshes/s when many clients share one process."""
        writes = rotation_writes(decision)
        if not writes:
            return
        *before, (last, _) = writes
        ctes = ", ".join(f"w{i} AS ({template})" for i, (template, _) in enumerate(before))
        template = f"WITH {ctes} {last}" if before else last
        c.execute(self._sql(template), tuple(v for _, params in writes for v in params))
