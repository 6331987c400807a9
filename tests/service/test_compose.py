"""The composition root: settings → stores → TokenService → app, and in-process key lookup."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, ISSUER
from service_stack import Stack, service_environ

from gatehouse import Verifier
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


def test_postgres_url_without_an_adapter_is_a_clear_error(tmp_path: Path) -> None:
    """A postgresql:// URL either opens the PostgreSQL adapter or names what is missing."""
    import importlib.util

    from gatehouse.errors import ConfigurationError, StorageError

    env = service_environ(
        tmp_path / "g.db", GATEHOUSE_STORAGE_URL="postgresql://root@127.0.0.1:1/x"
    )
    settings = load_settings(environ=env)
    if importlib.util.find_spec("gatehouse.storage.postgres") is None:
        with pytest.raises(ConfigurationError, match="postgres"):
            build_stores(settings)
    else:  # port 1 is closed: the adapter must fail with a typed storage error
        with pytest.raises((StorageError, ConfigurationError)):
            build_stores(settings).close()
