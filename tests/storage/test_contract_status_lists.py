"""StatusStore contract: claims, lists, retirement, and revocations that set status bits
in the same transaction as the session change (every ``store`` backend)."""

from __future__ import annotations

import threading
from typing import Any

from storage_samples import NOW, account, client, digest, rotation, session, token

from gatehouse.storage.ports import Stores
from gatehouse.storage.status_records import ClaimOutcome, PendingDenial, StatusEntryRecord

CAP = 4


def entry(list_id: int, idx: int, **changes: Any) -> StatusEntryRecord:
    fields: dict[str, Any] = {
        "list_id": list_id,
        "idx": idx,
        "jti": f"jti-{list_id}-{idx}",
        "sid": None,
        "account_id": None,
        "client_id": "web",
        "expires_at": NOW + 300,
    }
    fields.update(changes)
    return StatusEntryRecord(**fields)


def test_single_bundles_the_status_port(store: Any) -> None:
    """Stores.single gives the main store as the status port."""
    assert Stores.single(store).status is store


def test_lists_are_numbered_upwards(store: Any) -> None:
    """Each opened list gets the next number, starting at 1, with nothing claimed."""
    first = store.open_status_list(size=64, now=NOW)
    second = store.open_status_list(size=64, now=NOW)
    assert (first.list_id, second.list_id) == (1, 2)
    got = store.get_status_list(1)
    assert (got.size, got.claimed, got.version, got.retired_at) == (64, 0, 0, None)
    assert store.get_status_list(99) is None


def test_claim_taken_and_full(store: Any) -> None:
    """An index is claimed once; a list at capacity claims nothing more."""
    lst = store.open_status_list(size=64, now=NOW)
    assert store.claim_status_index(entry(lst.list_id, 5), capacity=CAP) is ClaimOutcome.CLAIMED
    again = store.claim_status_index(entry(lst.list_id, 5, jti="other"), capacity=CAP)
    assert again is ClaimOutcome.TAKEN
    for idx in (6, 7, 8):
        store.claim_status_index(entry(lst.list_id, idx, expires_at=NOW + idx), capacity=CAP)
    assert store.claim_status_index(entry(lst.list_id, 9), capacity=CAP) is ClaimOutcome.FULL
    got = store.get_status_list(lst.list_id)
    assert (got.claimed, got.expires_at) == (4, NOW + 300)
    assert store.usable_status_list(capacity=CAP) is None
    assert store.claim_status_index(entry(77, 1), capacity=CAP) is ClaimOutcome.FULL


def test_usable_list_is_the_oldest_with_room(store: Any) -> None:
    """Allocation fills the oldest unretired list with room first."""
    one = store.open_status_list(size=64, now=NOW)
    store.open_status_list(size=64, now=NOW)
    assert store.usable_status_list(capacity=CAP).list_id == one.list_id


def test_concurrent_claims_of_one_index_claim_it_once(store: Any) -> None:
    """Eight threads claiming one index: exactly one CLAIMED, the rest TAKEN."""
    lst = store.open_status_list(size=64, now=NOW)
    results: list[ClaimOutcome] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        barrier.wait()
        results.append(store.claim_status_index(entry(lst.list_id, 3, jti=f"j{n}"), capacity=32))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.value for r in results) == ["claimed"] + ["taken"] * 7
    assert store.get_status_list(lst.list_id).claimed == 1


def test_revoke_session_sets_its_bits_and_outbox(store: Any) -> None:
    """Revoking a session sets its entries INVALID, bumps the list and records a sid denial."""
    a = account()
    s = session(a.account_id)
    store.create_session(s, token(s.sid))
    lst = store.open_status_list(size=64, now=NOW)
    store.claim_status_index(entry(lst.list_id, 1, sid=s.sid), capacity=CAP)
    store.claim_status_index(entry(lst.list_id, 2, sid="someone-else"), capacity=CAP)
    assert store.revoke_session(s.sid, now=NOW + 5, reason="logout")
    assert store.invalid_indices(lst.list_id) == [1]
    assert store.get_status_list(lst.list_id).version == 1
    assert store.pending_denials() == [PendingDenial("sid", s.sid, NOW + 5, NOW + 5)]
    assert not store.revoke_session(s.sid, now=NOW + 6, reason="logout")
    assert store.get_status_list(lst.list_id).version == 1


