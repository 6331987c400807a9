"""A login flood is bounded (issue 16 §2): one hash at a time, a short queue, 503 beyond it,
and refresh, JWKS and /health answer while every hashing place is taken."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, ISSUER

from gatehouse import ManualClock
from gatehouse.errors import LoginBusyError
from gatehouse.issuer import (
    FAST_TEST_PROFILE,
    IssuerConfig,
    KeyEncryptionKey,
    PasswordHasher,
    ThrottlePolicy,
    TokenService,
)
from gatehouse.issuer.hashing_pool import HashingPool
from gatehouse.service.app import create_app
from gatehouse.service.settings import HttpSettings
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores

WAIT = 10.0
GOOD = "correct horse battery"
LOOSE = ThrottlePolicy(free_failures=500, lockout_failures=1000)


class _GatedArgon2:
    """Stands in for argon2's hasher inside the pool's slot: holds verify at a gate."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)

    def verify(self, stored: str, password: str) -> bool:
        self.entered.release()
        self.gate.wait(WAIT)
        return bool(self._real.verify(stored, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_flood_beyond_the_queue_is_refused_while_other_endpoints_answer() -> None:
    """1 hashing + 2 on the spare login threads, no queue: the next 3 logins get 503 with
    Retry-After at once, while refresh, JWKS and /health answer 200; then the held ones
    finish."""
    pool = HashingPool(1, 2)
    hasher = PasswordHasher(FAST_TEST_PROFILE, pool=pool)
    config = IssuerConfig(
        issuer=ISSUER,
        default_audience=API,
        audiences=frozenset({API}),
        password_profile=FAST_TEST_PROFILE,
        account_throttle=LOOSE,
        address_throttle=LOOSE,
    )
    store = MemoryStore()
    svc = TokenService(
        config,
        Stores.single(store),
        KeyEncryptionKey.generate(),
        clock=ManualClock(),
        hasher=hasher,
    )
    svc.bootstrap()
    svc.create_account("alice", GOOD)
    refresh = svc.login("alice", GOOD).refresh_token
    gated = _GatedArgon2(hasher._ph)
    hasher._ph = gated  # type: ignore[assignment]
    app = create_app(svc, HttpSettings(hashing_workers=1, hashing_queue=0), ping=lambda: None)
    with run_asgi_in_thread(app) as url, ThreadPoolExecutor(8) as threads:
        http = httpx.Client(base_url=url, timeout=WAIT * 2)
        try:

            def guess(_: int) -> httpx.Response:
                with httpx.Client(base_url=url, timeout=WAIT * 2) as own:
                    return own.post("/login", json={"username": "alice", "password": "wrong"})

            held = [threads.submit(guess, 0)]
            assert gated.entered.acquire(timeout=WAIT)  # the one worker is hashing
            held += [threads.submit(guess, i) for i in (1, 2)]
            assert pool.wait_queued(2, WAIT)  # both queued in the pool
            refused = [guess(i) for i in range(3)]
            assert [r.status_code for r in refused] == [503] * 3
            assert {r.json()["error"] for r in refused} == {"temporarily_unavailable"}
            assert all(r.headers["retry-after"] == "1" for r in refused)
            assert http.get("/health").status_code == 200
            assert http.get("/.well-known/jwks.json").status_code == 200
            renewed = http.post(
                "/token", data={"grant_type": "refresh_token", "refresh_token": refresh}
            )
            assert renewed.status_code == 200, renewed.text
            gated.gate.set()
            assert [f.result(WAIT).status_code for f in held] == [400] * 3
        finally:
            gated.gate.set()
            http.close()
    store.close()


def test_pool_refuses_beyond_its_queue_and_admits_in_turn() -> None:
    """With every place taken and the queue full, a slot is refused at once."""
    pool = HashingPool(1, 1, retry_after=2)
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pool.slot():
            inside.set()
            release.wait(WAIT)

    with ThreadPoolExecutor(2) as threads:
        first = threads.submit(hold)
        assert inside.wait(WAIT)
        second = threads.submit(lambda: pool.slot().__enter__())
        assert pool.wait_queued(1, WAIT)
        with pytest.raises(LoginBusyError) as caught, pool.slot():
            pass
        assert (caught.value.status, caught.value.retry_after) == (503, 2)
        release.set()
        first.result(WAIT)
        second.result(WAIT)
