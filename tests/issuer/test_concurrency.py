"""50 concurrent refreshes of one token, on SQLite and PostgreSQL: exactly one rotation.

And an outage in the middle of a refresh (a database that is locked, or does not answer
in time) is a typed 503-class error that spends nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from issuer_helpers import make_config, open_store

from backend_servers import POSTGRES_DSN
from gatehouse import ManualClock
from gatehouse.errors import GatehouseError, StorageUnavailableError
from gatehouse.issuer import KeyEncryptionKey, TokenPair, TokenService
from gatehouse.storage.ports import Stores

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", BACKENDS)
def test_fifty_concurrent_refreshes_rotate_exactly_once(kind: str, tmp_path: Path) -> None:
    """All 50 callers get the same successor (1 rotation + 49 grace); no crash, no fork."""
    clock = ManualClock()
    with open_store(kind, tmp_path) as store:
        service = TokenService(
            make_config(), Stores.single(store), KeyEncryptionKey.generate(), clock=clock
        )
        account = service.create_account("alice", "pw")
        pair = service.login("alice", "pw")
        barrier = threading.Barrier(50)
        results: list[TokenPair | GatehouseError] = []
        lock = threading.Lock()

        def worker() -> None:
            barrier.wait()
            try:
                outcome: TokenPair | GatehouseError = service.refresh(pair.refresh_token)
            except GatehouseError as exc:  # a clean typed error is acceptable; a crash is not
                outcome = exc
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=worker) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pairs = [r for r in results if isinstance(r, TokenPair)]
        errors = [r for r in results if not isinstance(r, TokenPair)]
        assert len(results) == 50
        assert errors == []
        assert len({p.refresh_token for p in pairs}) == 1
        successor = pairs[0].refresh_token
        sessions = store.list_sessions(account.account_id)
        assert len(sessions) == 1
        assert sessions[0].revoked_at is None
        # exactly one rotation: the successor is live and rotates on
        assert service.refresh(successor).refresh_token != successor


def test_sqlite_refresh_during_outage_fails_typed_and_spends_nothing(tmp_path: Path) -> None:
    """A locked database gives StorageUnavailableError; the token still works afterwards."""
    with open_store("sqlite", tmp_path, busy_timeout=0.0) as store:
        blocker = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
        try:
            service = TokenService(
                make_config(),
                Stores.single(store),
                KeyEncryptionKey.generate(),
                clock=ManualClock(),
            )
            service.create_account("alice", "pw")
            pair = service.login("alice", "pw")
            blocker.execute("BEGIN EXCLUSIVE")
            with pytest.raises(StorageUnavailableError) as caught:
                service.refresh(pair.refresh_token)
            assert caught.value.status == 503
            blocker.execute("ROLLBACK")
            assert service.refresh(pair.refresh_token).refresh_token != pair.refresh_token
        finally:
            blocker.close()


@pytest.mark.postgres
def test_postgres_refresh_behind_a_held_row_lock_times_out_and_spends_nothing(
    tmp_path: Path,
) -> None:
    """Another transaction holding the session row: lock_timeout -> 503-class error,
    the token is not spent and works once the lock is released."""
    import psycopg

    with open_store("postgres", tmp_path, lock_timeout=0.2) as store:
        service = TokenService(
            make_config(), Stores.single(store), KeyEncryptionKey.generate(), clock=ManualClock()
        )
        account = service.create_account("alice", "pw")
        pair = service.login("alice", "pw")
        (session,) = store.list_sessions(account.account_id)
        with psycopg.connect(POSTGRES_DSN) as blocker:
            blocker.execute(
                f"SELECT 1 FROM {store.schema}.sessions WHERE sid = %s FOR UPDATE",
                (session.sid,),
            )
            with pytest.raises(StorageUnavailableError) as caught:
                service.refresh(pair.refresh_token)
            assert caught.value.status == 503
            blocker.rollback()
        assert store.get_session(session.sid) == session
        assert service.refresh(pair.refresh_token).refresh_token != pair.refresh_token
