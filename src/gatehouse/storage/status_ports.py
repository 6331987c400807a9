"""The storage port for Token Status Lists and the revocation outbox.

It lives in the main store (memory, SQLite, PostgreSQL), beside the sessions, because a
revocation must set its status bits in the SAME transaction as the session change
(issue 11: nothing half-written). So the rule is part of the session port's existing
methods as well: in every adapter, whatever revokes a session (``revoke_session``,
``revoke_account_sessions``, ``update_account(revoke_sessions_at=…)``, a rotation that
detects reuse) also, in its own transaction, sets the status of the session's entries to
INVALID (1), bumps the ``version`` of each list holding one, and records a ``sid``
``PendingDenial`` (the outbox) for the deny-list mirror. ``update_client`` with a
disabled client sets the entries issued to that client. The contract suite
(``tests/storage/test_contract_status_lists.py``) pins all of it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gatehouse.storage.status_records import (
    ClaimOutcome,
    PendingDenial,
    StatusClaim,
    StatusEntryRecord,
    StatusListRecord,
)

__all__ = ["StatusStore"]


@runtime_checkable
class StatusStore(Protocol):
    def open_status_list(self, *, size: int, now: float) -> StatusListRecord:
        """A new list numbered one above every list ever opened (ids are never reused);
        ``ConflictError`` if another instance opened that number first."""
        ...

    def usable_status_list(self, *, capacity: int) -> StatusListRecord | None:
        """The oldest unretired list with fewer than ``capacity`` claimed indices."""
        ...

    def get_status_list(self, list_id: int) -> StatusListRecord | None: ...

    def claim_status_index(self, entry: StatusEntryRecord, *, capacity: int) -> ClaimOutcome:
        """Claim ``(entry.list_id, entry.idx)`` atomically: CLAIMED (the entry is stored,
        the list's ``claimed`` counts it and its ``expires_at`` covers the entry's), TAKEN
        (the index is held, nothing written) or FULL (the list has ``capacity`` claims or
        is retired, nothing written). Concurrent claims of one index: exactly one CLAIMED."""
        ...

    def claim_status_indices(self, claim: StatusClaim) -> int | None:
        """Claim the first free of ``claim.candidates`` in a transaction of its own (on
        PostgreSQL one autocommit statement); the index, or None if the list is full or
        retired or every candidate is taken. A session's tokens are claimed inside the
        session's own transaction instead (``create_session``, ``rotate_refresh_token``)."""
        ...

    def invalid_indices(self, list_id: int) -> list[int]:
        """The indices of the list whose status is INVALID, ascending."""
        ...

    def revoke_access_token(self, jti: str, *, now: float, expires_at: float) -> bool:
        """Set the token's entry INVALID (bumping its list's version) and record a ``jti``
        ``PendingDenial`` until ``expires_at``, in one transaction; True unless the token
        was already revoked (a token without an entry still gets its outbox row)."""
        ...

    def pending_denials(self, *, limit: int = 500) -> list[PendingDenial]:
        """Outbox rows not yet mirrored, oldest first."""
        ...

    def settle_denial(self, denial: PendingDenial) -> None:
        """Drop the outbox row once mirrored (only if it still holds ``denial``'s values:
        a newer revocation of the same key waits for the next drain)."""
        ...

    def retire_status_lists(self, *, before: float, capacity: int) -> int:
        """Retire full lists whose every token expired before ``before`` and delete their
        entries; return how many lists. Housekeeping: a retired id is never served or
        reused."""
        ...
