"""Token Status Lists and the revocation outbox for ``MemoryStore``.

A mixin over the store's one lock: the ``_end_*_locked`` hooks run inside the session
methods' critical section, which is the memory store's transaction, so a revocation and
its status bits are one step here too (the contract in ``storage.status_ports``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from gatehouse.errors import ConflictError
from gatehouse.storage.status_records import (
    ClaimOutcome,
    PendingDenial,
    StatusClaim,
    StatusEntryRecord,
    StatusListRecord,
)

__all__ = ["MemoryStatusLists"]


class MemoryStatusLists:
    """``StatusStore`` in process memory; the host store provides ``_lock``."""

    _lock: threading.Lock

    def _init_status_state(self) -> None:
        self._lists: dict[int, StatusListRecord] = {}
        self._entries: dict[tuple[int, int], StatusEntryRecord] = {}
        self._outbox: dict[tuple[str, str], PendingDenial] = {}

    # --- hooks the session methods call with the lock held ------------------------------

    def _flip_locked(self, match: Callable[[StatusEntryRecord], bool]) -> int:
        flipped = 0
        for key, entry in list(self._entries.items()):
            if entry.status == 0 and match(entry):
                self._entries[key] = dataclasses.replace(entry, status=1)
                lst = self._lists[entry.list_id]
                self._lists[entry.list_id] = dataclasses.replace(lst, version=lst.version + 1)
                flipped += 1
        return flipped

    def _deny_locked(self, kind: str, value: str, expires_at: float, now: float) -> None:
        old = self._outbox.get((kind, value))
        latest = max(expires_at, old.expires_at) if old else expires_at
        self._outbox[(kind, value)] = PendingDenial(kind, value, latest, now)

    def _end_session_locked(self, sid: str, now: float) -> None:
        self._flip_locked(lambda e: e.sid == sid)
        self._deny_locked("sid", sid, now, now)

    def _end_client_locked(self, client_id: str) -> None:
        self._flip_locked(lambda e: e.client_id == client_id)

    def _claim_locked(self, claim: StatusClaim) -> int | None:
        for idx in claim.candidates:
            outcome = self._claim_entry_locked(claim.entry(idx), claim.capacity)
            if outcome is ClaimOutcome.CLAIMED:
                return idx
            if outcome is ClaimOutcome.FULL:
                return None
        return None

    def _claim_entry_locked(self, entry: StatusEntryRecord, capacity: int) -> ClaimOutcome:
        lst = self._lists.get(entry.list_id)
        if lst is None or lst.retired_at is not None or lst.claimed >= capacity:
            return ClaimOutcome.FULL
        if (entry.list_id, entry.idx) in self._entries:
            return ClaimOutcome.TAKEN
        self._entries[(entry.list_id, entry.idx)] = entry
        self._lists[entry.list_id] = dataclasses.replace(
            lst, claimed=lst.claimed + 1, expires_at=max(lst.expires_at, entry.expires_at)
        )
        return ClaimOutcome.CLAIMED

    # --- the port -----------------------------------------------------------------------

    def open_status_list(self, *, size: int, now: float) -> StatusListRecord:
        with self._lock:
            list_id = max(self._lists, default=0) + 1
            if list_id in self._lists:  # pragma: no cover - one lock: cannot race
                raise ConflictError("status list number taken")
            record = StatusListRecord(list_id, size, 0, 0, now, now)
            self._lists[list_id] = record
            return record

    def usable_status_list(self, *, capacity: int) -> StatusListRecord | None:
        with self._lock:
            for list_id in sorted(self._lists):
                lst = self._lists[list_id]
                if lst.retired_at is None and lst.claimed < capacity:
                    return lst
            return None

    def get_status_list(self, list_id: int) -> StatusListRecord | None:
        with self._lock:
            return self._lists.get(list_id)

    def claim_status_index(self, entry: StatusEntryRecord, *, capacity: int) -> ClaimOutcome:
        with self._lock:
            return self._claim_entry_locked(entry, capacity)

    def claim_status_indices(self, claim: StatusClaim) -> int | None:
        with self._lock:
            return self._claim_locked(claim)

    def invalid_indices(self, list_id: int) -> list[int]:
        with self._lock:
            return sorted(i for (lid, i), e in self._entries.items() if lid == list_id and e.status)

    def revoke_access_token(self, jti: str, *, now: float, expires_at: float) -> bool:
        with self._lock:
            flipped = self._flip_locked(lambda e: e.jti == jti)
            self._deny_locked("jti", jti, expires_at, now)
            return flipped > 0

    def pending_denials(self, *, limit: int = 500) -> list[PendingDenial]:
        with self._lock:
            return sorted(self._outbox.values(), key=lambda d: d.created_at)[: max(1, limit)]

    def settle_denial(self, denial: PendingDenial) -> None:
        with self._lock:
            if self._outbox.get((denial.kind, denial.value)) == denial:
                del self._outbox[(denial.kind, denial.value)]

    def retire_status_lists(self, *, before: float, capacity: int) -> int:
        with self._lock:
            retired = 0
            for list_id, lst in list(self._lists.items()):
                if lst.retired_at is None and lst.claimed >= capacity and lst.expires_at < before:
                    self._lists[list_id] = dataclasses.replace(lst, retired_at=before)
                    retired += 1
            for key in [k for k in self._entries if self._lists[k[0]].retired_at is not None]:
                del self._entries[key]
            return retired
