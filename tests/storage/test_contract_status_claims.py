"""StatusStore contract for claims made inside the session's transaction (issue 11
follow-up): create_session and rotate_refresh_token claim the access token's index with
the session change, and claim_status_indices claims apart (every ``store`` backend)."""

from __future__ import annotations

import threading
from typing import Any

from storage_samples import NOW, digest, rotation, session, token

from gatehouse.storage.records import RotationOutcome
from gatehouse.storage.status_records import StatusClaim, StatusEntryRecord

CAP = 4


def claim(list_id: int, *candidates: int, sid: str | None = None, jti: str = "j") -> StatusClaim:
    return StatusClaim(list_id, candidates, CAP, jti, sid, "acct", "web", NOW + 300)


def _entry_of(store: Any, list_id: int, idx: int) -> None:
    taken = StatusEntryRecord(list_id, idx, f"held-{idx}", None, None, "web", NOW + 10)
    store.claim_status_index(taken, capacity=CAP)


def test_create_session_claims_the_first_free_candidate(store: Any) -> None:
    """create_session skips a taken candidate, claims the next one for the session, counts it."""
    lst = store.open_status_list(size=64, now=NOW)
    _entry_of(store, lst.list_id, 7)
    s = session("acct")
    idx = store.create_session(s, token(s.sid), status=claim(lst.list_id, 7, 3, 5, sid=s.sid))
    assert idx == 3
    assert store.get_status_list(lst.list_id).claimed == 2
    assert store.get_status_list(lst.list_id).expires_at == NOW + 300
    assert store.revoke_session(s.sid, now=NOW + 1, reason="logout")
    assert store.invalid_indices(lst.list_id) == [3]


def test_create_session_in_a_full_list_claims_nothing_but_stores_the_session(store: Any) -> None:
    """A full (or unknown) list: None, nothing claimed, the session and token stored."""
    lst = store.open_status_list(size=64, now=NOW)
    for idx in range(CAP):
        _entry_of(store, lst.list_id, idx)
    s = session("acct")
    assert store.create_session(s, token(s.sid, "first"), status=claim(lst.list_id, 9)) is None
    assert store.get_status_list(lst.list_id).claimed == CAP
    assert store.get_session(s.sid) is not None
    assert store.find_refresh_token(digest("first")) is not None
    other = session("acct")
    assert store.create_session(other, token(other.sid), status=claim(99, 1)) is None


def test_rotation_claims_for_rotated_and_grace_only(store: Any) -> None:
    """ROTATED and GRACE claim the index with the rotation; REUSED and UNKNOWN claim none."""
    lst = store.open_status_list(size=64, now=NOW)
    s = session("acct")
    store.create_session(s, token(s.sid, "r0"))
    rotated = store.rotate_refresh_token(
        rotation(digest("r0"), "r1", NOW + 1, status=claim(lst.list_id, 11, sid=s.sid, jti="a"))
    )
    assert (rotated.outcome, rotated.status_idx) == (RotationOutcome.ROTATED, 11)
    grace = store.rotate_refresh_token(
        rotation(digest("r0"), "r1b", NOW + 2, status=claim(lst.list_id, 11, 12, jti="b"))
    )
    assert (grace.outcome, grace.status_idx) == (RotationOutcome.GRACE, 12)
    unknown = store.rotate_refresh_token(
        rotation(digest("nope"), "x", NOW + 3, status=claim(lst.list_id, 13))
    )
    assert (unknown.outcome, unknown.status_idx) == (RotationOutcome.UNKNOWN, None)
    reused = store.rotate_refresh_token(
        rotation(digest("r0"), "r2", NOW + 60, status=claim(lst.list_id, 14, sid=s.sid))
    )
    assert (reused.outcome, reused.status_idx) == (RotationOutcome.REUSED, None)
    assert store.get_status_list(lst.list_id).claimed == 2
    assert store.invalid_indices(lst.list_id) == [11]  # the family's token, flipped on reuse


def test_claim_status_indices_claims_apart(store: Any) -> None:
    """claim_status_indices: the first free candidate, or None once the list is full."""
    lst = store.open_status_list(size=64, now=NOW)
    _entry_of(store, lst.list_id, 1)
    assert store.claim_status_indices(claim(lst.list_id, 1, 2, jti="x")) == 2
    assert store.claim_status_indices(claim(lst.list_id, 1, 2)) is None
    assert store.claim_status_indices(claim(lst.list_id, 3, jti="y")) == 3
    assert store.claim_status_indices(claim(lst.list_id, 4, jti="z")) == 4
    assert store.claim_status_indices(claim(lst.list_id, 5, jti="w")) is None  # full at CAP
    assert store.get_status_list(lst.list_id).claimed == CAP


def test_concurrent_rotations_claim_distinct_indices(store: Any) -> None:
    """16 concurrent rotations of one token: one ROTATED, each claimed index distinct, counted."""
    lst = store.open_status_list(size=1 << 12, now=NOW)
    s = session("acct")
    store.create_session(s, token(s.sid, "c0"))
    results: list[Any] = []
    gate = threading.Barrier(16)

    def rotate(n: int) -> None:
        wide = StatusClaim(lst.list_id, (n % 4, 100 + n), 1 << 11, f"j{n}", s.sid, "a", "w", NOW)
        gate.wait()
        results.append(
            store.rotate_refresh_token(rotation(digest("c0"), f"next{n}", NOW + 1, status=wide))
        )

    threads = [threading.Thread(target=rotate, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 16  # every rotation answered; none raised in its thread
    outcomes = [r.outcome for r in results]
    assert outcomes.count(RotationOutcome.ROTATED) == 1
    assert set(outcomes) <= {RotationOutcome.ROTATED, RotationOutcome.GRACE}
    claimed = [r.status_idx for r in results if r.status_idx is not None]
    assert len(claimed) == len(set(claimed))
    assert store.get_status_list(lst.list_id).claimed == len(claimed)
