"""Interop: authlib (an independent OAuth client from PyPI) performs the RFC 8693 token
exchange against our /token over real HTTP, and reads the answer as a token.

authlib's requests integration is used (its httpx one is deprecated in favour of another
package and warns on import)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from server import run_asgi_in_thread
from service_helpers import API, PASSWORD
from service_stack import Stack, make_stack

from gatehouse.jose import decode_unverified

PROFILE = "https://profile.example"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Stack, str, str]]:
    """The token service with orders-service allowed to exchange for profile."""
    stack = make_stack(tmp_path, GATEHOUSE_ISSUER_AUDIENCES=f"{API},{PROFILE}")
    made = stack.service.register_client(
        "orders-service",
        allowed_audiences=[PROFILE],
        allowed_scopes=["read"],
        grant_types=[EXCHANGE],
    )
    assert made.client_secret is not None
    try:
        with run_asgi_in_thread(stack.app) as url:
            yield stack, url, made.client_secret
    finally:
        stack.stores.close()


def test_authlib_exchanges_a_users_token(served: tuple[Stack, str, str]) -> None:
    """authlib's OAuth2Session (client_secret_basic) posts the grant and gets a token with
    issued_token_type, aud = profile and act.sub = orders-service."""
    _, url, secret = served
    login = httpx.post(
        f"{url}/login", json={"username": "alice", "password": PASSWORD, "scope": "read"}
    ).json()
    with OAuth2Session(
        "orders-service", secret, token_endpoint_auth_method="client_secret_basic"
    ) as client:
        token = client.fetch_token(
            f"{url}/token",
            grant_type=EXCHANGE,
            subject_token=login["access_token"],
            subject_token_type=ACCESS,
            audience=PROFILE,
        )
    assert token["issued_token_type"] == ACCESS
    assert token["token_type"] == "Bearer"
    claims = decode_unverified(token["access_token"])[1]
    assert claims["aud"] == PROFILE
    assert claims["act"] == {"sub": "orders-service"}


def test_authlib_sees_the_rfc_error(served: tuple[Stack, str, str]) -> None:
    """A refused exchange reaches authlib as its OAuthError with the RFC 8693 §2.2.2 code."""
    _, url, secret = served
    with (
        OAuth2Session(
            "orders-service", secret, token_endpoint_auth_method="client_secret_post"
        ) as client,
        pytest.raises(OAuthError) as caught,
    ):
        client.fetch_token(
            f"{url}/token",
            grant_type=EXCHANGE,
            subject_token="not-a-token",
            subject_token_type=ACCESS,
            audience=PROFILE,
        )
    assert caught.value.error == "invalid_request"
