"""Status-list allocation shared by several issuer instances on one PostgreSQL (and SQLite):
no index is handed out twice, lists open once each, claims are counted exactly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from issuer_helpers import make_config, open_store

from backend_servers import POSTGRES_DSN
from gatehouse import ManualClock
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.storage.ports import Stores
from gatehouse.storage.postgres import PostgresStore
from gatehouse.storage.sqlite import SQLiteStore

CLAIMS = 150
THREADS = 4


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """Two adapters over one database, as two issuer instances would hold them."""
    with open_store(request.param, tmp_path) as first:
        if request.param == "postgres":
            second = PostgresStore(POSTGRES_DSN, schema=first.schema, pool_size=4)
        else:
            second = SQLiteStore(tmp_path / "g.db")
        try:
            yield first, second
        finally:
            second.close()


def test_instances_never_claim_one_index_twice(two_stores: tuple[Any, Any]) -> None:
    """Two services × four threads × 150 claims: unique (list, idx), exact counts."""
    clock = ManualClock()
    kek = KeyEncryptionKey.generate()
    services = [
        TokenService(
            make_config(),
            Stores.single(store),
            kek,
            clock=clock,
            status_lists=StatusListConfig(list_size=1024),
        )
        for store in two_stores
    ]
    services[0].bootstrap()
    claimed: list[tuple[str, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2 * THREADS)

    def work(service: TokenService, n: int) -> None:
        barrier.wait()
        for k in range(CLAIMS):
            ref = service._status.claim(  # type: ignore[union-attr]
                jti=f"{n}-{k}", sid=None, account_id=None, client_id="c", expires_at=1e10
            )["status_list"]
            with lock:
                claimed.append((ref["uri"], ref["idx"]))

    threads = [threading.Thread(target=work, args=(services[n % 2], n)) for n in range(2 * THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 2 * THREADS * CLAIMS
    assert len(set(claimed)) == len(claimed)
    store = two_stores[0]
    numbers = sorted({int(uri.rsplit("/", 1)[1]) for uri, _ in claimed})
    assert numbers == list(range(1, len(numbers) + 1))
    for number in numbers:
        record = store.get_status_list(number)
        in_list = sum(1 for uri, _ in claimed if uri.endswith(f"/{number}"))
        assert record.claimed == in_list
        assert in_list <= 512 + 2 * THREADS  # full at half; a race may overshoot by a claim each
