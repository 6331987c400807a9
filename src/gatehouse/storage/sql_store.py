"""Accounts, sessions, clients and signing keys in SQL, written once for both dialects.

Every statement is a template over the ``storage.sql_tables`` declarations, rendered
by the store's dialect (``storage.sql_dialect``) and run through the seam
(``storage.sql_seam``). What is genuinely different stays in the dialect's module:
creating a session with its first token (one statement with a data-modifying CTE on
PostgreSQL, two on SQLite) and the refresh rotation's read (``FOR UPDATE`` plus a
read of the successor after the lock on PostgreSQL, one join under ``BEGIN
IMMEDIATE`` on SQLite). The rotation's writes are written here once
(``rotation_writes``): SQLite runs them in turn, PostgreSQL sends them as one
statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from gatehouse.errors import ConflictError
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    KeyState,
    KeyTransition,
    RefreshTokenRecord,
    RotationOutcome,
    SessionRecord,
    SigningKeyRecord,
)
from gatehouse.storage.rotation import RotationDecision
from gatehouse.storage.sql_counters import SQLCounters
from gatehouse.storage.sql_dpop import SQLReplay
from gatehouse.storage.sql_seam import Transaction
from gatehouse.storage.sql_status import (
    SQLStatusLists,
    account_end_writes,
    client_end_writes,
    client_sessions_end_writes,
    session_end_writes,
)
from gatehouse.storage.sql_tables import (
    ACCOUNTS,
    CLIENTS,
    SESSIONS,
    SIGNING_KEYS,
    TOKENS,
    Row,
    Table,
)

__all__ = ["SQLStore", "rotation_writes"]

R = TypeVar("R")

_UPDATE_ACCOUNT = ACCOUNTS.update()
_UPDATE_CLIENT = CLIENTS.update()
_TOUCH_SESSION = SESSIONS.update("last_used_at", "idle_expires_at", "revoked_at", "revoke_reason")
# Compare-and-set: a token is spent once.
_SPEND_TOKEN = TOKENS.update(
    "spent_at", "successor_hash", "sealed_successor", where="spent_at IS NULL"
)
_REVOKE = "UPDATE $sessions SET revoked_at = ?, revoke_reason = ? WHERE revoked_at IS NULL"
_REVOKE_SESSION = f"{_REVOKE} AND sid = ?"
_REVOKE_ACCOUNT = f"{_REVOKE} AND account_id = ?"
_REVOKE_CLIENT = f"{_REVOKE} AND client_id = ?"
_PURGE_SESSIONS = (
    "DELETE FROM $sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?)"
    " OR LEAST(idle_expires_at, absolute_expires_at) < ?"
)
# A removed key keeps its public half for the record; its sealed private half goes.
_MOVE_KEY = (
    "UPDATE $signing_keys SET state = ?, state_changed_at = ?,"
    " sealed_private = CASE WHEN ? THEN ? ELSE sealed_private END"
    " WHERE kid = ? AND state = ?"
)


def rotation_writes(decision: RotationDecision) -> list[tuple[str, Row]]:
    """The statements (templates and parameters) that carry out a rotation decision."""
    writes: list[tuple[str, Row]] = []
    if decision.session is not None:
        writes.append((_TOUCH_SESSION.sql, _TOUCH_SESSION.params(decision.session)))
    if decision.write_token is not None:
        writes.append((_SPEND_TOKEN.sql, _SPEND_TOKEN.params(decision.write_token)))
    if decision.insert is not None:
        writes.append((TOKENS.insert, TOKENS.to_row(decision.insert)))
    if decision.result.outcome is RotationOutcome.REUSED and decision.session is not None:
        # The family is revoked: its status bits and outbox row in the same transaction.
        writes.extend(session_end_writes(decision.session.sid, decision.session.revoked_at or 0))
    return writes


class SQLStore(SQLCounters, SQLReplay, SQLStatusLists):
    """Every port but ``create_session``, ``rotate_refresh_token`` and ``clear``, which
    each dialect's store adds."""

    # --- reading records --------------------------------------------------------------

    def _record(self, table: Table[R], where: str, params: Sequence[object]) -> R | None:
        found = self._read(f"{table.select} WHERE {where}", params)
        return table.from_row(found[0]) if found else None

    def _records(self, table: Table[R], rest: str, params: Sequence[object] = ()) -> list[R]:
        return [table.from_row(r) for r in self._read(f"{table.select} {rest}", params)]

    def _update(self, tx: Transaction, sql: str, params: Row, missing: str) -> None:
        if tx.run(sql, params) != 1:
            raise ConflictError(missing)

    # --- accounts -------------------------------------------------------------------

    def create_account(self, account: AccountRecord) -> None:
        self._execute(ACCOUNTS.insert, ACCOUNTS.to_row(account))

    def get_account(self, account_id: str) -> AccountRecord | None:
        return self._record(ACCOUNTS, "account_id = ?", (account_id,))

    def find_account_by_username(self, username: str) -> AccountRecord | None:
        return self._record(ACCOUNTS, "username = ?", (username,))

    def list_accounts(self) -> list[AccountRecord]:
        return self._records(ACCOUNTS, "ORDER BY username")

    def update_account(
        self,
        account: AccountRecord,
        *,
        revoke_sessions_at: float | None = None,
        revoke_reason: str = "account_changed",
    ) -> int:
        params = _UPDATE_ACCOUNT.params(account)

        def work(tx: Transaction) -> int:
            self._update(tx, _UPDATE_ACCOUNT.sql, params, "no such account")
            if revoke_sessions_at is None:
                return 0
            return self._revoke_account(tx, account.account_id, revoke_sessions_at, revoke_reason)

        return self._transaction(work)

    def delete_account(
        self, account_id: str, *, now: float, reason: str = "account_deleted"
    ) -> int | None:
        def work(tx: Transaction) -> int | None:
            if tx.one("SELECT 1 FROM $accounts WHERE account_id = ?", (account_id,)) is None:
                return None
            revoked = self._revoke_account(tx, account_id, now, reason)
            tx.run("DELETE FROM $accounts WHERE account_id = ?", (account_id,))
            return revoked

        return self._transaction(work)

    # --- sessions -------------------------------------------------------------------

    def get_session(self, sid: str) -> SessionRecord | None:
        return self._record(SESSIONS, "sid = ?", (sid,))

    def list_sessions(
        self, account_id: str, *, include_revoked: bool = False
    ) -> list[SessionRecord]:
        live = "" if include_revoked else " AND revoked_at IS NULL"
        return self._records(
            SESSIONS, f"WHERE account_id = ?{live} ORDER BY created_at, sid", (account_id,)
        )

    def find_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        return self._record(TOKENS, "token_hash = ?", (token_hash,))

    def revoke_session(self, sid: str, *, now: float, reason: str) -> bool:
        def work(tx: Transaction) -> bool:
            if tx.run(_REVOKE_SESSION, (now, reason, sid)) != 1:
                return False
            for template, params in session_end_writes(sid, now):
                tx.run(template, params)
            return True

        return self._transaction(work)

    @staticmethod
    def _revoke_account(tx: Transaction, account_id: str, now: float, reason: str) -> int:
        # The sessions first, then their status bits and outbox rows (``sql_status``:
        # after the UPDATE has waited for any rotation in flight, so its token is seen).
        revoked = tx.run(_REVOKE_ACCOUNT, (now, reason, account_id))
        for template, params in account_end_writes(account_id, now):
            tx.run(template, params)
        return revoked

    def revoke_account_sessions(self, account_id: str, *, now: float, reason: str) -> int:
        return self._transaction(lambda tx: self._revoke_account(tx, account_id, now, reason))

    def purge_sessions(self, *, before: float) -> int:
        return self._execute(_PURGE_SESSIONS, (before, before))

    # --- clients --------------------------------------------------------------------

    def create_client(self, client: ClientRecord) -> None:
        self._execute(CLIENTS.insert, CLIENTS.to_row(client))

    def get_client(self, client_id: str) -> ClientRecord | None:
        return self._record(CLIENTS, "client_id = ?", (client_id,))

    def list_clients(self) -> list[ClientRecord]:
        return self._records(CLIENTS, "ORDER BY client_id")

    def update_client(self, client: ClientRecord) -> None:
        params = _UPDATE_CLIENT.params(client)
        ends = client_end_writes(client.client_id) if client.disabled else []

        def work(tx: Transaction) -> None:
            self._update(tx, _UPDATE_CLIENT.sql, params, "no such client")
            for template, statement_params in ends:
                tx.run(template, statement_params)

        self._transaction(work)

    def delete_client(self, client_id: str, *, now: float) -> bool:
        ends = [*client_sessions_end_writes(client_id, now), *client_end_writes(client_id)]

        def work(tx: Transaction) -> bool:
            if tx.one("SELECT 1 FROM $clients WHERE client_id = ?", (client_id,)) is None:
                return False
            # The sessions first, then every entry (``sql_status``: so a rotation in
            # flight for one of them is waited for, and its new token is seen).
            tx.run(_REVOKE_CLIENT, (now, "client_deleted", client_id))
            for template, params in ends:
                tx.run(template, params)
            return tx.run("DELETE FROM $clients WHERE client_id = ?", (client_id,)) == 1

        return self._transaction(work)

    # --- signing keys ---------------------------------------------------------------

    def add_signing_key(self, key: SigningKeyRecord) -> None:
        self._execute(SIGNING_KEYS.insert, SIGNING_KEYS.to_row(key))

    def get_signing_key(self, kid: str) -> SigningKeyRecord | None:
        return self._record(SIGNING_KEYS, "kid = ?", (kid,))

    def list_signing_keys(self) -> list[SigningKeyRecord]:
        return self._records(SIGNING_KEYS, "ORDER BY created_at, kid")

    def apply_key_transitions(
        self, transitions: Sequence[KeyTransition], *, add: Sequence[SigningKeyRecord] = ()
    ) -> None:
        moves = [
            (t.to_state.value, t.at, t.to_state is KeyState.REMOVED, b"", t.kid, t.from_state.value)
            for t in transitions
        ]
        rows = [SIGNING_KEYS.to_row(key) for key in add]

        def work(tx: Transaction) -> None:
            for move in moves:
                self._update(tx, _MOVE_KEY, move, "signing key is not in the expected state")
            for row in rows:
                tx.run(SIGNING_KEYS.insert, row)

        self._transaction(work)
