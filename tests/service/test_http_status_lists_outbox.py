"""A revocation is never half done across two stores (issue 11, last section).

Measured before: ``/logout`` while Redis (the deny-list) was down answered 503 with the
session already revoked in the main store and no deny entry, and a retry answered
``{"revoked": 0}`` and wrote nothing. Now the status bit and an outbox row commit with the
session; the Redis mirror is written from the outbox after commit, by the retry, and at
start. Redis "down" is a token service whose ``redis_url`` names a closed port; "back" is
one over the same main store with the real Redis (so no shared service is stopped).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import PASSWORD
from service_stack import make_stack, service_environ

from backend_servers import REDIS_URL, free_port, redis_down, unavailable
from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.jose import decode_unverified
from gatehouse.jose.status_list import decode_status_list
from gatehouse.service.app import create_app
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.settings import load_settings
from gatehouse.storage.redis_counters import RedisCounters

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own, emptied afterwards."""
    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    chosen = f"gh-outbox-{secrets.token_hex(4)}:"
    yield chosen
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{chosen}*"):
        client.delete(key)
    client.close()


def _service(tmp_path: Path, redis_url: str, prefix: str, clock: Any, *, bootstrap: bool) -> Any:
    """Another token service over the same SQLite file, with the deny-list at ``redis_url``."""
    env = {"GATEHOUSE_STORAGE_REDIS_URL": redis_url, "GATEHOUSE_STORAGE_REDIS_PREFIX": prefix}
    settings = load_settings(environ=service_environ(tmp_path / "gatehouse.db", **env))
    stores = build_stores(settings, clock=clock)
    service = build_token_service(
        settings, stores, clock=clock, password_profile=FAST_TEST_PROFILE, bootstrap=bootstrap
    )
    return service, create_app(service, settings.http, ping=stores.ping, close=stores.close), stores


def _bit(service: Any, token: str) -> int:
    """The token's entry in the list the token service serves now."""
    ref = decode_unverified(token)[1]["status"]["status_list"]
    served = service.status_list_token(int(ref["uri"].rsplit("/", 1)[1]))
    claims = decode_unverified(served.token)[1]
    return decode_status_list(claims["status_list"]).status(ref["idx"])


def test_logout_while_redis_is_down_completes_on_retry_and_at_start(
    tmp_path: Path, prefix: str
) -> None:
    """503 while Redis is down, yet the bit is set; the retry once Redis is back writes
    the deny entry (revoked: 0); a pending entry is also written when a service starts."""
    up = make_stack(
        tmp_path,
        GATEHOUSE_STORAGE_REDIS_URL=REDIS_URL,
        GATEHOUSE_STORAGE_REDIS_PREFIX=prefix,
    )
    clock = up.clock
    deny = RedisCounters(REDIS_URL, prefix=prefix)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    _, down_app, down_stores = _service(tmp_path, closed, prefix, clock, bootstrap=False)
    try:
        with (
            run_asgi_in_thread(up.app) as up_url,
            run_asgi_in_thread(down_app) as down_url,
            httpx.Client(timeout=10) as http,
        ):
            login = {"username": "alice", "password": PASSWORD}
            first = http.post(f"{up_url}/login", json=login).json()
            second = http.post(f"{up_url}/login", json=login).json()
            sid1 = decode_unverified(first["access_token"])[1]["sid"]
            sid2 = decode_unverified(second["access_token"])[1]["sid"]

            # Redis down: 503, but the session and its status bit are committed together.
            logout = {"refresh_token": first["refresh_token"]}
            assert http.post(f"{down_url}/logout", json=logout).status_code == 503
            assert up.stores.stores.sessions.get_session(sid1).revoked_at is not None
            assert _bit(up.service, first["access_token"]) == 1
            assert not deny.is_denied(sid=sid1, now=clock.time())
            assert http.post(f"{down_url}/logout", json=logout).status_code == 503  # still down

            # Redis back: the retry completes it.
            again = http.post(f"{up_url}/logout", json=logout)
            assert again.status_code == 200
            assert again.json() == {"revoked": 0}
            assert deny.is_denied(sid=sid1, now=clock.time())

            # A second logout fails the same way; a service starting up mirrors it.
            logout2 = {"refresh_token": second["refresh_token"]}
            assert http.post(f"{down_url}/logout", json=logout2).status_code == 503
            assert not deny.is_denied(sid=sid2, now=clock.time())
            _, _, started = _service(tmp_path, REDIS_URL, prefix, clock, bootstrap=True)
            started.close()
            assert deny.is_denied(sid=sid2, now=clock.time())
            assert up.service.mirror_revocations() == 0  # nothing left in the outbox
    finally:
        down_stores.close()
        up.stores.close()
        deny.close()
