"""The WSGI middleware and the Flask decorator, through a real Flask app's test client."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from gatehouse import Verifier
from gatehouse.adapters.wsgi import CLAIMS_KEY, BearerAuthMiddleware, current_claims, require_token
from gatehouse.errors import ConfigurationError

from .conftest import DownDenyList, Mint, RevokedSessions


def _flask(verifier: Verifier, **options: Any) -> Flask:
    app = Flask("orders")

    @app.get("/orders/<int:order_id>")
    @require_token(verifier, scopes=["orders:read"], **options)
    def get_order(order_id: int) -> dict[str, Any]:
        return {"id": order_id, "sub": current_claims().subject}

    @app.post("/orders")
    @require_token(verifier, scopes=["orders:write"], **options)
    def create_order() -> dict[str, Any]:
        return {"created_by": current_claims().subject}

    @app.get("/public")
    def public() -> dict[str, Any]:
        return {"claims": CLAIMS_KEY in request.environ}

    @app.get("/unprotected-claims")
    def unprotected() -> dict[str, Any]:
        return {"sub": current_claims().subject}

    return app


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(verifier: Verifier) -> FlaskClient:
    """A Flask app whose views use @require_token."""
    return _flask(verifier).test_client()


def test_decorated_view_gets_claims_and_url_arguments(client: FlaskClient, mint: Mint) -> None:
    """The view runs with its URL arguments and current_claims() is the token's."""
    response = client.get("/orders/7", headers=_bearer(mint(sub="alice")))
    assert response.status_code == 200
    assert response.json == {"id": 7, "sub": "alice"}


def test_decorated_view_refuses_missing_and_bad_tokens(client: FlaskClient, mint: Mint) -> None:
    """Missing → bare 401, expired → 401 invalid_token, without scope → 403."""
    missing = client.get("/orders/7")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="gatehouse"'
    assert missing.headers["Content-Type"] == "application/json"
    stale = mint(exp=1_700_000_000 - 60)
    expired = client.get("/orders/7", headers=_bearer(stale))
    assert expired.status_code == 401
    assert stale not in expired.text
    assert stale not in expired.headers["WWW-Authenticate"]
    assert expired.json == {
        "error": "invalid_token",
        "error_description": "The access token has expired.",
    }
    forbidden = client.post("/orders", headers=_bearer(mint()))
    assert forbidden.status_code == 403
    assert forbidden.headers["WWW-Authenticate"].endswith('scope="orders:write"')


def test_decorated_view_honours_the_deny_list(
    verifier: Verifier, mint: Mint, revoked: RevokedSessions
) -> None:
    """A revoked token is refused on the next request."""
    client = _flask(verifier, deny_list=revoked).test_client()
    token = mint(jti="t-5")
    assert client.get("/orders/1", headers=_bearer(token)).status_code == 200
    revoked.token_ids.add("t-5")
    response = client.get("/orders/1", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json["error_description"] == "The access token has been revoked."


def test_current_claims_outside_a_protected_view_is_a_configuration_error(
    verifier: Verifier,
) -> None:
    """Reading claims in an unprotected view is a programming error, raised as such."""
    app = _flask(verifier)
    with app.test_request_context("/unprotected-claims"), pytest.raises(ConfigurationError):
        current_claims()


def test_middleware_protects_every_path_but_public_ones(verifier: Verifier, mint: Mint) -> None:
    """The WSGI middleware refuses, admits, and skips public prefixes."""
    app = _flask(verifier)
    app.wsgi_app = BearerAuthMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, verifier, scopes=["orders:read"], public_paths=["/public"]
    )
    client = app.test_client()
    assert client.get("/public").json == {"claims": False}
    refused = client.get("/unprotected-claims")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="gatehouse"'
    assert refused.headers["Content-Length"] == str(len(refused.data))
    admitted = client.get("/unprotected-claims", headers=_bearer(mint(sub="bob")))
    assert admitted.json == {"sub": "bob"}


def test_middleware_claims_are_reused_by_the_decorator(verifier: Verifier, mint: Mint) -> None:
    """Behind the middleware, the decorator still enforces its own scope."""
    app = _flask(verifier)
    app.wsgi_app = BearerAuthMiddleware(app.wsgi_app, verifier)  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get("/orders/3", headers=_bearer(mint())).status_code == 200
    assert client.post("/orders", headers=_bearer(mint())).status_code == 403


def test_middleware_path_scopes_and_unavailable_deny_list(verifier: Verifier, mint: Mint) -> None:
    """Per-path scopes give 403; a deny list that is down gives 503."""
    app = _flask(verifier)
    app.wsgi_app = BearerAuthMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, verifier, path_scopes={"/orders": ["orders:admin"]}
    )
    assert app.test_client().get("/orders/1", headers=_bearer(mint())).status_code == 403
    down = _flask(verifier)
    down.wsgi_app = BearerAuthMiddleware(  # type: ignore[method-assign]
        down.wsgi_app, verifier, deny_list=DownDenyList()
    )
    response = down.test_client().get("/public", headers=_bearer(mint()))
    assert response.status_code == 503
    assert response.status == "503 Service Unavailable"