def test_account_revocations_set_every_session_bit(store: Any) -> None:
    """revoke_account_sessions and update_account(revoke_sessions_at) set the account's bits."""
    a = account()
    store.create_account(a)
    lst = store.open_status_list(size=64, now=NOW)
    sessions = [session(a.account_id) for _ in range(3)]
    for n, s in enumerate(sessions):
        store.create_session(s, token(s.sid))
        store.claim_status_index(entry(lst.list_id, n, sid=s.sid), capacity=8)
    store.revoke_session(sessions[0].sid, now=NOW, reason="logout")
    assert store.revoke_account_sessions(a.account_id, now=NOW + 1, reason="all") == 2
    assert store.invalid_indices(lst.list_id) == [0, 1, 2]
    assert {d.value for d in store.pending_denials()} == {s.sid for s in sessions}
    b = account()
    store.create_account(b)
    s = session(b.account_id)
    store.create_session(s, token(s.sid))
    store.claim_status_index(entry(lst.list_id, 9, sid=s.sid), capacity=8)
    assert store.update_account(b, revoke_sessions_at=NOW + 2, revoke_reason="disabled") == 1
    assert 9 in store.invalid_indices(lst.list_id)


def test_detected_reuse_sets_the_family_bits(store: Any) -> None:
    """A rotation that detects reuse sets the session's bits in the same step."""
    s = session("acct-r")
    store.create_session(s, token(s.sid, "r0"))
    lst = store.open_status_list(size=64, now=NOW)
    store.claim_status_index(entry(lst.list_id, 4, sid=s.sid), capacity=CAP)
    store.rotate_refresh_token(rotation(digest("r0"), "r1", NOW + 1))
    store.rotate_refresh_token(rotation(digest("r1"), "r2", NOW + 2))
    assert store.invalid_indices(lst.list_id) == []
    store.rotate_refresh_token(rotation(digest("r0"), "r3", NOW + 100))  # reuse
    assert store.invalid_indices(lst.list_id) == [4]
    assert [d.kind for d in store.pending_denials()] == ["sid"]


def test_disabled_client_sets_its_bits(store: Any) -> None:
    """Updating a client to disabled sets the entries issued to it; enabling does not."""
    c = client()
    store.create_client(c)
    lst = store.open_status_list(size=64, now=NOW)
    store.claim_status_index(entry(lst.list_id, 1, client_id=c.client_id), capacity=CAP)
    store.claim_status_index(entry(lst.list_id, 2, client_id="other"), capacity=CAP)
    store.update_client(c)
    assert store.invalid_indices(lst.list_id) == []
    store.update_client(client(c.client_id, disabled=True))
    assert store.invalid_indices(lst.list_id) == [1]


def test_revoke_access_token_and_settle(store: Any) -> None:
    """An access token's bit is set once; its denial waits in the outbox until settled."""
    lst = store.open_status_list(size=64, now=NOW)
    store.claim_status_index(entry(lst.list_id, 7, jti="tok"), capacity=CAP)
    assert store.revoke_access_token("tok", now=NOW, expires_at=NOW + 300)
    assert not store.revoke_access_token("tok", now=NOW + 1, expires_at=NOW + 300)
    assert store.invalid_indices(lst.list_id) == [7]
    (pending,) = store.pending_denials()
    assert (pending.kind, pending.value, pending.expires_at) == ("jti", "tok", NOW + 300)
    store.settle_denial(PendingDenial("jti", "tok", NOW + 300, NOW - 50))  # stale copy
    assert store.pending_denials() == [pending]
    store.settle_denial(pending)
    assert store.pending_denials() == []


def test_retired_lists_drop_entries_and_keep_their_number(store: Any) -> None:
    """A full list whose tokens all expired is retired, its entries go, its id is not reused."""
    lst = store.open_status_list(size=64, now=NOW)
    for idx in range(CAP):
        store.claim_status_index(entry(lst.list_id, idx, jti=f"x{idx}"), capacity=CAP)
    store.revoke_access_token("x1", now=NOW, expires_at=NOW + 300)
    open_list = store.open_status_list(size=64, now=NOW)
    assert store.retire_status_lists(before=NOW + 300, capacity=CAP) == 0  # not yet expired
    assert store.retire_status_lists(before=NOW + 301, capacity=CAP) == 1
    assert store.get_status_list(lst.list_id).retired_at == NOW + 301
    assert store.get_status_list(open_list.list_id).retired_at is None  # not full
    assert store.invalid_indices(lst.list_id) == []
    assert store.claim_status_index(entry(lst.list_id, 60), capacity=100) is ClaimOutcome.FULL
    assert store.open_status_list(size=64, now=NOW).list_id == 3
