"""Redis down (issue 16 §4): logins keep working and stay throttled on the main store's
counters, and /health says the service is degraded, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
from server import run_asgi_in_thread
from service_helpers import PASSWORD
from service_stack import make_stack

from backend_servers import free_port
from gatehouse.service.app import create_app


def test_logins_fall_back_to_the_main_store_counters(tmp_path: Path) -> None:
    """Nothing at redis_url: login 200, guesses end in 429, logout's 503 names no internals,
    /health degraded."""
    stack = make_stack(tmp_path, GATEHOUSE_STORAGE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    try:
        stores = stack.stores
        app = create_app(
            stack.service, stack.settings.http, ping=stores.ping, degraded=stores.degraded
        )
        with run_asgi_in_thread(app) as url, httpx.Client(base_url=url) as http:
            ok = http.post("/login", json={"username": "alice", "password": PASSWORD})
            assert ok.status_code == 200, ok.text
            answers = [
                http.post("/login", json={"username": "alice", "password": "wrong"}).status_code
                for _ in range(12)
            ]
            assert 400 in answers
            assert answers[-1] == 429  # still throttled, on the main store's counters
            assert stack.stores.stores.throttle.degraded  # type: ignore[attr-defined]
            access = ok.json()["access_token"]
            out = http.post("/logout", json={}, headers={"Authorization": f"Bearer {access}"})
            # The deny-list half of the outage: said plainly, internals only in the log.
            assert out.status_code == 503
            text = out.json()["error_description"]
            assert text == "The service is temporarily unavailable; retry after 5 seconds."
            assert out.headers["retry-after"] == "5"
            health = http.get("/health")
            assert health.status_code == 200
            assert health.json() == {"status": "degraded", "storage": "up", "down": ["redis"]}
    finally:
        stack.stores.close()


def test_fallback_retries_redis_after_its_interval() -> None:
    """After Redis fails the fallback serves for retry_after seconds; then Redis is tried again."""
    from gatehouse import ManualClock
    from gatehouse.storage.memory import MemoryStore
    from gatehouse.storage.redis_counters import RedisCounters
    from gatehouse.storage.throttle_fallback import FallbackThrottle

    clock = ManualClock()
    redis = RedisCounters(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    main = MemoryStore()
    throttle = FallbackThrottle(redis, main, clock=clock, retry_after=5)
    assert not throttle.degraded
    assert throttle.register_failure("acct:a", now=0, window=60) == 1
    assert throttle.degraded
    assert main.register_failure("acct:a", now=0, window=60) == 2  # it counted in main
    clock.advance(5)
    assert not throttle.degraded  # Redis gets its next chance
    assert throttle.register_failure("acct:a", now=1, window=60) == 3
    assert throttle.degraded
    redis.close()
