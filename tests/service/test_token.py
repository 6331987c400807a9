"""POST /token over real HTTP: refresh rotation and client credentials, and bad input."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import httpx
import pytest
from service_helpers import API, FORM, assert_oauth_error, basic, login
from service_stack import Stack

from gatehouse import JWKS, Verifier


def _refresh(http: httpx.Client, token: str, **extra: str) -> httpx.Response:
    return http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": token, **extra}
    )


def test_refresh_rotates_the_pair(http: httpx.Client) -> None:
    """A refresh returns a new pair with no-store headers; the new token refreshes again."""
    first = login(http)
    response = _refresh(http, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _refresh(http, second["refresh_token"]).status_code == 200


def test_reuse_after_grace_revokes_the_family(http: httpx.Client, stack: Stack) -> None:
    """Re-presenting a spent token after the grace window fails and kills its successor."""
    first = login(http)
    second = _refresh(http, first["refresh_token"]).json()
    stack.clock.advance(stack.settings.issuer.refresh_reuse_grace + 1)
    assert_oauth_error(_refresh(http, first["refresh_token"]), 400, "invalid_grant")
    assert_oauth_error(_refresh(http, second["refresh_token"]), 400, "invalid_grant")


def test_refresh_can_narrow_scope(http: httpx.Client) -> None:
    """scope on a refresh request narrows the new access token (RFC 6749 §6)."""
    first = login(http)
    assert _refresh(http, first["refresh_token"], scope="read").json()["scope"] == "read"


@pytest.mark.parametrize("token", ["garbage", "x" * 4000, "a.b.c", "%00", " ", ""])
def test_garbage_refresh_tokens_are_invalid_grant(http: httpx.Client, token: str) -> None:
    """Unknown or malformed refresh tokens are 400 invalid_grant, never a 500."""
    response = _refresh(http, token)
    expected = "invalid_request" if token == "" else "invalid_grant"
    assert_oauth_error(response, 400, expected)


def test_client_credentials_with_basic(http: httpx.Client, stack: Stack) -> None:
    """client_secret_basic yields an access token for the client, without a refresh token."""
    response = http.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": "profile:read"},
        headers=basic(stack.client_id, stack.client_secret),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer"
    verifier = Verifier(
        issuer=stack.settings.issuer.url,
        audience=API,
        keys=JWKS.from_dict(stack.service.jwks()),
        algorithms=["ES256"],
        clock=stack.clock,
    )
    claims = verifier.verify(body["access_token"], scopes=["profile:read"])
    assert claims.subject == stack.client_id


def test_client_credentials_with_post(http: httpx.Client, stack: Stack) -> None:
    """client_secret_post in the form body works the same."""
    response = http.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": stack.client_id,
            "client_secret": stack.client_secret,
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "profile:read"


def test_both_client_auth_methods_at_once_are_refused(http: httpx.Client, stack: Stack) -> None:
    """RFC 6749 §2.3: one authentication method per request."""
    response = http.post(
        "/token",
        data={"grant_type": "client_credentials", "client_secret": stack.client_secret},
        headers=basic(stack.client_id, stack.client_secret),
    )
    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "headers",
    [
        "wrong-secret",
        {"Authorization": "Basic !!!notbase64"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
    ],
)
def test_wrong_client_credentials_are_401_with_basic_challenge(
    http: httpx.Client, stack: Stack, headers: object
) -> None:
    """A wrong or malformed secret is 401 invalid_client with WWW-Authenticate: Basic."""
    sent = basic(stack.client_id, "wrong") if headers == "wrong-secret" else headers
    response = http.post("/token", data={"grant_type": "client_credentials"}, headers=sent)  # type: ignore[arg-type]
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_client_credentials_without_a_client_is_invalid_client(http: httpx.Client) -> None:
    """The client credentials grant needs a client."""
    response = http.post("/token", data={"grant_type": "client_credentials"})
    assert_oauth_error(response, 401, "invalid_client")


def test_basic_credentials_are_form_url_decoded(http: httpx.Client, stack: Stack) -> None:
    """A secret sent raw (not form-url-encoded) where it would change is refused; the
    encoded one is accepted (RFC 6749 §2.3.1)."""
    registered = stack.service.register_client("odd:client", allowed_audiences=[API])
    secret = registered.client_secret
    assert secret is not None
    ok = http.post(
        "/token", data={"grant_type": "client_credentials"}, headers=basic("odd:client", secret)
    )
    assert ok.status_code == 200, ok.text
    raw = base64.b64encode(f"odd:client:{secret}".encode()).decode()
    refused = http.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {raw}"},
    )
    assert_oauth_error(refused, 401, "invalid_client")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        (
            {"grant_type": "password", "username": "alice", "password": "x"},
            "unsupported_grant_type",
        ),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
def test_grant_type_errors(http: httpx.Client, form: dict[str, str], error: str) -> None:
    """No grant, the password grant (RFC 9700 §2.4) and unknown grants are refused."""
    response = http.post("/token", content=urlencode(form), headers=FORM)
    assert_oauth_error(response, 400, error)


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"grant_type": "refresh_token"}', "application/json", 415),
        (b"grant_type=refresh_token&grant_type=client_credentials", FORM["Content-Type"], 400),
        (b"grant_type", FORM["Content-Type"], 400),
        (b"grant_type=%ff%fe", FORM["Content-Type"], 400),
        (b"grant_type=refresh_token&refresh_token=\xc3\xa9", FORM["Content-Type"], 400),
        (b"a=1&" * 2000, FORM["Content-Type"], 400),
    ],
)
def test_malformed_forms_are_invalid_request(
    http: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    """JSON, repeated parameters, broken encodings and too many fields are refused cleanly."""
    response = http.post("/token", content=content, headers={"Content-Type": content_type})
    assert_oauth_error(response, status, "invalid_request")


def test_refresh_token_of_a_confidential_client_needs_that_client(
    http: httpx.Client, stack: Stack
) -> None:
    """A first-party refresh presented by another, authenticated client is refused."""
    first = login(http)
    response = http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(stack.client_id, stack.client_secret),
    )
    assert_oauth_error(response, 400, "invalid_grant")
