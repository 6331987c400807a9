"""The composition root: settings → stores → TokenService → app, and in-process key lookup."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, ISSUER
from service_stack import Stack, service_environ

from backend_servers import (
    POSTGRES_DSN,
    REDIS_URL,
    drop_pg_schema,
    free_port,
    postgres_down,
    redis_down,
    unavailable,
)
from gatehouse import JWKS, Verifier
from gatehouse.errors import UnknownKeyError
from gatehouse.service.compose import IssuerKeySource, build_app, build_stores, build_token_service
from gatehouse.service.settings import load_settings


def test_build_app_serves_a_fresh_store(tmp_path: Path) -> None:
    """From settings alone: migrations, first keys, then a working app under uvicorn."""
    settings = load_settings(environ=service_environ(tmp_path / "fresh.db"))
    with build_stores(settings) as stores:
        build_token_service(settings, stores).create_account("bob", "a long password")
    app = build_app(settings)
    with run_asgi_in_thread(app) as url, httpx.Client(base_url=url) as http:
        response = http.post("/login", json={"username": "bob", "password": "a long password"})
        assert response.status_code == 200
        assert http.get("/health").json()["status"] == "ok"


def test_jwks_max_age_beyond_the_plan_is_refused(tmp_path: Path) -> None:
    """[http] jwks_max_age longer than verifier_cache_ttl would outlive retired keys."""
    from gatehouse.errors import ConfigurationError

    env = service_environ(tmp_path / "g.db", GATEHOUSE_HTTP_JWKS_MAX_AGE="3600")
    with pytest.raises(ConfigurationError, match="jwks_max_age"):
        build_app(load_settings(environ=env))


def _verifier(stack: Stack, keys: IssuerKeySource) -> Verifier:
    return Verifier(issuer=ISSUER, audience=API, keys=keys, algorithms=["ES256"], clock=stack.clock)


def test_issuer_key_source_verifies_local_tokens(stack: Stack) -> None:
    """Tokens from the local service verify in-process, sync and async."""
    keys = IssuerKeySource(stack.service, clock=stack.clock)
    pair = stack.service.login("alice", "correct horse battery")
    assert _verifier(stack, keys).verify(pair.access_token).subject
    claims = asyncio.run(_verifier(stack, keys).verify_async(pair.access_token))
    assert claims.session_id == pair.sid


def test_issuer_key_source_rereads_at_most_once_per_second(stack: Stack) -> None:
    """An unknown kid triggers a re-read only after the one-second cooldown."""
    keys = IssuerKeySource(stack.service, clock=stack.clock)
    current = {k["kid"] for k in stack.service.jwks()["keys"]}
    for kid in current:
        keys.get_key(kid, "ES256")
    stack.service.rotate_keys()
    fresh = ({k["kid"] for k in stack.service.jwks()["keys"]} - current).pop()
    with pytest.raises(UnknownKeyError):
        keys.get_key(fresh, "ES256")
    stack.clock.advance(0.5)
    with pytest.raises(UnknownKeyError):
        keys.get_key(fresh, "ES256")
    stack.clock.advance(0.5)
    assert keys.get_key(fresh, "ES256").kid == fresh
    with pytest.raises(UnknownKeyError):
        keys.get_key("forged-kid", "ES256")


def test_importing_the_app_stays_lean() -> None:
    """gatehouse.service.app imports neither the CLI nor the gateway nor a DB driver."""
    import subprocess
    import sys

    code = (
        "import sys, gatehouse.service.app, gatehouse.service.lambda_entry;"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('click', 'rich', 'psycopg', 'redis', 'uvicorn', 'httpx', 'fastapi') "
        "or m.startswith(('gatehouse.cli', 'gatehouse.gateway'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.postgres
@pytest.mark.redis
def test_postgres_and_redis_urls_serve_the_whole_flow(tmp_path: Path) -> None:
    """Configured by environment alone: accounts and sessions in a PostgreSQL schema,
    failed-login counters and the deny-list in Redis, over real HTTP."""
    for down in (postgres_down(), redis_down()):
        if down:
            unavailable("PostgreSQL and Redis", down)
    import psycopg

    from gatehouse.storage.postgres import PostgresStore
    from gatehouse.storage.redis_counters import RedisCounters

    schema = f"gh_test_svc_{secrets.token_hex(4)}"
    prefix = f"gh_test:{secrets.token_hex(4)}:"
    env = service_environ(
        tmp_path / "unused.db",
        GATEHOUSE_STORAGE_URL=POSTGRES_DSN,
        GATEHOUSE_STORAGE_SCHEMA=schema,
        GATEHOUSE_STORAGE_POOL_SIZE="3",
        GATEHOUSE_STORAGE_PREPARED_STATEMENTS="false",
        GATEHOUSE_STORAGE_LOCK_TIMEOUT="0.2",
        GATEHOUSE_STORAGE_REDIS_URL=REDIS_URL,
        GATEHOUSE_STORAGE_REDIS_PREFIX=prefix,
    )
    settings = load_settings(environ=env)
    try:
        with build_stores(settings) as stores:
            main = stores.stores.accounts
            assert type(main) is PostgresStore
            # every [storage] setting reaches the adapter
            assert (main.schema, main.lock_timeout, main.prepared_statements) == (
                schema,
                0.2,
                False,
            )
            assert type(stores.stores.deny_list) is RedisCounters
            build_token_service(settings, stores).create_account("bob", "a long password")
        app = build_app(settings)
        with run_asgi_in_thread(app) as url, httpx.Client(base_url=url) as http:
            wrong = http.post("/login", json={"username": "bob", "password": "wrong"})
            assert wrong.status_code == 400
            assert wrong.json()["error"] == "invalid_grant"
            pair = http.post("/login", json={"username": "bob", "password": "a long password"})
            assert pair.status_code == 200
            refresh = pair.json()["refresh_token"]
            rotated = http.post(
                "/token",
                data={"grant_type": "refresh_token", "refresh_token": refresh},
            )
            assert rotated.status_code == 200
            access = rotated.json()["access_token"]
            out = http.post("/logout", headers={"Authorization": f"Bearer {access}"}, json={})
            assert out.json() == {"revoked": 1}
            assert http.get("/health").json() == {"status": "ok", "storage": "up"}
            keys = JWKS.from_dict(http.get("/.well-known/jwks.json").json())
            second = http.post("/login", json={"username": "bob", "password": "a long password"})
            with psycopg.connect(POSTGRES_DSN) as blocker:  # another writer holds the table
                blocker.execute(f"LOCK TABLE {schema}.refresh_tokens IN EXCLUSIVE MODE")
                stuck = http.post(
                    "/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": second.json()["refresh_token"],
                    },
                )
                assert stuck.status_code == 503
                assert stuck.json()["error"] == "temporarily_unavailable"
                assert int(stuck.headers["retry-after"]) > 0
            after = http.post(
                "/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": second.json()["refresh_token"],
                },
            )
            assert after.status_code == 200  # the 503 spent nothing
        sid = (
            Verifier(issuer=ISSUER, audience=API, keys=keys, algorithms=["ES256"])
            .verify(access)
            .session_id
        )
        pg = PostgresStore(POSTGRES_DSN, schema=schema, pool_size=1)
        counters = RedisCounters(REDIS_URL, prefix=prefix)
        try:
            session = pg.get_session(str(sid))
            assert session is not None
            assert session.revoked_at is not None
            assert counters.is_denied(sid=str(sid), now=session.revoked_at)
        finally:
            pg.close()
            counters.close()
    finally:
        drop_pg_schema(schema)
        RedisCounters(REDIS_URL, prefix=prefix).drop_all()


def test_closed_postgres_port_is_a_storage_error_at_start(tmp_path: Path) -> None:
    """A postgresql:// URL nobody answers: StorageUnavailableError, not a hang or a crash."""
    from gatehouse.errors import StorageUnavailableError

    env = service_environ(
        tmp_path / "g.db",
        GATEHOUSE_STORAGE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/test",
    )
    with pytest.raises(StorageUnavailableError):
        build_stores(load_settings(environ=env))


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GATEHOUSE_STORAGE_POOL_SIZE", "0", "pool_size"),
        ("GATEHOUSE_STORAGE_LOCK_TIMEOUT", "0", "lock_timeout"),
        ("GATEHOUSE_STORAGE_STATEMENT_TIMEOUT", "-1", "statement_timeout"),
        ("GATEHOUSE_STORAGE_SCHEMA", "Bad-Name", "schema"),
    ],
)
def test_bad_postgres_settings_are_configuration_errors(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    """Impossible pool and timeout values are refused before any connection is tried."""
    from gatehouse.errors import ConfigurationError

    env = service_environ(
        tmp_path / "g.db", GATEHOUSE_STORAGE_URL="postgresql://postgres@127.0.0.1:1/test"
    )
    env[variable] = value
    with pytest.raises(ConfigurationError, match=named):
        build_stores(load_settings(environ=env))


def test_connect_timeout_bounds_a_refused_start(tmp_path: Path) -> None:
    """[storage] connect_timeout reaches PostgreSQL: a refused port fails in about that long,
    not the fixed 5 s every Lambda cold start paid while the database was down."""
    import time

    from gatehouse.errors import StorageUnavailableError

    env = service_environ(
        tmp_path / "g.db",
        GATEHOUSE_STORAGE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/test",
        GATEHOUSE_STORAGE_CONNECT_TIMEOUT="0.5",
    )
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError):
        build_stores(load_settings(environ=env))
    assert time.monotonic() - started < 4.0
