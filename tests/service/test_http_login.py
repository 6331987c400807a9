"""POST /login over real HTTP: the first-party password endpoint and its bad input."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from service_helpers import API, PASSWORD, assert_oauth_error, login
from service_stack import Stack

from gatehouse import JWKS, Verifier


def test_login_returns_a_bearer_pair_that_verifies(http: httpx.Client, stack: Stack) -> None:
    """A right password yields access_token, Bearer, expires_in, refresh_token and scope."""
    response = http.post("/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "read write"
    verifier = Verifier(
        issuer=stack.settings.issuer.url,
        audience=API,
        keys=JWKS.from_dict(http.get("/.well-known/jwks.json").json()),
        algorithms=["ES256"],
        clock=stack.clock,
    )
    claims = verifier.verify(body["access_token"], scopes=["read"])
    assert claims.subject == stack.service.find_account("alice").account_id  # type: ignore[union-attr]


def test_login_narrows_scope_and_picks_audience(http: httpx.Client) -> None:
    """A requested scope and audience are honoured when allowed."""
    body = login(http, scope="read", audience="https://other.example")
    assert body["scope"] == "read"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"username": "alice", "password": "wrong"}, "invalid_grant"),
        ({"username": "nobody", "password": PASSWORD}, "invalid_grant"),
        ({"username": "alice"}, "invalid_request"),
        ({"password": PASSWORD}, "invalid_request"),
        ({"username": 5, "password": PASSWORD}, "invalid_request"),
        ({"username": "alice", "password": PASSWORD, "scope": "admin"}, "invalid_scope"),
        ({"username": "alice", "password": PASSWORD, "audience": "https://x"}, "invalid_target"),
        ({"username": "alice", "password": PASSWORD, "cookie": True}, "invalid_request"),
    ],
)
def test_login_refusals_are_rfc6749_errors(
    http: httpx.Client, payload: dict[str, object], error: str
) -> None:
    """Wrong credentials, missing or mistyped fields and forbidden scopes are 400s."""
    assert_oauth_error(http.post("/login", json=payload), 400, error)


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"username": "alice",', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b'{"username": "a", "username": "b", "password": "x"}', "application/json", 400),
        (b"username=alice&password=x", "application/x-www-form-urlencoded", 415),
        (b'{"username": "alice"}', "text/plain", 415),
        (b'{"username": "alice"}', "application/json; charset=latin-1", 400),
        (b"", "application/json", 400),
    ],
)
def test_login_malformed_bodies_are_invalid_request(
    http: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    """Broken JSON, non-objects, duplicate members and wrong media types never reach a 500."""
    response = http.post("/login", content=content, headers={"Content-Type": content_type})
    assert_oauth_error(response, status, "invalid_request")


def test_oversized_body_is_413(http: httpx.Client) -> None:
    """A body over [http] max_body_bytes is refused with 413 and an invalid_request body."""
    payload = {"username": "alice", "password": "x" * 20000}
    assert_oauth_error(http.post("/login", json=payload), 413, "invalid_request")


def test_oversized_chunked_body_is_413(http: httpx.Client) -> None:
    """Without Content-Length the limit is enforced while streaming."""

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 1024

    response = http.post("/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert_oauth_error(response, 413, "invalid_request")


def test_repeated_failures_are_throttled_with_retry_after(http: httpx.Client) -> None:
    """Past the free failures a login answers 429 slow_down with Retry-After."""
    statuses = []
    for _ in range(8):
        statuses.append(http.post("/login", json={"username": "alice", "password": "no"}))
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled, [r.status_code for r in statuses]
    assert int(throttled[0].headers["retry-after"]) >= 1
    assert_oauth_error(throttled[0], 429, "slow_down")
    # Even the right password waits until the lock ends (the clock has not moved).
    response = http.post("/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_wrong_method_and_unknown_path_are_json(http: httpx.Client) -> None:
    """The router's 404 and 405 answer in the same JSON error shape."""
    assert_oauth_error(http.get("/login"), 405, "method_not_allowed")
    assert_oauth_error(http.get("/nope"), 404, "not_found")
