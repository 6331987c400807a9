"""Contract: ClientStore and SigningKeyStore, on every full adapter."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from storage_samples import NOW, client, signing_key

from gatehouse.errors import ConflictError
from gatehouse.storage.records import KeyState, KeyTransition


def test_client_round_trip_and_listing(store: Any) -> None:
    """Clients read back equal and list in client_id order; public clients have no hash."""
    b, a = client("b-svc"), client("a-web", secret_hash=None, grant_types=frozenset())
    store.create_client(b)
    store.create_client(a)
    assert store.get_client("b-svc") == b
    assert store.list_clients() == [a, b]
    assert store.get_client("nope") is None


def test_duplicate_client_conflicts(store: Any) -> None:
    """A taken client_id raises ConflictError and keeps the original."""
    c = client("svc")
    store.create_client(c)
    with pytest.raises(ConflictError):
        store.create_client(client("svc", name="impostor"))
    assert store.get_client("svc") == c


def test_client_update_and_delete(store: Any) -> None:
    """update_client replaces; updating a missing client conflicts; delete reports."""
    c = client("svc")
    store.create_client(c)
    changed = dataclasses.replace(c, disabled=True, allowed_scopes=frozenset({"a", "b"}))
    store.update_client(changed)
    assert store.get_client("svc") == changed
    with pytest.raises(ConflictError):
        store.update_client(client("ghost"))
    assert store.get_client("ghost") is None
    assert store.delete_client("svc", now=NOW) is True
    assert store.delete_client("svc", now=NOW) is False


def test_signing_keys_round_trip_in_creation_order(store: Any) -> None:
    """Keys read back equal, listed by created_at; a duplicate kid conflicts."""
    late, early = signing_key(created_at=NOW + 5), signing_key(KeyState.ACTIVE)
    store.add_signing_key(late)
    store.add_signing_key(early)
    assert store.list_signing_keys() == [early, late]
    assert store.get_signing_key(late.kid) == late
    assert store.get_signing_key("nope") is None
    with pytest.raises(ConflictError):
        store.add_signing_key(late)


def test_rotation_transitions_apply_together(store: Any) -> None:
    """Transitions and additions happen in one step; REMOVED erases the sealed key."""
    nxt, act, ret = signing_key(), signing_key(KeyState.ACTIVE), signing_key(KeyState.RETIRED)
    for k in (nxt, act, ret):
        store.add_signing_key(k)
    newer = signing_key(created_at=NOW + 9)
    store.apply_key_transitions(
        [
            KeyTransition(nxt.kid, KeyState.NEXT, KeyState.ACTIVE, NOW + 9),
            KeyTransition(act.kid, KeyState.ACTIVE, KeyState.RETIRED, NOW + 9),
            KeyTransition(ret.kid, KeyState.RETIRED, KeyState.REMOVED, NOW + 9),
        ],
        add=[newer],
    )
    got = {k.kid: k for k in store.list_signing_keys()}
    assert got[nxt.kid].state is KeyState.ACTIVE
    assert got[nxt.kid].sealed_private == nxt.sealed_private
    assert got[act.kid].state is KeyState.RETIRED
    assert got[act.kid].state_changed_at == NOW + 9
    assert (got[ret.kid].state, got[ret.kid].sealed_private) == (KeyState.REMOVED, b"")
    assert got[newer.kid] == newer


def test_stale_transition_conflicts_and_writes_nothing(store: Any) -> None:
    """One transition from the wrong state aborts them all, additions included."""
    nxt, act = signing_key(), signing_key(KeyState.ACTIVE)
    store.add_signing_key(nxt)
    store.add_signing_key(act)
    before = store.list_signing_keys()
    with pytest.raises(ConflictError):
        store.apply_key_transitions(
            [
                KeyTransition(nxt.kid, KeyState.NEXT, KeyState.ACTIVE, NOW + 1),
                KeyTransition(act.kid, KeyState.NEXT, KeyState.RETIRED, NOW + 1),
            ],
            add=[signing_key()],
        )
    assert store.list_signing_keys() == before


def test_transition_of_unknown_kid_conflicts(store: Any) -> None:
    """A transition naming a missing key raises ConflictError."""
    with pytest.raises(ConflictError):
        store.apply_key_transitions([KeyTransition("ghost", KeyState.NEXT, KeyState.ACTIVE, NOW)])
    assert store.list_signing_keys() == []
