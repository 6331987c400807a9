"""The PostgreSQL adapter: every port, for deployments that outgrow one machine.

Several issuer instances (Lambda functions, containers) share one database; what keeps
them honest is row locking. The refresh rotation locks the presented token's row and
its session's row with ``SELECT … FOR UPDATE`` in one statement, so of any number of
concurrent rotations of one token exactly one finds it unspent; the others wait, then
read it as spent and get the grace answer (hydra #3604 and Keycloak CVE-2026-1035 were
this race left open). The rules themselves are ``storage.rotation.decide_rotation``,
shared with SQLite and memory. The writes that follow are one statement sent in pipeline
mode with ``COMMIT``, so a rotation costs two round trips and four statements.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.errors import ConflictError
from gatehouse.storage import sql_rows as rows
from gatehouse.storage.postgres_base import Connection
from gatehouse.storage.postgres_counters import PostgresCounters
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    KeyState,
    KeyTransition,
    RefreshTokenRecord,
    RotationRequest,
    RotationResult,
    SessionRecord,
    SigningKeyRecord,
)
from gatehouse.storage.rotation import RotationDecision, decide_rotation

__all__ = ["PostgresStore"]


def _insert(table: str, columns: str) -> str:
    marks = ", ".join(["%s"] * len(columns.split(",")))
    return f"INSERT INTO $S.{table} ({columns}) VALUES ({marks})"


_INSERT_ACCOUNT = _insert("accounts", rows.ACCOUNT_COLUMNS)
_INSERT_SESSION = _insert("sessions", rows.SESSION_COLUMNS)
_INSERT_TOKEN = _insert("refresh_tokens", rows.TOKEN_COLUMNS)
_INSERT_CLIENT = _insert("clients", rows.CLIENT_COLUMNS)
_INSERT_KEY = _insert("signing_keys", rows.KEY_COLUMNS)
_TOKEN_WIDTH = len(rows.TOKEN_COLUMNS.split(","))

# Locks both rows: the token (against a concurrent rotation) and its session (against
# a concurrent revocation deciding on a stale view).
_ROTATION_LOCK = (
    f"SELECT {rows.prefixed(rows.TOKEN_COLUMNS, 't')}, {rows.prefixed(rows.SESSION_COLUMNS, 's')}"
    " FROM $S.refresh_tokens t JOIN $S.sessions s ON s.sid = t.sid"
    " WHERE t.token_hash = %s FOR UPDATE"
)
_SELECT_TOKEN = f"SELECT {rows.TOKEN_COLUMNS} FROM $S.refresh_tokens WHERE token_hash = %s"
_REVOKE_ACCOUNT = (
    "UPDATE $S.sessions SET revoked_at = %s, revoke_reason = %s"
    " WHERE account_id = %s AND revoked_at IS NULL"
)


class PostgresStore(PostgresCounters):
    """Accounts, sessions, clients, keys, deny-list and throttle in one PostgreSQL schema.

    ``PostgresStore(url, schema="gatehouse", pool_size=10, connect_timeout=5.0,
    statement_timeout=5.0, lock_timeout=2.0)`` opens the pool, creates the schema if
    needed and applies pending migrations; ``close()`` releases every connection.
    """

    # --- accounts -------------------------------------------------------------------

    def create_account(self, account: AccountRecord) -> None:
        self._execute(_INSERT_ACCOUNT, rows.account_to_row(account))

    def _one_account(self, where: str, value: str) -> AccountRecord | None:
        found = self._read(
            f"SELECT {rows.ACCOUNT_COLUMNS} FROM $S.accounts WHERE {where}", (value,)
        )
        return rows.account_from_row(found[0]) if found else None

    def get_account(self, account_id: str) -> AccountRecord | None:
        return self._one_account("account_id = %s", account_id)

    def find_account_by_username(self, username: str) -> AccountRecord | None:
        return self._one_account("username = %s", username)

    def list_accounts(self) -> list[AccountRecord]:
        found = self._read(f"SELECT {rows.ACCOUNT_COLUMNS} FROM $S.accounts ORDER BY username")
        return [rows.account_from_row(r) for r in found]

    def update_account(
        self,
        account: AccountRecord,
        *,
        revoke_sessions_at: float | None = None,
        revoke_reason: str = "account_changed",
    ) -> int:
        row = rows.account_to_row(account)

        def work(c: Connection) -> int:
            cur = self._run(
                c,
                "UPDATE $S.accounts SET username=%s, email=%s, password_hash=%s, roles=%s,"
                " allowed_scopes=%s, disabled=%s, created_at=%s, updated_at=%s,"
                " password_changed_at=%s WHERE account_id=%s",
                (*row[1:], row[0]),
            )
            if cur.rowcount != 1:
                raise ConflictError("no such account")
            if revoke_sessions_at is None:
                return 0
            revoked = self._run(c, _REVOKE_ACCOUNT, (revoke_sessions_at, revoke_reason, row[0]))
            return int(revoked.rowcount)

        return self._write(work)

    # --- sessions -------------------------------------------------------------------

    def create_session(self, session: SessionRecord, first_token: RefreshTokenRecord) -> None:
        # One statement (both rows or neither), one round trip; the foreign key is
        # checked at the end of the statement, when the session row exists.
        self._execute(
            f"WITH s AS ({_INSERT_SESSION}) {_INSERT_TOKEN}",
            (*rows.session_to_row(session), *rows.token_to_row(first_token)),
        )

    def get_session(self, sid: str) -> SessionRecord | None:
        found = self._read(f"SELECT {rows.SESSION_COLUMNS} FROM $S.sessions WHERE sid = %s", (sid,))
        return rows.session_from_row(found[0]) if found else None

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        where = "" if include_revoked else " AND revoked_at IS NULL"
        found = self._read(
            f"SELECT {rows.SESSION_COLUMNS} FROM $S.sessions WHERE account_id = %s{where}"
            " ORDER BY created_at, sid",
            (account_id,),
        )
        return [rows.session_from_row(r) for r in found]

    def find_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        found = self._read(_SELECT_TOKEN, (token_hash,))
        return rows.token_from_row(found[0]) if found else None

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        def work(c: Connection) -> RotationResult:
            found = self._run(c, _ROTATION_LOCK, (request.presented_hash,)).fetchone()
            token = session = successor = None
            if found is not None:
                token = rows.token_from_row(found[:_TOKEN_WIDTH])
                session = rows.session_from_row(found[_TOKEN_WIDTH:])
                if token.successor_hash is not None:
                    # Read after the lock: a rotation that committed while we waited
                    # is visible (READ COMMITTED takes a fresh snapshot per statement).
                    after = self._run(c, _SELECT_TOKEN, (token.successor_hash,)).fetchone()
                    successor = rows.token_from_row(after) if after else None
            decision = decide_rotation(request, token, session, successor)
            self._apply(c, decision)
            return decision.result

        return self._write(work, pipeline=True)

    def _apply(self, c: Connection, decision: RotationDecision) -> None:
        """Send the decided writes as ONE statement (data-modifying CTEs), queued to
        travel with COMMIT: each statement costs the driver ~0.1 ms of CPU, which is
        what bounds refreshes/s when many clients share one process."""
        parts: list[tuple[str, tuple[object, ...]]] = []
        if decision.session is not None:
            s = decision.session
            parts.append(
                (
                    "UPDATE $S.sessions SET last_used_at=%s, idle_expires_at=%s, revoked_at=%s,"
                    " revoke_reason=%s WHERE sid=%s",
                    (s.last_used_at, s.idle_expires_at, s.revoked_at, s.revoke_reason, s.sid),
                )
            )
        if decision.write_token is not None:
            t = decision.write_token
            parts.append(
                (
                    "UPDATE $S.refresh_tokens SET spent_at=%s, successor_hash=%s,"
                    " sealed_successor=%s WHERE token_hash=%s AND spent_at IS NULL",
                    (t.spent_at, t.successor_hash, t.sealed_successor, t.token_hash),
                )
            )
        if decision.insert is not None:
            parts.append((_INSERT_TOKEN, rows.token_to_row(decision.insert)))
        if not parts:
            return
        *before, last = parts
        ctes = ", ".join(f"w{i} AS ({query})" for i, (query, _) in enumerate(before))
        query = f"WITH {ctes} {last[0]}" if before else last[0]
        params = tuple(value for _, values in parts for value in values)
        self._run(c, query, params)

    def revoke_session(self, sid: str, *, now: float, reason: str) -> bool:
        done = self._execute(
            "UPDATE $S.sessions SET revoked_at=%s, revoke_reason=%s"
            " WHERE sid=%s AND revoked_at IS NULL",
            (now, reason, sid),
        )
        return done.rowcount == 1

    def revoke_account_sessions(self, account_id: str, *, now: float, reason: str) -> int:
        return self._execute(_REVOKE_ACCOUNT, (now, reason, account_id)).rowcount

    def purge_sessions(self, *, before: float) -> int:
        return self._execute(
            "DELETE FROM $S.sessions WHERE (revoked_at IS NOT NULL AND revoked_at < %s)"
            " OR LEAST(idle_expires_at, absolute_expires_at) < %s",
            (before, before),
        ).rowcount

    # --- clients --------------------------------------------------------------------

    def create_client(self, client: ClientRecord) -> None:
        self._execute(_INSERT_CLIENT, rows.client_to_row(client))

    def get_client(self, client_id: str) -> ClientRecord | None:
        found = self._read(
            f"SELECT {rows.CLIENT_COLUMNS} FROM $S.clients WHERE client_id = %s", (client_id,)
        )
        return rows.client_from_row(found[0]) if found else None

    def list_clients(self) -> list[ClientRecord]:
        found = self._read(f"SELECT {rows.CLIENT_COLUMNS} FROM $S.clients ORDER BY client_id")
        return [rows.client_from_row(r) for r in found]

    def update_client(self, client: ClientRecord) -> None:
        row = rows.client_to_row(client)

        def work(c: Connection) -> None:
            cur = self._run(
                c,
                "UPDATE $S.clients SET name=%s, secret_hash=%s, allowed_audiences=%s,"
                " allowed_scopes=%s, grant_types=%s, disabled=%s, created_at=%s,"
                " updated_at=%s WHERE client_id=%s",
                (*row[1:], row[0]),
            )
            if cur.rowcount != 1:
                raise ConflictError("no such client")

        self._write(work)

    def delete_client(self, client_id: str) -> bool:
        return (
            self._execute("DELETE FROM $S.clients WHERE client_id=%s", (client_id,)).rowcount == 1
        )

    # --- signing keys ---------------------------------------------------------------

    def add_signing_key(self, key: SigningKeyRecord) -> None:
        self._execute(_INSERT_KEY, rows.key_to_row(key))

    def get_signing_key(self, kid: str) -> SigningKeyRecord | None:
        found = self._read(f"SELECT {rows.KEY_COLUMNS} FROM $S.signing_keys WHERE kid = %s", (kid,))
        return rows.key_from_row(found[0]) if found else None

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        found = self._read(
            f"SELECT {rows.KEY_COLUMNS} FROM $S.signing_keys ORDER BY created_at, kid"
        )
        return [rows.key_from_row(r) for r in found]

    def apply_key_transitions(
        self, transitions: Sequence[KeyTransition], *, add: Sequence[SigningKeyRecord] = ()
    ) -> None:
        def work(c: Connection) -> None:
            for t in transitions:
                erase = t.to_state is KeyState.REMOVED
                cur = self._run(
                    c,
                    "UPDATE $S.signing_keys SET state=%s, state_changed_at=%s,"
                    " sealed_private = CASE WHEN %s THEN ''::bytea ELSE sealed_private END"
                    " WHERE kid=%s AND state=%s",
                    (t.to_state.value, t.at, erase, t.kid, t.from_state.value),
                )
                if cur.rowcount != 1:
                    raise ConflictError("signing key is not in the expected state")
            for key in add:
                self._run(c, _INSERT_KEY, rows.key_to_row(key))

        self._write(work)
