"""The examples against a real token service built from a `gatehouse init` project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from examples_stack import PASSWORD, REPO, Stack, gatehouse, serve

from gatehouse.issuer import FAST_TEST_PROFILE


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """`gatehouse init` + the token service on a free port + the examples' environment."""
    from gatehouse.service.compose import build_app, build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(REPO))
    gatehouse("init")
    gatehouse(
        "users",
        "add",
        "alice",
        "--scope",
        "orders:read",
        "--scope",
        "profile:read",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    settings = load_settings(tmp_path / "gatehouse.toml", environ={})
    app = build_app(settings, password_profile=FAST_TEST_PROFILE)
    with serve(app) as url, build_stores(settings) as stores:
        service = build_token_service(settings, stores, password_profile=FAST_TEST_PROFILE)
        monkeypatch.setenv("GATEHOUSE_ISSUER_URL", settings.issuer.url)
        monkeypatch.setenv("GATEHOUSE_AUDIENCE", settings.issuer.default_audience)
        monkeypatch.setenv("GATEHOUSE_JWKS_URL", f"{url}/.well-known/jwks.json")
        monkeypatch.setenv("GATEHOUSE_TOKEN_URL", f"{url}/token")
        monkeypatch.setenv("PROFILE_SERVICE_URL", url)
        monkeypatch.setenv("ORDERS_CLIENT_ID", "orders-service")
        monkeypatch.setenv("ORDERS_CLIENT_SECRET_FILE", ".gatehouse/orders-service.secret")
        yield Stack(tmp_path, url, service)
