"""Token Status Lists and the revocation outbox in SQL, written once for both dialects.

Allocation (draft-ietf-oauth-status-list §12.2-§12.3: random indices, never allocated
twice): ``claim_status_index`` is one ``INSERT … SELECT … WHERE EXISTS (room in the list)
ON CONFLICT (list_id, idx) DO NOTHING``; the primary key decides a race between issuer
instances (exactly one row is written), and the claim is counted in the same
transaction. A list number is ``MAX(list_id) + 1`` under the same key, so two instances
opening a list at once get one list and one ``ConflictError``, and a retired number
(its row stays) is never handed out again. A session's access token is claimed INSIDE
the transaction that creates or rotates the session (``claim_in`` on SQLite; on
PostgreSQL ``CLAIM_CTES`` joins that one statement), so a token costs no commit of its
own; ``claim_status_indices`` claims apart (client credentials, or no free candidate).
Which index a token gets is untouched by how claims are counted: each is still drawn at
random from the whole list (draft §12.4-§12.5: non-sequential indices among decoys) and
claimed once (§13.3: no double allocation). The count is exact, but on PostgreSQL it is
kept in per-backend slots rather than in the list's row (migration 0005), so concurrent
refreshes do not queue on that row's lock.

Revocation: the statements that set a session's (or account's, or client's) entries
INVALID, bump their lists' versions and record the outbox row are built here
(``session_end_writes`` …) and run by ``sql_store`` inside the transaction that changes
the session, so a failure leaves neither half. In PostgreSQL's one-statement rotation
they become data-modifying CTEs, which all read the snapshot from before the statement:
the version bump still sees the entries the flip changes.
"""

from __future__ import annotations

from gatehouse.storage.sql_seam import Row, SQLSeam, Transaction
from gatehouse.storage.sql_tables import OUTBOX, STATUS_ENTRIES, STATUS_LISTS
from gatehouse.storage.status_records import (
    ClaimOutcome,
    PendingDenial,
    StatusClaim,
    StatusEntryRecord,
    StatusListRecord,
)

__all__ = [
    "CLAIMED_IDX",
    "CLAIM_CTES",
    "SQLStatusLists",
    "account_end_writes",
    "claim_cte_params",
    "claim_in",
    "client_end_writes",
    "client_sessions_end_writes",
    "session_end_writes",
]

Writes = list[tuple[str, Row]]

_BUMP = (
    "UPDATE $status_lists SET version = version + 1 WHERE list_id IN"
    " (SELECT list_id FROM $status_entries WHERE status = 0 AND {where})"
)
_FLIP = "UPDATE $status_entries SET status = 1 WHERE status = 0 AND {where}"
_UPSERT_DENIAL = (
    " ON CONFLICT (kind, value) DO UPDATE SET"
    " expires_at = GREATEST(o.expires_at, excluded.expires_at), created_at = excluded.created_at"
)
_OUTBOX_ONE = (
    "INSERT INTO $revocation_outbox AS o (kind, value, expires_at, created_at)"
    " VALUES (?, ?, ?, ?)" + _UPSERT_DENIAL
)
# The sessions of an owner that the statement before revoked at ``now``. Those writes
# come AFTER the sessions' UPDATE, not before: that UPDATE waits for the row lock of any
# rotation in flight (its lock statement holds ``FOR UPDATE OF s``), and under READ
# COMMITTED each later statement takes a fresh snapshot, so the status entry that
# rotation claimed for its new access token is in it and turns INVALID too. Written
# first, from a snapshot before that rotation's commit, they left its token VALID
# though every token of a revoked session is to read INVALID.
_REVOKED_AT = "FROM $sessions WHERE {owner} = ? AND revoked_at = ?"
_OUTBOX_REVOKED = (
    "INSERT INTO $revocation_outbox AS o (kind, value, expires_at, created_at)"
    f" SELECT 'sid', sid, ?, ? {_REVOKED_AT}" + _UPSERT_DENIAL  # WHERE before ON: SQLite's upsert
)
_OUTBOX_ACCOUNT = _OUTBOX_REVOKED.format(owner="account_id")
_OUTBOX_CLIENT = _OUTBOX_REVOKED.format(owner="client_id")
_BY_SID = "sid = ?"
_BY_JTI = "jti = ?"
_BY_CLIENT = "client_id = ?"
_BY_ACCOUNT = f"sid IN (SELECT sid {_REVOKED_AT.format(owner='account_id')})"
_BY_CLIENT_SESSIONS = f"sid IN (SELECT sid {_REVOKED_AT.format(owner='client_id')})"

