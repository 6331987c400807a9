"""Sharp edges of the HTTP surface a review found, each pinned over real HTTP (issue 9 §5)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, FORM, PASSWORD, assert_oauth_error, basic, login
from service_stack import Stack, make_stack

from gatehouse.storage.records import ClientRecord

OTHER = "https://other.example"


def _client_token(http: httpx.Client, client_id: str, secret: str, **extra: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", **extra}
    return http.post("/token", data=data, headers=basic(client_id, secret))


def _active(http: httpx.Client, stack: Stack, token: str) -> bool:
    response = http.post(
        "/introspect", data={"token": token}, headers=basic(stack.client_id, stack.client_secret)
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


def _second_client(stack: Stack) -> tuple[str, str]:
    registered = stack.service.register_client("billing-svc", allowed_audiences=[API])
    assert registered.client_secret is not None
    return registered.client.client_id, registered.client_secret


# --- text that is not Unicode -----------------------------------------------------------


@pytest.mark.parametrize("field", ["username", "password", "audience", "scope"])
def test_lone_surrogate_in_json_is_invalid_request(http: httpx.Client, field: str) -> None:
    """A JSON string holding a lone surrogate (\\ud800) is 400 invalid_request, not a 500."""
    body = {"username": "alice", "password": PASSWORD, field: "a\ud800b"}
    raw = json.dumps(body).encode("ascii")  # ensure_ascii writes the escape \ud800
    response = http.post("/login", content=raw, headers={"Content-Type": "application/json"})
    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("encoded", ["%ED%A0%80", "%F0%80%80%80", "%C0%80"])
def test_form_field_that_is_not_utf8_is_invalid_request(http: httpx.Client, encoded: str) -> None:
    """A form field whose bytes are an encoded surrogate or overlong UTF-8 is 400."""
    response = http.post(
        "/token", content=f"grant_type=refresh_token&refresh_token={encoded}", headers=FORM
    )
    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "header",
    [b"Bearer \xed\xa0\x80", b"Bearer \xff\xfe", b"Basic \xff\xfe", b"Bearer a\x80.b.c"],
)
@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [("/logout", "application/json", b"{}"), ("/revoke", FORM["Content-Type"], b"token=x")],
)
def test_authorization_header_that_is_not_ascii_is_refused(
    http: httpx.Client, header: bytes, path: str, content_type: str, body: bytes
) -> None:
    """Non-ASCII bytes in Authorization are a 4xx OAuth error where the header is read."""
    headers = {"Content-Type": content_type, "Authorization": header}
    response = http.post(path, content=body, headers=headers)  # type: ignore[arg-type]
    if path == "/revoke" and header.startswith(b"Bearer"):
        # Bearer is not client authentication: /revoke answers as for no client (§2.2).
        assert (response.status_code, response.content) == (200, b"")
        return
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_token", "invalid_client")
    if response.status_code == 401:
        assert "www-authenticate" in response.headers


# --- RFC 7009: only the caller's own tokens ------------------------------------------------


def test_a_client_cannot_revoke_another_clients_access_token(
    http: httpx.Client, stack: Stack
) -> None:
    """RFC 7009 §2.1: client B revoking client A's access token is refused, nothing revoked."""
    issued = _client_token(http, stack.client_id, stack.client_secret)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    other_id, other_secret = _second_client(stack)
    response = http.post("/revoke", data={"token": token}, headers=basic(other_id, other_secret))
    assert_oauth_error(response, 400, "unauthorized_client")
    assert _active(http, stack, token)
    own = http.post(
        "/revoke", data={"token": token}, headers=basic(stack.client_id, stack.client_secret)
    )
    assert own.status_code == 200
    assert not _active(http, stack, token)


def test_no_client_cannot_revoke_a_service_clients_access_token(
    http: httpx.Client, stack: Stack
) -> None:
    """Without client credentials only first-party tokens can be revoked (RFC 7009 §2.1)."""
    token = _client_token(http, stack.client_id, stack.client_secret).json()["access_token"]
    assert_oauth_error(http.post("/revoke", data={"token": token}), 400, "unauthorized_client")
    assert _active(http, stack, token)


