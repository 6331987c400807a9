"""Contract: AccountStore, on every full adapter."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from storage_samples import NOW, account, session, token

from gatehouse.errors import ConflictError
from gatehouse.storage.ports import AccountStore, FullStore


def test_adapter_satisfies_every_port(store: Any) -> None:
    """Each full adapter structurally implements every storage Protocol."""
    assert isinstance(store, FullStore)
    assert isinstance(store, AccountStore)
    store.ping()


def test_account_round_trips_every_field(store: Any) -> None:
    """An inserted account reads back equal, by id and by username."""
    a = account(email="ann@example.org", disabled=True, roles=("b", "a"))
    store.create_account(a)
    assert store.get_account(a.account_id) == a
    assert store.find_account_by_username(a.username) == a
    assert store.list_accounts() == [a]


def test_missing_account_is_none(store: Any) -> None:
    """Unknown ids and usernames return None, not an error."""
    assert store.get_account("nope") is None
    assert store.find_account_by_username("nobody") is None


@pytest.mark.parametrize("field", ["account_id", "username", "email"])
def test_duplicate_account_conflicts_and_changes_nothing(store: Any, field: str) -> None:
    """A duplicate id, username or email raises ConflictError and inserts nothing."""
    first = account(email="dup@example.org")
    store.create_account(first)
    second = dataclasses.replace(
        account(email="other@example.org"), **{field: getattr(first, field)}
    )
    with pytest.raises(ConflictError):
        store.create_account(second)
    assert store.list_accounts() == [first]


def test_accounts_listed_by_username(store: Any) -> None:
    """list_accounts orders by username."""
    b, a = account("bob"), account("alice")
    store.create_account(b)
    store.create_account(a)
    assert [x.username for x in store.list_accounts()] == ["alice", "bob"]


def test_update_replaces_row(store: Any) -> None:
    """update_account stores the new values and revokes nothing by default."""
    a = account()
    store.create_account(a)
    s = session(a.account_id)
    store.create_session(s, token(s.sid))
    changed = dataclasses.replace(a, password_hash="new", roles=("x",), updated_at=NOW + 1)
    assert store.update_account(changed) == 0
    assert store.get_account(a.account_id) == changed
    assert store.get_session(s.sid) == s


def test_update_with_revocation_revokes_live_sessions_only(store: Any) -> None:
    """revoke_sessions_at revokes every live session of the account in the same call."""
    a, other = account(), account()
    store.create_account(a)
    store.create_account(other)
    s1, s2, s3 = session(a.account_id), session(a.account_id), session(other.account_id)
    for s in (s1, s2, s3):
        store.create_session(s, token(s.sid))
    store.revoke_session(s2.sid, now=NOW + 1, reason="logout")
    n = store.update_account(a, revoke_sessions_at=NOW + 5, revoke_reason="password_changed")
    assert n == 1
    got = store.get_session(s1.sid)
    assert (got.revoked_at, got.revoke_reason) == (NOW + 5, "password_changed")
    assert store.get_session(s2.sid).revoke_reason == "logout"
    assert store.get_session(s3.sid).revoked_at is None


def test_update_unknown_account_conflicts(store: Any) -> None:
    """Updating a missing account raises ConflictError and creates nothing."""
    with pytest.raises(ConflictError):
        store.update_account(account())
    assert store.list_accounts() == []


def test_update_to_taken_username_conflicts_and_keeps_sessions(store: Any) -> None:
    """A rename onto a taken username fails without revoking the account's sessions."""
    a, b = account(), account()
    store.create_account(a)
    store.create_account(b)
    s = session(a.account_id)
    store.create_session(s, token(s.sid))
    with pytest.raises(ConflictError):
        store.update_account(dataclasses.replace(a, username=b.username), revoke_sessions_at=NOW)
    assert store.get_account(a.account_id) == a
    assert store.get_session(s.sid).revoked_at is None