# A list's claims: those counted in its own row (SQLite's, and claims apart) plus those
# counted in its slots (PostgreSQL's claims in a session's transaction, ``CLAIM_CTES``:
# migration 0005 says why). Both read with the list's row as ``l``.
_SLOTS = "FROM $status_claim_counts n WHERE n.list_id = l.list_id"
_CLAIMED = f"(l.claimed + COALESCE((SELECT SUM(n.claimed) {_SLOTS}), 0))"
_LATEST = f"GREATEST(l.expires_at, COALESCE((SELECT MAX(n.expires_at) {_SLOTS}), l.expires_at))"
_COUNTED = {"claimed": _CLAIMED, "expires_at": _LATEST}
_SELECT_LIST = (
    f"SELECT {', '.join(_COUNTED.get(n, f'l.{n}') for n in STATUS_LISTS.names)}"
    " FROM $status_lists l"
)
_HAS_ROOM = f"l.list_id = ? AND l.retired_at IS NULL AND {_CLAIMED} < ?"

_OPEN = (
    "INSERT INTO $status_lists (list_id, size, claimed, version, created_at, expires_at)"
    " SELECT COALESCE(MAX(list_id), 0) + 1, ?, 0, 0, ?, ? FROM $status_lists RETURNING list_id"
)
_CLAIM = (
    f"INSERT INTO $status_entries ({STATUS_ENTRIES.columns})"
    f" SELECT {', '.join('?' * len(STATUS_ENTRIES.names))}"
    f" WHERE EXISTS (SELECT 1 FROM $status_lists l WHERE {_HAS_ROOM})"
    " ON CONFLICT (list_id, idx) DO NOTHING"
)
_COUNT_CLAIM = (
    "UPDATE $status_lists SET claimed = claimed + 1, expires_at = GREATEST(expires_at, ?)"
    " WHERE list_id = ?"
)
# PostgreSQL only (data-modifying CTEs): a claim as part of ONE statement, so the
# session insert or the rotation writes and the claim commit together, in the round
# trip they already cost. The candidates travel as one array; the first one not in the
# statement's snapshot is inserted (ON CONFLICT DO NOTHING covers one claimed
# concurrently: then nothing, and the issuer claims on its own); ``k`` counts the claim
# only if ``c`` inserted it, in this backend's slot (``pg_backend_pid() % 64``), not in
# the list's row: a backend runs one transaction at a time, so concurrent claims almost
# never wait for each other's COMMIT on one counter row (migration 0005). All CTEs share
# one snapshot, which is why the NOT EXISTS and the room check read the state from before
# this statement.
CLAIM_CTES = (
    "c AS (INSERT INTO $status_entries"
    " (list_id, idx, jti, sid, account_id, client_id, expires_at, status)"
    " SELECT ?, u.idx, ?, ?, ?, ?, ?, 0 FROM unnest(?::bigint[]) WITH ORDINALITY AS u(idx, n)"
    f" WHERE EXISTS (SELECT 1 FROM $status_lists l WHERE {_HAS_ROOM})"
    " AND NOT EXISTS (SELECT 1 FROM $status_entries e WHERE e.list_id = ? AND e.idx = u.idx)"
    " ORDER BY u.n LIMIT 1 ON CONFLICT (list_id, idx) DO NOTHING RETURNING idx),"
    " k AS (INSERT INTO $status_claim_counts AS s (list_id, slot, claimed, expires_at)"
    " SELECT ?, pg_backend_pid() % 64, 1, ? FROM c ON CONFLICT (list_id, slot) DO UPDATE"
    " SET claimed = s.claimed + 1, expires_at = GREATEST(s.expires_at, excluded.expires_at))"
)
CLAIMED_IDX = "SELECT idx FROM c"
_ROOM = f"SELECT 1 FROM $status_lists l WHERE {_HAS_ROOM}"
# The range on list_id (one value) steers SQLite's planner, which has no statistics, to
# the partial index of set bits (migration 0004) instead of the primary key, which
# would walk every claimed entry of the list.
_INVALID = "SELECT idx FROM $status_entries WHERE status = 1 AND list_id BETWEEN ? AND ?"
_RETIRE = (
    "UPDATE $status_lists SET retired_at = ? WHERE list_id IN (SELECT l.list_id"
    f" FROM $status_lists l WHERE l.retired_at IS NULL AND {_CLAIMED} >= ? AND {_LATEST} < ?)"
)
_DROP_RETIRED = (
    "DELETE FROM $status_entries WHERE list_id IN"
    " (SELECT list_id FROM $status_lists WHERE retired_at IS NOT NULL)"
)
_SETTLE = (
    "DELETE FROM $revocation_outbox"
    " WHERE kind = ? AND value = ? AND expires_at = ? AND created_at = ?"
)


def _end(where: str, *params: object) -> Writes:
    return [(_BUMP.format(where=where), params), (_FLIP.format(where=where), params)]


def claim_cte_params(claim: StatusClaim) -> Row:
    """The parameters of ``CLAIM_CTES``, in its placeholders' order."""
    lid = claim.list_id
    return (
        *(lid, claim.jti, claim.sid, claim.account_id, claim.client_id, claim.expires_at),
        *(list(claim.candidates), lid, claim.capacity, lid, lid, claim.expires_at),
    )


