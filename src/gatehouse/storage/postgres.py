"""The PostgreSQL adapter: every port, for deployments that outgrow one machine.

Several issuer instances (Lambda functions, containers) share one database; what keeps
them honest is row locking. The refresh rotation locks the presented token's row and
its session's row with ``SELECT … FOR UPDATE`` in one statement, so of any number of
concurrent rotations of one token exactly one finds it unspent; the others wait, then
read it as spent and get the grace answer (hydra #3604 and Keycloak CVE-2026-1035 were
this race left open). The rules themselves are ``storage.rotation.decide_rotation``,
shared with SQLite and memory; the statements that carry them out are
``storage.sql_store.rotation_writes``, shared with SQLite and sent here as one
statement in pipeline mode, in the implicit transaction the protocol's Sync commits
(``PostgresBase._pipelined``), so a rotation costs two round trips and two
statements; the lock statement reads the account too, and the issuer's checks
run on its row (``RotationRequest.admit``), so those two round trips are the whole
refresh. Everything else is the SQL shared with SQLite (``sql_store``,
``sql_counters``); only what PostgreSQL does differently is written here.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from gatehouse.storage.attempts import Settlement
from gatehouse.storage.postgres_base import Connection
from gatehouse.storage.postgres_counters import PostgresCounters, settlement_ctes
from gatehouse.storage.records import (
    AccountRecord,
    RefreshTokenRecord,
    RotationRequest,
    RotationResult,
    SessionRecord,
)
from gatehouse.storage.rotation import RotationDecision, decide_rotation
from gatehouse.storage.sql_status import CLAIM_CTES, CLAIMED_IDX, claim_cte_params
from gatehouse.storage.sql_store import SQLStore, rotation_writes
from gatehouse.storage.sql_tables import ACCOUNTS, SESSIONS, TOKENS
from gatehouse.storage.status_records import StatusClaim

if TYPE_CHECKING:
    from psycopg import Cursor as _PgCursor

    Cursor = _PgCursor[Any]

__all__ = ["PostgresStore"]

# One statement (both rows or neither), one round trip; the foreign key is checked at
# the end of the statement, when the session row exists.
_CREATE_SESSION = f"WITH s AS ({SESSIONS.insert}) {TOKENS.insert}"
# Locks both rows: the token (against a concurrent rotation) and its session (against
# a concurrent revocation deciding on a stale view). The account rides along unlocked
# (locking it would queue every refresh of one account behind the others): the issuer
# needs it for the access token, and reading it here saves a round trip after COMMIT.
# Disabling an account revokes its sessions in the same transaction, so a session row
# read as live here was live when the account row was read too.
_ROTATION_LOCK = (
    f"SELECT {TOKENS.prefixed('t')}, {SESSIONS.prefixed('s')}, {ACCOUNTS.prefixed('a')}"
    " FROM $refresh_tokens t JOIN $sessions s ON s.sid = t.sid"
    " LEFT JOIN $accounts a ON a.account_id = s.account_id"
    " WHERE t.token_hash = ? FOR UPDATE OF t, s"
)
_ACCOUNT_AT = TOKENS.width + SESSIONS.width
_SELECT_TOKEN = f"{TOKENS.select} WHERE token_hash = ?"
# The session, its first token and its first access token's status index: still one
# statement (one round trip, one commit); its rows are the claimed index (none: not
# claimed, the issuer claims on its own).
_CREATE_SESSION_CLAIMING = (
    f"WITH s AS ({SESSIONS.insert}), t AS ({TOKENS.insert}), {CLAIM_CTES} {CLAIMED_IDX}"
)
_CLAIM = f"WITH {CLAIM_CTES} {CLAIMED_IDX}"

_Sent = tuple[RotationResult, AccountRecord | None, "Cursor | None"]


class PostgresStore(SQLStore, PostgresCounters):
    """Accounts, sessions, clients, keys, deny-list and throttle in one PostgreSQL schema.

    ``PostgresStore(url, schema="gatehouse", pool_size=10, connect_timeout=5.0,
    statement_timeout=5.0, lock_timeout=2.0, prepared_statements=True)`` opens the
    pool, creates the schema if needed and applies pending migrations; ``close()``
    releases every connection. ``connect_timeout`` (seconds) bounds opening the pool
    and each new connection (the driver rounds it up to whole seconds, at least 2).
    """

    def create_session(
        self,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
        settle: Settlement | None = None,
    ) -> int | None:
        params: list[Any] = [*SESSIONS.to_row(session), *TOKENS.to_row(first_token)]
        template = _CREATE_SESSION if status is None else _CREATE_SESSION_CLAIMING
        if status is not None:  # still one statement: the session, its token, the index
            params += claim_cte_params(status)
        if settle is not None:  # and the login's throttle settlement (issue 15 §4)
            ctes, before = settlement_ctes(settle)
            template, params = template.replace("WITH ", f"WITH {ctes}, ", 1), before + params
        if status is None:
            self._execute(template, params)
            return None
        rows = self._execute_returning(template, params)
        return int(rows[0][0]) if rows else None

    def claim_status_indices(self, claim: StatusClaim) -> int | None:
        """One autocommit statement: one round trip, one commit."""
        rows = self._execute_returning(_CLAIM, claim_cte_params(claim))
        return int(rows[0][0]) if rows else None

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        lock, select = self._sql(_ROTATION_LOCK), self._sql(_SELECT_TOKEN)

        def work(c: Connection) -> _Sent:
            found = c.execute(lock, (request.presented_hash,)).fetchone()
            token = session = successor = account = None
            if found is not None:
                token = TOKENS.from_row(found)
                session = SESSIONS.from_row(found, TOKENS.width)
                account = ACCOUNTS.from_row_or_none(found, _ACCOUNT_AT)
                if token.successor_hash is not None:
                    # Read after the lock: a rotation that committed while we waited
                    # is visible (READ COMMITTED takes a fresh snapshot per statement).
                    after = c.execute(select, (token.successor_hash,)).fetchone()
                    successor = TOKENS.from_row(after) if after else None
            decision = decide_rotation(request, token, session, successor)
            return decision.result, account, self._send_writes(c, decision)

        def finish(sent: _Sent) -> _Sent:
            result, account, claimed = sent
            # The claimed index is read after the commit's Sync: no extra round trip.
            row = None if claimed is None else claimed.fetchone()
            idx = int(row[0]) if row else None
            return dataclasses.replace(result, account=account, status_idx=idx), None, None

        return self._pipelined(work, finish)[0]

    def _send_writes(self, c: Connection, decision: RotationDecision) -> Cursor | None:
        """Send the decided writes as ONE statement (data-modifying CTEs), queued to
        travel with the Sync that commits: each statement costs the driver ~0.1 ms of CPU, which is
        what bounds refreshes/s when many clients share one process. The access
        token's status claim (``decision.claim``) joins that statement as two more
        CTEs; its cursor is returned, to read the claimed index after the commit."""
        writes = rotation_writes(decision)
        params = [v for _, each in writes for v in each]
        if decision.claim is not None:
            ctes = "".join(f"w{i} AS ({template}), " for i, (template, _) in enumerate(writes))
            params.extend(claim_cte_params(decision.claim))
            return c.execute(self._sql(f"WITH {ctes}{CLAIM_CTES} {CLAIMED_IDX}"), params)
        if not writes:
            return None
        *before, (last, _) = writes
        ctes = ", ".join(f"w{i} AS ({template})" for i, (template, _) in enumerate(before))
        template = f"WITH {ctes} {last}" if before else last
        c.execute(self._sql(template), params)
        return None