def test_a_service_client_cannot_revoke_a_first_party_session(
    http: httpx.Client, stack: Stack
) -> None:
    """Another client's refresh or access token is refused (§2.1) and kept alive; an
    unknown token is still a silent 200 (§2.2)."""
    pair = login(http)
    auth = basic(stack.client_id, stack.client_secret)
    assert http.post("/revoke", data={"token": "unknown"}, headers=auth).status_code == 200
    for token in (pair["refresh_token"], pair["access_token"]):
        response = http.post("/revoke", data={"token": token}, headers=auth)
        assert_oauth_error(response, 400, "unauthorized_client")
    assert _active(http, stack, pair["access_token"])
    refreshed = http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text


# --- RFC 8707: one target per request ---------------------------------------------------


def test_audience_and_resource_naming_different_targets_is_invalid_target(
    http: httpx.Client, stack: Stack
) -> None:
    """audience and resource that disagree are invalid_target (RFC 8707 §2); agreeing is fine."""
    stack.service.register_client("two-apis", allowed_audiences=[API, OTHER])
    registered = stack.service.rotate_client_secret("two-apis")
    differ = _client_token(http, "two-apis", registered, audience=API, resource=OTHER)
    assert_oauth_error(differ, 400, "invalid_target")
    same = _client_token(http, "two-apis", registered, audience=OTHER, resource=OTHER)
    assert same.status_code == 200, same.text
    only_resource = _client_token(http, "two-apis", registered, resource=OTHER)
    assert only_resource.status_code == 200, only_resource.text


# --- client secrets over the limit --------------------------------------------------------


def test_client_secret_over_the_limit_is_refused_not_truncated(
    http: httpx.Client, stack: Stack
) -> None:
    """A secret longer than the limit is 401 invalid_client even when its first 512
    characters are a client's whole secret (no truncation before hashing)."""
    secret = "s" * 512
    now = stack.clock.time()
    stack.stores.stores.clients.create_client(
        ClientRecord(
            client_id="long-secret",
            name="long-secret",
            secret_hash=hashlib.sha256(secret.encode()).digest(),
            allowed_audiences=frozenset({API}),
            allowed_scopes=frozenset(),
            grant_types=frozenset({"client_credentials"}),
            created_at=now,
            updated_at=now,
        )
    )
    assert _client_token(http, "long-secret", secret).status_code == 200
    longer = _client_token(http, "long-secret", secret + "anything")
    assert_oauth_error(longer, 401, "invalid_client")
    assert "www-authenticate" in longer.headers


# --- error descriptions say what the caller can act on ------------------------------------


def test_storage_failure_description_names_no_internals(stack: Stack, base_url: str) -> None:
    """A 503 tells the caller to retry; which store failed and how goes to the log only."""
    stack.stores.close()
    with httpx.Client(base_url=base_url) as http:
        response = http.post("/login", json={"username": "alice", "password": PASSWORD})
    body = assert_oauth_error(response, 503, "temporarily_unavailable")
    description = body["error_description"].lower()
    assert "retry" in description
    for internal in ("sqlite", "redis", "postgres", "closed", "error"):
        assert internal not in description


@pytest.mark.parametrize(
    "cookie", [b"__Secure-gatehouse-refresh=\xff\xfe", b"__Secure-gatehouse-refresh=a\xed\xa0\x80"]
)
def test_cookie_and_csrf_headers_that_are_not_ascii_are_4xx(tmp_path: Path, cookie: bytes) -> None:
    """Browser mode: non-ASCII bytes in Cookie and X-CSRF-Token are refused, never a 500:
    the CSRF value cannot be the one bound to any session, so /token and /logout both
    answer the 403 CSRF refusal before the refresh token is looked at."""
    stack = make_stack(tmp_path, GATEHOUSE_HTTP_REFRESH_COOKIE="true")
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url) as http:
            for path in ("/token", "/logout"):
                headers = {
                    **FORM,
                    "Cookie": cookie + b"; __Secure-gatehouse-csrf=\xff",
                    "X-CSRF-Token": b"\xff",
                }
                body = b"grant_type=refresh_token"
                response = http.post(path, content=body, headers=headers)  # type: ignore[arg-type]
                assert_oauth_error(response, 403, "access_denied")
    finally:
        stack.stores.close()
