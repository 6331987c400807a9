"""Browser mode: the refresh token in an HttpOnly cookie, CSRF double-submit, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import PASSWORD, assert_oauth_error
from service_stack import make_stack

REFRESH = "__Secure-gatehouse-refresh"
CSRF = "__Secure-gatehouse-csrf"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[httpx.Client]:
    stack = make_stack(tmp_path, GATEHOUSE_HTTP_REFRESH_COOKIE="true")
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url) as client:
            yield client
    finally:
        stack.stores.close()


def _cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Set-Cookie headers by name (httpx will not replay Secure cookies over http://)."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = jar
    return found


def _login(browser: httpx.Client) -> tuple[str, str, httpx.Response]:
    response = browser.post(
        "/login", json={"username": "alice", "password": PASSWORD, "cookie": True}
    )
    assert response.status_code == 200, response.text
    jars = _cookies(response)
    return jars[REFRESH][REFRESH].value, jars[CSRF][CSRF].value, response


def _refresh(
    browser: httpx.Client, refresh: str, csrf: str | None, header: str | None
) -> httpx.Response:
    cookie = f"{REFRESH}={refresh}" + (f"; {CSRF}={csrf}" if csrf else "")
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    if header is not None:
        headers["X-CSRF-Token"] = header
    return browser.post("/token", content=b"grant_type=refresh_token", headers=headers)


def test_login_sets_hardened_cookies_and_hides_the_refresh_token(browser: httpx.Client) -> None:
    """The refresh token is only in an HttpOnly, Secure, SameSite=Strict cookie on its path."""
    _, _, response = _login(browser)
    assert "refresh_token" not in response.json()
    jar = _cookies(response)[REFRESH][REFRESH]
    assert jar["httponly"]
    assert jar["secure"]
    assert jar["samesite"].lower() == "strict"
    assert jar["path"] == "/token"
    csrf = _cookies(response)[CSRF][CSRF]
    assert not csrf["httponly"]
    assert csrf["secure"]


def test_cookie_refresh_with_csrf_header_rotates(browser: httpx.Client) -> None:
    """With the matching X-CSRF-Token the cookie refreshes and a new cookie is set."""
    refresh, csrf, _ = _login(browser)
    response = _refresh(browser, refresh, csrf, csrf)
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    rotated = _cookies(response)[REFRESH][REFRESH].value
    assert rotated != refresh
    renewed = _cookies(response)[CSRF][CSRF].value
    assert renewed != csrf  # bound to the session's current refresh token
    assert _refresh(browser, rotated, renewed, renewed).status_code == 200


@pytest.mark.parametrize("case", ["no-header", "wrong-header", "no-csrf-cookie"])
def test_cookie_refresh_without_csrf_proof_is_403(browser: httpx.Client, case: str) -> None:
    """A cookie-authenticated request without a matching CSRF header is refused."""
    refresh, csrf, _ = _login(browser)
    header = {"no-header": None, "wrong-header": "forged", "no-csrf-cookie": csrf}[case]
    cookie_csrf = None if case == "no-csrf-cookie" else csrf
    response = _refresh(browser, refresh, cookie_csrf, header)
    assert_oauth_error(response, 403, "access_denied")
    # The refused request did not spend the token.
    assert _refresh(browser, refresh, csrf, csrf).status_code == 200


def test_logout_clears_the_cookies(browser: httpx.Client) -> None:
    """Logout by access token ends the session and expires both cookies."""
    refresh, csrf, response = _login(browser)
    access = response.json()["access_token"]
    out = browser.post("/logout", json={}, headers={"Authorization": f"Bearer {access}"})
    assert out.json() == {"revoked": 1}
    cleared = _cookies(out)
    assert cleared[REFRESH][REFRESH]["max-age"] == "0"
    assert cleared[CSRF][CSRF]["max-age"] == "0"
    assert_oauth_error(_refresh(browser, refresh, csrf, csrf), 400, "invalid_grant")


def test_cors_only_for_configured_origins(tmp_path: Path) -> None:
    """With cors_origins set, a preflight from that origin may send X-CSRF-Token; others not."""
    stack = make_stack(tmp_path, GATEHOUSE_HTTP_CORS_ORIGINS="https://app.example")
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url) as client:
            preflight = {
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-csrf-token, content-type",
            }
            ok = client.options("/token", headers={"Origin": "https://app.example", **preflight})
            assert ok.status_code == 200
            assert ok.headers["access-control-allow-origin"] == "https://app.example"
            assert ok.headers["access-control-allow-credentials"] == "true"
            evil = client.options("/token", headers={"Origin": "https://evil.example", **preflight})
            assert evil.status_code == 400
            assert "access-control-allow-origin" not in evil.headers
    finally:
        stack.stores.close()


def test_login_replaces_a_planted_csrf_cookie(browser: httpx.Client) -> None:
    """A CSRF cookie set before login is replaced, and the planted value is refused."""
    planted = "attacker-chosen-value"
    response = browser.post(
        "/login",
        json={"username": "alice", "password": PASSWORD, "cookie": True},
        headers={"Cookie": f"{CSRF}={planted}"},
    )
    assert response.status_code == 200, response.text
    jars = _cookies(response)
    refresh, csrf = jars[REFRESH][REFRESH].value, jars[CSRF][CSRF].value
    assert csrf != planted
    assert_oauth_error(_refresh(browser, refresh, planted, planted), 403, "access_denied")
    assert _refresh(browser, refresh, csrf, csrf).status_code == 200


def test_csrf_of_another_session_is_refused(browser: httpx.Client) -> None:
    """The CSRF value of one session (say, the attacker's own) does not pass for another."""
    mine, _, _ = _login(browser)
    _, theirs, _ = _login(browser)
    assert_oauth_error(_refresh(browser, mine, theirs, theirs), 403, "access_denied")
