"""POST /logout, /revoke (RFC 7009) and /introspect (RFC 7662) over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from service_helpers import FORM, assert_oauth_error, basic, login
from service_stack import Stack


def _refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("/token", data={"grant_type": "refresh_token", "refresh_token": token})


def _introspect(http: httpx.Client, stack: Stack, token: str) -> dict[str, object]:
    response = http.post(
        "/introspect", data={"token": token}, headers=basic(stack.client_id, stack.client_secret)
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_logout_by_refresh_token_ends_only_that_session(http: httpx.Client) -> None:
    """Logging out one session leaves the account's other sessions alive."""
    one, two = login(http), login(http)
    response = http.post("/logout", json={"refresh_token": one["refresh_token"]})
    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    assert_oauth_error(_refresh(http, one["refresh_token"]), 400, "invalid_grant")
    assert _refresh(http, two["refresh_token"]).status_code == 200


def test_logout_all_ends_every_session(http: httpx.Client) -> None:
    """all=true (form-encoded here) revokes every session of the account."""
    one, two = login(http), login(http)
    response = http.post("/logout", data={"refresh_token": one["refresh_token"], "all": "true"})
    assert response.json() == {"revoked": 2}
    assert_oauth_error(_refresh(http, two["refresh_token"]), 400, "invalid_grant")


def test_logout_with_the_access_token(http: httpx.Client, stack: Stack) -> None:
    """A Bearer access token names its session (browsers keeping the refresh in a cookie)."""
    pair = login(http)
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert http.post("/logout", json={}, headers=auth).json() == {"revoked": 1}
    assert _introspect(http, stack, pair["access_token"]) == {"active": False}


def test_logout_refusals(http: httpx.Client) -> None:
    """Nothing to name a session, a dead bearer token, or bad JSON are clean errors."""
    assert_oauth_error(http.post("/logout", json={}), 400, "invalid_request")
    dead = http.post("/logout", json={}, headers={"Authorization": "Bearer not.a.token"})
    assert_oauth_error(dead, 401, "invalid_token")
    assert dead.headers["www-authenticate"].startswith("Bearer")
    assert_oauth_error(http.post("/logout", json={"all": "maybe"}), 400, "invalid_request")
    unknown = http.post("/logout", json={"refresh_token": "unknown"})
    assert unknown.json() == {"revoked": 0}


def test_revoke_refresh_token_then_refresh_fails(http: httpx.Client) -> None:
    """RFC 7009: a revoked refresh token no longer refreshes."""
    pair = login(http)
    response = http.post("/revoke", data={"token": pair["refresh_token"]})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert_oauth_error(_refresh(http, pair["refresh_token"]), 400, "invalid_grant")


@pytest.mark.parametrize("token", ["unknown", "a.b.c", "x" * 5000])
def test_revoke_unknown_tokens_is_200(http: httpx.Client, token: str) -> None:
    """RFC 7009 §2.2: an invalid token is answered 200 all the same."""
    assert (
        http.post("/revoke", data={"token": token, "token_type_hint": "whatever"}).status_code
        == 200
    )


def test_revoke_access_token_denies_it(http: httpx.Client, stack: Stack) -> None:
    """Revoking an access token makes introspection report it inactive."""
    pair = login(http)
    assert _introspect(http, stack, pair["access_token"])["active"] is True
    assert http.post("/revoke", data={"token": pair["access_token"]}).status_code == 200
    assert _introspect(http, stack, pair["access_token"]) == {"active": False}


def test_revoke_refusals(http: httpx.Client, stack: Stack) -> None:
    """Missing token, wrong client secret, or another client's token are refused."""
    assert_oauth_error(http.post("/revoke", data={"token_type_hint": "x"}), 400, "invalid_request")
    wrong = http.post("/revoke", data={"token": "x"}, headers=basic(stack.client_id, "nope"))
    assert_oauth_error(wrong, 401, "invalid_client")
    pair = login(http)
    other = http.post(
        "/revoke",
        data={"token": pair["refresh_token"]},
        headers=basic(stack.client_id, stack.client_secret),
    )
    assert_oauth_error(other, 400, "unauthorized_client")
    assert _refresh(http, pair["refresh_token"]).status_code == 200


def test_introspect_active_and_inactive(http: httpx.Client, stack: Stack) -> None:
    """Active tokens report their claims; anything else is exactly {"active": false}."""
    pair = login(http)
    access = _introspect(http, stack, pair["access_token"])
    assert access["active"] is True
    assert access["scope"] == "read write"
    refresh = _introspect(http, stack, pair["refresh_token"])
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"
    for garbage in ("nope", "a.b.c", pair["access_token"] + "x"):
        assert _introspect(http, stack, garbage) == {"active": False}
    stack.clock.advance(601)
    assert _introspect(http, stack, pair["access_token"]) == {"active": False}


def test_introspect_needs_client_authentication(http: httpx.Client, stack: Stack) -> None:
    """RFC 7662 §2.1: no client, a public id alone, or a wrong secret → 401 invalid_client."""
    pair = login(http)
    for kwargs in (
        {"data": {"token": pair["access_token"]}},
        {"data": {"token": pair["access_token"], "client_id": stack.client_id}},
        {"data": {"token": pair["access_token"]}, "headers": basic(stack.client_id, "bad")},
    ):
        response = http.post("/introspect", **kwargs)  # type: ignore[arg-type]
        assert_oauth_error(response, 401, "invalid_client")
        assert "www-authenticate" in response.headers
    headers = {**basic(stack.client_id, stack.client_secret), **FORM}
    missing = http.post("/introspect", content=b"", headers=headers)
    assert_oauth_error(missing, 400, "invalid_request")
