"""The SQLite adapter: every port in one file, the embedded default.

WAL mode lets readers run beside the one writer; ``synchronous=NORMAL`` is durable
across application crashes (a power cut may lose the last transactions, never corrupt
the file) and is what makes thousands of rotations per second possible. Each thread
gets its own connection; writes take the database lock up front with
``BEGIN IMMEDIATE`` so a read-then-write (the refresh rotation) cannot be interleaved
with another writer, and ``busy_timeout`` makes contenders wait instead of failing.
Driver exceptions are translated at that boundary (``sqlite_base``) and nowhere else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from gatehouse.errors import ConflictError
from gatehouse.storage import sql_rows as rows
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
from gatehouse.storage.rotation import decide_rotation
from gatehouse.storage.sqlite_counters import SQLiteCounters

__all__ = ["SQLiteStore"]


_ROTATION_READ = (
    f"SELECT {rows.prefixed(rows.TOKEN_COLUMNS, 't')}, {rows.prefixed(rows.SESSION_COLUMNS, 's')},"
    f" {rows.prefixed(rows.TOKEN_COLUMNS, 'n')}"
    " FROM refresh_tokens t JOIN sessions s ON s.sid = t.sid"
    " LEFT JOIN refresh_tokens n ON n.token_hash = t.successor_hash"
    " WHERE t.token_hash = ?"
)


class SQLiteStore(SQLiteCounters):
    """Accounts, sessions, clients, keys, deny-list and throttle in one SQLite file.

    ``SQLiteStore(path, busy_timeout=5.0, clock=SYSTEM_CLOCK)`` creates the file if
    needed and applies pending migrations; ``close()`` releases every connection.
    """

    # --- accounts -------------------------------------------------------------------

    def create_account(self, account: AccountRecord) -> None:
        with self._write() as c:
            c.execute(
                f"INSERT INTO accounts ({rows.ACCOUNT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows.account_to_row(account),
            )

    def get_account(self, account_id: str) -> AccountRecord | None:
        found = self._read(
            f"SELECT {rows.ACCOUNT_COLUMNS} FROM accounts WHERE account_id = ?", (account_id,)
        )
        return rows.account_from_row(found[0]) if found else None

    def find_account_by_username(self, username: str) -> AccountRecord | None:
        found = self._read(
            f"SELECT {rows.ACCOUNT_COLUMNS} FROM accounts WHERE username = ?", (username,)
        )
        return rows.account_from_row(found[0]) if found else None

    def list_accounts(self) -> list[AccountRecord]:
        found = self._read(f"SELECT {rows.ACCOUNT_COLUMNS} FROM accounts ORDER BY username")
        return [rows.account_from_row(r) for r in found]

    def update_account(
        self,
        account: AccountRecord,
        *,
        revoke_sessions_at: float | None = None,
        revoke_reason: str = "account_changed",
    ) -> int:
        row = rows.account_to_row(account)
        with self._write() as c:
            cur = c.execute(
                "UPDATE accounts SET username=?, email=?, password_hash=?, roles=?,"
                " allowed_scopes=?, disabled=?, created_at=?, updated_at=?,"
                " password_changed_at=? WHERE account_id=?",
                (*row[1:], row[0]),
            )
            if cur.rowcount != 1:
                raise ConflictError("no such account")
            if revoke_sessions_at is None:
                return 0
            return self._revoke_account(c, account.account_id, revoke_sessions_at, revoke_reason)

    # --- sessions -------------------------------------------------------------------

    def create_session(self, session: SessionRecord, first_token: RefreshTokenRecord) -> None:
        with self._write() as c:
            c.execute(
                f"INSERT INTO sessions ({rows.SESSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows.session_to_row(session),
            )
            c.execute(
                f"INSERT INTO refresh_tokens ({rows.TOKEN_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                rows.token_to_row(first_token),
            )

    def get_session(self, sid: str) -> SessionRecord | None:
        found = self._read(f"SELECT {rows.SESSION_COLUMNS} FROM sessions WHERE sid = ?", (sid,))
        return rows.session_from_row(found[0]) if found else None

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        where = "" if include_revoked else " AND revoked_at IS NULL"
        found = self._read(
            f"SELECT {rows.SESSION_COLUMNS} FROM sessions WHERE account_id = ?{where}"
            " ORDER BY created_at, sid",
            (account_id,),
        )
        return [rows.session_from_row(r) for r in found]

    def find_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        found = self._read(
            f"SELECT {rows.TOKEN_COLUMNS} FROM refresh_tokens WHERE token_hash = ?",
            (token_hash,),
        )
        return rows.token_from_row(found[0]) if found else None

    def rotate_refresh_token(self, request: RotationRequest) -> RotationResult:
        # One read of the three rows: the presented token, its session, its successor.
        with self._write() as c:
            found = c.execute(_ROTATION_READ, (request.presented_hash,)).fetchone()
            token = session = successor = None
            if found is not None:
                token = rows.token_from_row(found[:7])
                session = rows.session_from_row(found[7:18])
                if found[18] is not None:
                    successor = rows.token_from_row(found[18:])
            decision = decide_rotation(request, token, session, successor)
            if decision.session is not None:
                s = decision.session
                c.execute(
                    "UPDATE sessions SET last_used_at=?, idle_expires_at=?, revoked_at=?,"
                    " revoke_reason=? WHERE sid=?",
                    (s.last_used_at, s.idle_expires_at, s.revoked_at, s.revoke_reason, s.sid),
                )
            if decision.write_token is not None:
                t = decision.write_token
                c.execute(
                    "UPDATE refresh_tokens SET spent_at=?, successor_hash=?, sealed_successor=?"
                    " WHERE token_hash=? AND spent_at IS NULL",
                    (t.spent_at, t.successor_hash, t.sealed_successor, t.token_hash),
                )
            if decision.insert is not None:
                c.execute(
                    f"INSERT INTO refresh_tokens ({rows.TOKEN_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                    rows.token_to_row(decision.insert),
                )
            return decision.result

    @staticmethod
    def _revoke_account(c: sqlite3.Connection, account_id: str, now: float, reason: str) -> int:
        cur = c.execute(
            "UPDATE sessions SET revoked_at=?, revoke_reason=?"
            " WHERE account_id=? AND revoked_at IS NULL",
            (now, reason, account_id),
        )
        return cur.rowcount

    def revoke_session(self, sid: str, *, now: float, reason: str) -> bool:
        with self._write() as c:
            cur = c.execute(
                "UPDATE sessions SET revoked_at=?, revoke_reason=?"
                " WHERE sid=? AND revoked_at IS NULL",
                (now, reason, sid),
            )
            return cur.rowcount == 1

    def revoke_account_sessions(self, account_id: str, *, now: float, reason: str) -> int:
        with self._write() as c:
            return self._revoke_account(c, account_id, now, reason)

    def purge_sessions(self, *, before: float) -> int:
        with self._write() as c:
            cur = c.execute(
                "DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?)"
                " OR MIN(idle_expires_at, absolute_expires_at) < ?",
                (before, before),
            )
            return cur.rowcount

    # --- clients --------------------------------------------------------------------

    def create_client(self, client: ClientRecord) -> None:
        with self._write() as c:
            c.execute(
                f"INSERT INTO clients ({rows.CLIENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                rows.client_to_row(client),
            )

    def get_client(self, client_id: str) -> ClientRecord | None:
        found = self._read(
            f"SELECT {rows.CLIENT_COLUMNS} FROM clients WHERE client_id = ?", (client_id,)
        )
        return rows.client_from_row(found[0]) if found else None

    def list_clients(self) -> list[ClientRecord]:
        found = self._read(f"SELECT {rows.CLIENT_COLUMNS} FROM clients ORDER BY client_id")
        return [rows.client_from_row(r) for r in found]

    def update_client(self, client: ClientRecord) -> None:
        row = rows.client_to_row(client)
        with self._write() as c:
            cur = c.execute(
                "UPDATE clients SET name=?, secret_hash=?, allowed_audiences=?,"
                " allowed_scopes=?, grant_types=?, disabled=?, created_at=?, updated_at=?"
                " WHERE client_id=?",
                (*row[1:], row[0]),
            )
            if cur.rowcount != 1:
                raise ConflictError("no such client")

    def delete_client(self, client_id: str) -> bool:
        with self._write() as c:
            return c.execute("DELETE FROM clients WHERE client_id=?", (client_id,)).rowcount == 1

    # --- signing keys ---------------------------------------------------------------

    def add_signing_key(self, key: SigningKeyRecord) -> None:
        with self._write() as c:
            c.execute(
                f"INSERT INTO signing_keys ({rows.KEY_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                rows.key_to_row(key),
            )

    def get_signing_key(self, kid: str) -> SigningKeyRecord | None:
        found = self._read(f"SELECT {rows.KEY_COLUMNS} FROM signing_keys WHERE kid = ?", (kid,))
        return rows.key_from_row(found[0]) if found else None

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        found = self._read(f"SELECT {rows.KEY_COLUMNS} FROM signing_keys ORDER BY created_at, kid")
        return [rows.key_from_row(r) for r in found]

    def apply_key_transitions(
        self, transitions: Sequence[KeyTransition], *, add: Sequence[SigningKeyRecord] = ()
    ) -> None:
        with self._write() as c:
            for t in transitions:
                erase = t.to_state is KeyState.REMOVED
                cur = c.execute(
                    "UPDATE signing_keys SET state=?, state_changed_at=?,"
                    " sealed_private = CASE WHEN ? THEN X'' ELSE sealed_private END"
                    " WHERE kid=? AND state=?",
                    (t.to_state.value, t.at, erase, t.kid, t.from_state.value),
                )
                if cur.rowcount != 1:
                    raise ConflictError("signing key is not in the expected state")
            for key in add:
                c.execute(
                    f"INSERT INTO signing_keys ({rows.KEY_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                    rows.key_to_row(key),
                )
