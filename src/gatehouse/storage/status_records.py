"""Records of Token Status Lists (draft-ietf-oauth-status-list) and the revocation outbox.

A list (``StatusListRecord``) is a numbered array of ``size`` one-bit entries; a token's
entry (``StatusEntryRecord``) remembers which session, account and client it was issued
under, so ending any of them finds the bits to set. Bits only ever go from VALID (0) to
INVALID (1) (draft §7.1), so a list's content is fixed by its ``version``, which every
flip bumps in the same transaction. ``PendingDenial`` is an outbox row: a deny-list entry
committed with the revocation, mirrored to the deny-list store after commit.
"""

from __future__ import annotations

import enum

from gatehouse._record import record

__all__ = [
    "ClaimOutcome",
    "PendingDenial",
    "StatusClaim",
    "StatusEntryRecord",
    "StatusListRecord",
]


@record
class StatusListRecord:
    """One list; ``list_id`` is never reused, a retired list keeps its row."""

    list_id: int
    size: int
    claimed: int
    version: int
    created_at: float
    expires_at: float  # the latest exp of any token claimed in it
    retired_at: float | None = None


@record
class StatusEntryRecord:
    """One claimed index: the token (``jti``) and what it was issued under."""

    list_id: int
    idx: int
    jti: str
    sid: str | None
    account_id: str | None
    client_id: str | None
    expires_at: float
    status: int = 0


@record
class StatusClaim:
    """An index to claim for one access token INSIDE the transaction that mints it (the
    session's creation or its refresh rotation), so a token costs no commit of its own.

    ``candidates`` are random draws from ``list_id`` (draft §12.3), tried in order: the
    first one free is claimed, if the list is unretired with fewer than ``capacity``
    claims. None of them free (or the list full) claims nothing; the issuer then claims
    in a transaction of its own (``StatusStore.claim_status_indices``)."""

    list_id: int
    candidates: tuple[int, ...]
    capacity: int
    jti: str
    sid: str | None
    account_id: str | None
    client_id: str | None
    expires_at: float

    def entry(self, idx: int) -> StatusEntryRecord:
        """The entry this claim stores at ``idx``."""
        return StatusEntryRecord(
            self.list_id, idx, self.jti, self.sid, self.account_id, self.client_id, self.expires_at
        )


@record
class PendingDenial:
    """A committed deny-list entry not yet mirrored. ``expires_at`` is the latest ``exp``
    known of the tokens it covers (for a ``sid``: the revocation time; the issuer adds its
    access-token lifetime); ``created_at`` is when the revocation committed."""

    kind: str  # "jti" or "sid", as DenyKind values
    value: str
    expires_at: float
    created_at: float


class ClaimOutcome(enum.Enum):
    """What ``claim_status_index`` did: claimed it, found it taken, or found the list
    full (or retired): the issuer then draws again or opens a new list."""

    CLAIMED = "claimed"
    TAKEN = "taken"
    FULL = "full"
