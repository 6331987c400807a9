"""Bad input on every POST endpoint: a typed 4xx JSON body, never a 500 or a traceback."""

from __future__ import annotations

import httpx
import pytest
from service_helpers import FORM, assert_oauth_error

POSTS = {
    "/login": "application/json",
    "/token": FORM["Content-Type"],
    "/logout": "application/json",
    "/revoke": FORM["Content-Type"],
    "/introspect": FORM["Content-Type"],
}
WRONG_TYPE = {
    "application/json": FORM["Content-Type"],
    FORM["Content-Type"]: "application/json",
}


@pytest.mark.parametrize("path", sorted(POSTS))
def test_wrong_content_type_is_415(http: httpx.Client, path: str) -> None:
    """The other form of body, text, or no Content-Type at all: 415 invalid_request."""
    for content_type in (WRONG_TYPE[POSTS[path]], "text/plain", "multipart/form-data; b=x"):
        response = http.post(path, content=b"a=b", headers={"Content-Type": content_type})
        if path == "/logout" and content_type == FORM["Content-Type"]:
            continue  # /logout takes both
        assert_oauth_error(response, 415, "invalid_request")
    assert_oauth_error(http.post(path, content=b"x"), 415, "invalid_request")


@pytest.mark.parametrize("path", sorted(POSTS))
def test_oversized_body_is_413(http: httpx.Client, path: str) -> None:
    """A body over 16 KiB is refused with 413 on every endpoint."""
    body = b"token=" + b"a" * 17000
    response = http.post(path, content=body, headers={"Content-Type": POSTS[path]})
    assert_oauth_error(response, 413, "invalid_request")


@pytest.mark.parametrize("path", sorted(POSTS))
@pytest.mark.parametrize(
    "body", [b"{", b"\xff", b"%zz=1", b"a=1&a=2", b"null", b"[]", b"token=%ff", b"=&="]
)
def test_malformed_bodies_are_400(http: httpx.Client, path: str, body: bytes) -> None:
    """Broken JSON or form encoding, repeats and non-objects are 400 invalid_request."""
    response = http.post(path, content=body, headers={"Content-Type": POSTS[path]})
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] in ("invalid_request", "invalid_client")
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", sorted(POSTS))
def test_missing_fields_are_invalid_request(http: httpx.Client, path: str) -> None:
    """An empty object or form names what is missing (introspection asks for a client first)."""
    body = b"{}" if POSTS[path] == "application/json" else b""
    response = http.post(path, content=body, headers={"Content-Type": POSTS[path]})
    expected = (401, "invalid_client") if path == "/introspect" else (400, "invalid_request")
    assert_oauth_error(response, *expected)
