"""An idle PostgreSQL pool whose every connection died recovers at the first request
(issue 16 §3): after ``pg_terminate_backend`` of each pooled backend, and after a real
``pg_ctl restart -m fast`` of an instance the test starts itself (initdb on a free port
in a temp dir, as the postgres OS user when run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from backend_servers import POSTGRES_DSN, postgres_backend, unavailable

pytestmark = pytest.mark.postgres
POOL = 4


def _fill_pool(store: Any) -> None:
    """Open every pooled connection: POOL transactions held at once by a barrier."""
    barrier = threading.Barrier(POOL)

    def hold(_: int) -> None:
        def work(tx: Any) -> None:
            tx.one("SELECT 1")
            barrier.wait(10)

        store._transaction(work)

    with ThreadPoolExecutor(POOL) as pool:
        list(pool.map(hold, range(POOL)))
    assert store._pool.get_stats()["pool_size"] == POOL


def _run(*argv: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*prefix, *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnPostgres:
    """A PostgreSQL instance of this test's own: started, restarted, stopped."""

    def __init__(self, bindir: str, root: Path) -> None:
        self.bindir, self.data, self.port = bindir, root / "data", _free_port()
        self.options = f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1"
        self.log = str(root / "log")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        _run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-o", self.options, "-w", *args)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        unavailable("PostgreSQL binaries", "no /usr/lib/postgresql/*/bin/initdb")
    bindir = os.path.dirname(found[-1])
    root = Path(tempfile.mkdtemp(prefix="gh-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = OwnPostgres(bindir, root)
    try:
        _run(f"{bindir}/initdb", "-D", str(server.data), "-A", "trust", "-U", "postgres")
        server.pg_ctl("-l", server.log, "start")
        yield server
    finally:
        try:
            server.pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # never started
        shutil.rmtree(root, ignore_errors=True)


def test_restart_while_idle_costs_no_request(own_postgres: OwnPostgres) -> None:
    """After pg_ctl restart -m fast of an idle instance, the next requests all succeed."""
    from gatehouse.storage.postgres import PostgresStore

    store = PostgresStore(own_postgres.url, schema="gh_restart", pool_size=POOL)
    try:
        _fill_pool(store)
        own_postgres.pg_ctl("-m", "fast", "restart")
        for _ in range(3):
            store.ping()
            assert store.get_account("nobody") is None
    finally:
        store.close()


def test_terminated_backends_while_idle_cost_no_request() -> None:
    """pg_terminate_backend of every pooled connection: the next requests all succeed."""
    import psycopg

    with postgres_backend(None, pool_size=POOL) as store:
        _fill_pool(store)
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            killed = admin.execute(
                # The timeout (ms) makes each call wait until its backend has exited.
                "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (f"gatehouse:{store.schema}"[:63],),
            ).fetchone()
        assert killed is not None
        assert killed[0] == POOL
        for _ in range(3):
            store.ping()
            assert store.get_account("nobody") is None
