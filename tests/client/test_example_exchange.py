"""The orders example's ``ProfileClient.fetch_for_user`` against the real token service:
the customer's token is exchanged (RFC 8693) and profile sees the customer with orders as
the actor; the exchanged token is reused for the same customer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_stack import API, PASSWORD, Served, serve, verifier_for
from examples.orders.profile_client import ProfileClient, ProfileUnavailableError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse.adapters.asgi import BearerAuthMiddleware

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def _profile_app(served: Served) -> Any:
    async def me(request: Request) -> JSONResponse:
        claims = request.auth
        profile = {"sub": claims.subject, "act": claims.get("act"), "scope": claims["scope"]}
        return JSONResponse({"profile": profile})

    app = Starlette(routes=[Route("/profile", me)])
    return BearerAuthMiddleware(app, verifier_for(served, API), scopes=["profile:read"])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The token service (alice may have read and write, not profile:read)."""
    with serve(tmp_path) as running:
        yield running


def _client(served: Served, profile_url: str, grants: list[str]) -> ProfileClient:
    made = served.service.register_client(
        "orders-x", allowed_audiences=[API], allowed_scopes=["profile:read"], grant_types=grants
    )
    assert made.client_secret is not None
    return ProfileClient(
        token_url=served.auth_url + "/token",
        profile_url=profile_url,
        client_id="orders-x",
        client_secret=made.client_secret,
        audience=API,
    )


def _user_token(served: Served, username: str, scope: str) -> str:
    body = {"username": username, "password": PASSWORD, "scope": scope}
    answer = httpx.post(served.auth_url + "/login", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_profile_is_read_for_the_customer(served: Served) -> None:
    """profile sees the customer as sub, orders-x as act.sub, scope profile:read; a second
    call reuses the exchanged token."""
    with run_asgi_in_thread(_profile_app(served)) as profile_url:
        client = _client(served, profile_url, [EXCHANGE])
        token = _user_token(served, "alice", "read")
        with pytest.raises(ProfileUnavailableError):
            client.fetch_for_user(token)  # alice's token lacks profile:read: refused, no leak
        served.service.create_account("carol", PASSWORD, allowed_scopes=["profile:read"])
        carol = _user_token(served, "carol", "profile:read")
        first = client.fetch_for_user(carol)
        second = client.fetch_for_user(carol)
    assert first["act"] == {"sub": "orders-x"}
    assert first["scope"] == "profile:read"
    assert second == first


def test_a_client_without_the_grant_gets_nothing(served: Served) -> None:
    """The client-credentials-only client cannot read a profile for anyone."""
    served.service.create_account("carol", PASSWORD, allowed_scopes=["profile:read"])
    with run_asgi_in_thread(_profile_app(served)) as profile_url:
        client = _client(served, profile_url, ["client_credentials"])
        with pytest.raises(ProfileUnavailableError):
            client.fetch_for_user(_user_token(served, "carol", "profile:read"))
