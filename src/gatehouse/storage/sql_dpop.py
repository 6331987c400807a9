"""The DPoP replay cache (RFC 9449 §11.1) in SQL, written once for SQLite and PostgreSQL.

Several token-service instances on one database share it, so a proof replayed to
another instance is still refused. ``first_use`` is one ``INSERT … ON CONFLICT … DO
UPDATE … WHERE``: a new key is inserted, an expired one is taken over, a live one is
left alone; the row count says which, and the database's row lock decides a race (of
two concurrent uses exactly one writes). The table (migration 0002) holds only the
checker's fixed-size keys (``DPoPProof.replay_key``), never a proof.

Expired rows are purged in bounded batches: ``purge_replay`` deletes at most ``limit``
rows per call, and ``first_use`` runs one batch of ``PURGE_BATCH`` after a write whose
key ends in ``A`` (a replay key is 32 bytes of SHA-256 in base64url, whose last
character carries 4 bits: one write in 16, chosen without state or clock). Up to 64 rows
deleted per 16 rows written keeps the table near the live proofs of one window, without
a sweep on every request.
"""

from __future__ import annotations

import math

from gatehouse.storage.sql_seam import SQLSeam

__all__ = ["PURGE_BATCH", "SQLReplay"]

PURGE_BATCH = 64
"""Rows one opportunistic purge may delete (a purge is one indexed, bounded DELETE)."""

_FIRST_USE = (
    "INSERT INTO $dpop_replay AS r (key, expires_at) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at"
    " WHERE r.expires_at <= ?"
)
# The subquery bounds the delete in both dialects (neither takes DELETE … LIMIT portably).
_PURGE = (
    "DELETE FROM $dpop_replay WHERE key IN"
    " (SELECT key FROM $dpop_replay WHERE expires_at <= ? LIMIT ?)"
)


class SQLReplay(SQLSeam):
    """``gatehouse.dpop.ReplayCache`` over the ``dpop_replay`` table."""

    def first_use(self, key: str, *, expires_at: float, now: float) -> bool:
        if not (math.isfinite(expires_at) and math.isfinite(now)):
            raise ValueError("expires_at and now must be finite")
        # A cache write (``_execute_cache``): on PostgreSQL it skips the WAL flush wait.
        written = self._execute_cache(_FIRST_USE, (key, expires_at, now)) == 1
        if written and key.endswith("A"):
            self.purge_replay(now=now, limit=PURGE_BATCH)
        return written

    def purge_replay(self, *, now: float, limit: int = 10_000) -> int:
        """Delete up to ``limit`` entries that expired by ``now``; return how many."""
        return self._execute(_PURGE, (now, max(1, int(limit))))
