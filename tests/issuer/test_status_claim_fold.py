"""A session's access token claims its status index in the session's own transaction
(issue 11 follow-up): no commit of its own at login or refresh, and a full list still
gets every token an index (claimed apart, in the next list)."""

from __future__ import annotations

from pathlib import Path

from issuer_helpers import ISSUER, make_config

from gatehouse import ManualClock
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.jose import decode_unverified
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore
from gatehouse.storage.status_records import StatusClaim


def _ref(token: str) -> dict[str, object]:
    ref: dict[str, object] = decode_unverified(token)[1]["status"]["status_list"]
    return ref


def _idx(token: str) -> int:
    return int(str(_ref(token)["idx"]))


def _transactions(statements: list[str]) -> list[str]:
    """The write transactions traced, each as its statements joined."""
    found: list[str] = []
    for text in statements:
        if text.startswith("BEGIN"):
            found.append("")
        elif found:
            found[-1] += text + "\n"
    return found


def test_sqlite_claims_ride_in_the_session_transaction(tmp_path: Path) -> None:
    """On SQLite the status claim of a login and of a refresh is in the transaction that
    creates or rotates the session: no write transaction of its own."""
    clock = ManualClock(wall=1_700_000_000.0)
    store = SQLiteStore(tmp_path / "g.db", clock=clock)
    try:
        kek = KeyEncryptionKey.generate()
        service = TokenService(make_config(), Stores.single(store), kek, clock=clock)
        service.bootstrap()
        service.create_account("alice", "correct horse")
        service.login("alice", "correct horse")  # opens list 1 (a commit of its own, once)
        statements: list[str] = []
        store._conn().set_trace_callback(statements.append)
        pair = service.login("alice", "correct horse")
        clock.advance(1)
        fresh = service.refresh(pair.refresh_token)
        store._conn().set_trace_callback(None)
        claiming = [t for t in _transactions(statements) if "status_entries" in t]
        assert len(claiming) == 2
        assert "INSERT INTO sessions" in claiming[0]
        assert "UPDATE refresh_tokens SET spent_at" in claiming[1]
        assert getattr(store.get_status_list(1), "claimed", None) == 3
        service.logout(refresh_token=fresh.refresh_token)
        assert store.invalid_indices(1) == sorted(
            [_idx(pair.access_token), _idx(fresh.access_token)]
        )
    finally:
        store.close()


def test_full_list_tokens_are_claimed_in_the_next_list(
    stores: Stores, kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """Once list 1 is full, a login's and a refresh's tokens get indices in list 2."""
    service = TokenService(
        make_config(), stores, kek, clock=clock, status_lists=StatusListConfig(list_size=1024)
    )
    service.bootstrap()
    service.create_account("alice", "correct horse")
    first = service.login("alice", "correct horse")
    assert _ref(first.access_token)["uri"] == f"{ISSUER}/statuslists/1"
    status = stores.status
    assert status is not None
    for idx in range(1024):  # fill list 1 to its capacity (half: 512 claims)
        if status.get_status_list(1).claimed >= 512:  # type: ignore[union-attr]
            break
        status.claim_status_indices(
            StatusClaim(1, (idx,), 512, f"fill-{idx}", None, None, "web", clock.time() + 60)
        )
    pair = service.login("alice", "correct horse")
    clock.advance(1)
    fresh = service.refresh(first.refresh_token)
    assert _ref(pair.access_token)["uri"] == f"{ISSUER}/statuslists/2"
    assert _ref(fresh.access_token)["uri"] == f"{ISSUER}/statuslists/2"
    assert _idx(pair.access_token) != _idx(fresh.access_token)
    assert status.get_status_list(2).claimed == 2  # type: ignore[union-attr]
