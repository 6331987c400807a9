"""A burst of concurrent guesses over HTTP reaches argon2 only as often as allowed (issue 16 §1).

Each test holds the admitted guesses inside the hash (a gate the test opens) while a
second burst, released together by a barrier, arrives: every one of those must be
refused at once with 429 and ``Retry-After``, the right password among them too, and
the hash must have been called exactly the allowed number of times. Run on every
counter store: memory, SQLite, PostgreSQL, and Redis beside SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, ISSUER

from backend_servers import postgres_backend, redis_backend
from gatehouse import ManualClock
from gatehouse.issuer import (
    FAST_TEST_PROFILE,
    IssuerConfig,
    KeyEncryptionKey,
    PasswordHasher,
    ThrottlePolicy,
    TokenService,
)
from gatehouse.service.app import create_app
from gatehouse.service.settings import HttpSettings
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore

ALLOWED = 6  # free_failures + 1: the first locked attempt still reaches the hash
TIGHT = ThrottlePolicy(free_failures=ALLOWED - 1, lockout_failures=20)
LOOSE = ThrottlePolicy(free_failures=500, lockout_failures=1000)
BURST = 24
GOOD = "correct horse battery"
WAIT = 10.0  # only a broken throttle waits this long


class GatedHasher(PasswordHasher):
    """Counts verifications and holds each one until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(FAST_TEST_PROFILE)
        self.calls = 0
        self._cond = threading.Condition()
        self.gate = threading.Event()

    def verify(self, stored_hash: str, password: str) -> bool:
        with self._cond:
            self.calls += 1
            self._cond.notify_all()
        self.gate.wait(WAIT)
        return super().verify(stored_hash, password)

    def wait_for_calls(self, n: int) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.calls >= n, WAIT)


@contextmanager
def _stores(kind: str, tmp_path: Path) -> Iterator[Stores]:
    if kind == "postgres":
        with postgres_backend(None) as pg:
            yield Stores.single(pg)
        return
    if kind == "redis":
        with redis_backend(None) as rc:
            main = SQLiteStore(tmp_path / "g.db", clock=ManualClock())
            try:
                yield Stores.single(main, deny_list=rc, throttle=rc)
            finally:
                main.close()
        return
    store: Any = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "g.db")
    try:
        yield Stores.single(store)
    finally:
        store.close()


STORES = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
]


@contextmanager
def _served(kind: str, tmp_path: Path, *, per: str) -> Iterator[tuple[str, GatedHasher]]:
    hasher = GatedHasher()
    config = IssuerConfig(
        issuer=ISSUER,
        default_audience=API,
        audiences=frozenset({API}),
        password_profile=FAST_TEST_PROFILE,
        account_throttle=TIGHT if per == "account" else LOOSE,
        address_throttle=TIGHT if per == "address" else LOOSE,
    )
    with _stores(kind, tmp_path) as stores:
        clock = ManualClock(wall=1_700_000_000.0)
        svc = TokenService(config, stores, KeyEncryptionKey.generate(), clock=clock, hasher=hasher)
        svc.bootstrap()
        hasher.gate.set()  # creating alice hashes, which is not a login
        svc.create_account("alice", GOOD)
        hasher.calls = 0
        hasher.gate.clear()
        # Enough login threads for every admitted guess to be held in the hash at once:
        # the worst case for the throttle (the hashing pool is tested on its own).
        http = HttpSettings(hashing_workers=ALLOWED)
        with run_asgi_in_thread(create_app(svc, http, ping=lambda: None)) as url:
            try:
                yield url, hasher
            finally:
                hasher.gate.set()


def _post_all(url: str, bodies: list[dict[str, str]]) -> list[httpx.Response]:
    """POST every body at once: each thread waits at a barrier, then sends."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, str]) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=WAIT * 2) as http:
            barrier.wait(WAIT)
            return http.post("/login", json=body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def _burst(url: str, hasher: GatedHasher, first: list[str], rest: list[str]) -> None:
    """The first ALLOWED guesses are held in the hash while the rest arrive together."""
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(_post_all, url, [{"username": u, "password": "wrong"} for u in first])
        assert hasher.wait_for_calls(ALLOWED), hasher.calls
        later = [{"username": u, "password": "wrong"} for u in rest]
        later[len(later) // 2]["password"] = GOOD
        later[len(later) // 2]["username"] = "alice"
        refused = _post_all(url, later)
        hasher.gate.set()
        admitted = held.result(WAIT * 3)
    assert [r.status_code for r in admitted] == [400] * ALLOWED
    assert [r.status_code for r in refused] == [429] * len(rest), [r.text for r in refused][:3]
    assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert hasher.calls == ALLOWED


@pytest.mark.parametrize("kind", STORES)
def test_account_burst_reaches_the_hash_only_as_allowed(kind: str, tmp_path: Path) -> None:
    """24 concurrent guesses at one account: 6 are hashed, 18 get 429 (the right one too)."""
    with _served(kind, tmp_path, per="account") as (url, hasher):
        _burst(url, hasher, ["alice"] * ALLOWED, ["alice"] * (BURST - ALLOWED))


@pytest.mark.parametrize("kind", STORES)
def test_address_burst_reaches_the_hash_only_as_allowed(kind: str, tmp_path: Path) -> None:
    """24 concurrent guesses at many accounts from one address: 6 are hashed, 18 get 429."""
    with _served(kind, tmp_path, per="address") as (url, hasher):
        names = [f"user{i}" for i in range(BURST)]
        _burst(url, hasher, names[:ALLOWED], names[ALLOWED:])
