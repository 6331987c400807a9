"""Contract: deleting an account or a client (issue 10 §4), on every full adapter.

Both are cascades in one transaction: the live sessions are revoked first (status bits
INVALID, outbox rows, as a revocation does), then the row goes."""

from __future__ import annotations

from typing import Any

from storage_samples import NOW, account, client, digest, rotation, session, token

from gatehouse.storage.records import RotationOutcome
from gatehouse.storage.status_records import StatusEntryRecord


def _entry(list_id: int, idx: int, **changes: Any) -> StatusEntryRecord:
    fields: dict[str, Any] = {
        "list_id": list_id,
        "idx": idx,
        "jti": f"jti-{idx}",
        "sid": None,
        "account_id": None,
        "client_id": None,
        "expires_at": NOW + 300,
    }
    fields.update(changes)
    return StatusEntryRecord(**fields)


def test_deleting_an_account_revokes_its_sessions_then_removes_it(store: Any) -> None:
    """delete_account revokes every live session (bits, outbox) and removes the row."""
    a, other = account("ann"), account("bob")
    store.create_account(a)
    store.create_account(other)
    lst = store.open_status_list(size=64, now=NOW)
    mine = [session(a.account_id) for _ in range(2)]
    theirs = session(other.account_id)
    for n, s in enumerate([*mine, theirs]):
        store.create_session(s, token(s.sid, f"t{n}"))
        store.claim_status_index(_entry(lst.list_id, n, sid=s.sid), capacity=8)
    assert store.delete_account(a.account_id, now=NOW + 1) == 2
    assert store.get_account(a.account_id) is None
    assert store.find_account_by_username("ann") is None
    assert store.list_accounts() == [other]
    assert store.invalid_indices(lst.list_id) == [0, 1]
    assert {d.value for d in store.pending_denials()} == {s.sid for s in mine}
    gone = store.get_session(mine[0].sid)
    assert (gone.revoked_at, gone.revoke_reason) == (NOW + 1, "account_deleted")
    assert store.get_session(theirs.sid).revoked_at is None


def test_a_deleted_accounts_refresh_token_reads_revoked(store: Any) -> None:
    """After delete_account, the account's refresh token rotates to REVOKED, not UNKNOWN."""
    a = account()
    store.create_account(a)
    s = session(a.account_id)
    store.create_session(s, token(s.sid, "r0"))
    store.delete_account(a.account_id, now=NOW)
    assert store.rotate_refresh_token(rotation(digest("r0"), "r1", NOW + 1)).outcome is (
        RotationOutcome.REVOKED
    )


def test_deleting_a_missing_account_is_none_and_changes_nothing(store: Any) -> None:
    """An unknown account id: None, every other account kept."""
    a = account()
    store.create_account(a)
    assert store.delete_account("nope", now=NOW) is None
    assert store.list_accounts() == [a]


def test_a_deleted_username_can_be_taken_again(store: Any) -> None:
    """Once deleted, the username and email are free for a new account."""
    a = account("ann", email="ann@example.org")
    store.create_account(a)
    store.delete_account(a.account_id, now=NOW)
    again = account("ann", email="ann@example.org")
    store.create_account(again)
    assert store.find_account_by_username("ann") == again


def test_deleting_a_client_cascades_to_its_tokens_and_sessions(store: Any) -> None:
    """delete_client sets its entries INVALID, revokes its sessions, and removes the row."""
    c, kept = client("web"), client("other")
    store.create_client(c)
    store.create_client(kept)
    a = account()
    store.create_account(a)
    lst = store.open_status_list(size=64, now=NOW)
    via, elsewhere = session(a.account_id, client_id="web"), session(a.account_id, client_id=None)
    store.create_session(via, token(via.sid, "v0"))
    store.create_session(elsewhere, token(elsewhere.sid, "e0"))
    store.claim_status_index(_entry(lst.list_id, 1, client_id="web"), capacity=8)
    store.claim_status_index(_entry(lst.list_id, 2, sid=via.sid), capacity=8)
    store.claim_status_index(_entry(lst.list_id, 3, client_id="other"), capacity=8)
    store.claim_status_index(_entry(lst.list_id, 4, sid=elsewhere.sid), capacity=8)
    assert store.delete_client("web", now=NOW + 1) is True
    assert store.get_client("web") is None
    assert store.list_clients() == [kept]
    assert store.invalid_indices(lst.list_id) == [1, 2]
    assert [d.value for d in store.pending_denials()] == [via.sid]
    assert store.get_session(via.sid).revoke_reason == "client_deleted"
    assert store.get_session(elsewhere.sid).revoked_at is None


def test_deleting_a_missing_client_is_false_and_changes_nothing(store: Any) -> None:
    """An unknown client id: False, nothing revoked."""
    store.create_client(client("web"))
    assert store.delete_client("ghost", now=NOW) is False
    assert [c.client_id for c in store.list_clients()] == ["web"]