def claim_in(tx: Transaction, claim: StatusClaim) -> int | None:
    """Claim the first free candidate inside ``tx`` (SQLite's ``BEGIN IMMEDIATE`` holds
    the write lock, so each try is an in-process statement, no round trip); the index,
    or None when the list is full or every candidate is taken."""
    for idx in claim.candidates:
        params = (*STATUS_ENTRIES.to_row(claim.entry(idx)), claim.list_id, claim.capacity)
        if tx.run(_CLAIM, params) == 1:
            tx.run(_COUNT_CLAIM, (claim.expires_at, claim.list_id))
            return idx
        if tx.one(_ROOM, (claim.list_id, claim.capacity)) is None:
            return None  # full or retired: no candidate can succeed
    return None


def session_end_writes(sid: str, now: float) -> Writes:
    """After a session's revocation: its entries INVALID, its outbox row."""
    return [*_end(_BY_SID, sid), (_OUTBOX_ONE, ("sid", sid, now, now))]


def account_end_writes(account_id: str, now: float) -> Writes:
    """AFTER the account's live sessions were revoked at ``now``, in that transaction:
    their entries INVALID, their outbox rows."""
    return [*_end(_BY_ACCOUNT, account_id, now), (_OUTBOX_ACCOUNT, (now, now, account_id, now))]


def client_end_writes(client_id: str) -> Writes:
    """A disabled client: every entry issued to it INVALID."""
    return _end(_BY_CLIENT, client_id)


def client_sessions_end_writes(client_id: str, now: float) -> Writes:
    """AFTER a deleted client's live sessions were revoked at ``now``, in that
    transaction: their entries INVALID, their outbox rows."""
    return [
        *_end(_BY_CLIENT_SESSIONS, client_id, now),
        (_OUTBOX_CLIENT, (now, now, client_id, now)),
    ]


class SQLStatusLists(SQLSeam):
    """``storage.status_ports.StatusStore`` over the tables of migration 0003."""

    def open_status_list(self, *, size: int, now: float) -> StatusListRecord:
        rows = self._execute_returning(_OPEN, (size, now, now))
        return StatusListRecord(int(rows[0][0]), size, 0, 0, now, now)

    def usable_status_list(self, *, capacity: int) -> StatusListRecord | None:
        rest = f"WHERE l.retired_at IS NULL AND {_CLAIMED} < ? ORDER BY l.list_id LIMIT 1"
        found = self._read(f"{_SELECT_LIST} {rest}", (capacity,))
        return STATUS_LISTS.from_row(found[0]) if found else None

    def get_status_list(self, list_id: int) -> StatusListRecord | None:
        found = self._read(f"{_SELECT_LIST} WHERE l.list_id = ?", (list_id,))
        return STATUS_LISTS.from_row(found[0]) if found else None

    def claim_status_index(self, entry: StatusEntryRecord, *, capacity: int) -> ClaimOutcome:
        params = (*STATUS_ENTRIES.to_row(entry), entry.list_id, capacity)

        def work(tx: Transaction) -> ClaimOutcome:
            if tx.run(_CLAIM, params) == 1:
                tx.run(_COUNT_CLAIM, (entry.expires_at, entry.list_id))
                return ClaimOutcome.CLAIMED
            if tx.one(_ROOM, (entry.list_id, capacity)) is None:
                return ClaimOutcome.FULL
            return ClaimOutcome.TAKEN

        return self._transaction(work)

    def claim_status_indices(self, claim: StatusClaim) -> int | None:
        """A claim in a transaction of its own (a client-credentials token, or a claim
        that found no free candidate inside its session's transaction)."""
        return self._transaction(lambda tx: claim_in(tx, claim))

    def invalid_indices(self, list_id: int) -> list[int]:
        return sorted(int(row[0]) for row in self._read(_INVALID, (list_id, list_id)))

    def revoke_access_token(self, jti: str, *, now: float, expires_at: float) -> bool:
        writes = [*_end(_BY_JTI, jti), (_OUTBOX_ONE, ("jti", jti, expires_at, now))]

        def work(tx: Transaction) -> bool:
            changed = [tx.run(template, params) for template, params in writes]
            return changed[1] > 0

        return self._transaction(work)

    def pending_denials(self, *, limit: int = 500) -> list[PendingDenial]:
        found = self._read(f"{OUTBOX.select} ORDER BY created_at LIMIT ?", (max(1, limit),))
        return [OUTBOX.from_row(row) for row in found]

    def settle_denial(self, denial: PendingDenial) -> None:
        self._execute(_SETTLE, OUTBOX.to_row(denial))

    def retire_status_lists(self, *, before: float, capacity: int) -> int:
        def work(tx: Transaction) -> int:
            retired = tx.run(_RETIRE, (before, capacity, before))
            if retired:
                tx.run(_DROP_RETIRED)
            return retired

        return self._transaction(work)
