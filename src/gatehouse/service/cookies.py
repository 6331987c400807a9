"""Browser mode: the refresh token in a cookie script cannot read, and CSRF protection.

The refresh cookie is ``HttpOnly; Secure; SameSite=Strict`` and scoped to the refresh
path, so page scripts never see it (an XSS cannot exfiltrate it) and the browser sends
it only to the token endpoint. Because a cookie is sent automatically, every request
authenticated by it must also prove it came from our own pages: a double-submit token
(OWASP CSRF Cheat Sheet) — a random value in a second cookie readable by our scripts,
echoed in the ``X-CSRF-Token`` header and compared in constant time. A cross-site page
can neither read that cookie nor set a custom header without a CORS preflight we do not
grant; ``SameSite=Strict`` is the second layer.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from gatehouse.errors import AccessDeniedError
from gatehouse.service.settings import HttpSettings

__all__ = [
    "CSRF_HEADER",
    "clear_cookies",
    "current_csrf",
    "refresh_from_cookie",
    "set_refresh_cookies",
]

CSRF_HEADER = "x-csrf-token"
MAX_COOKIE_CHARS = 1024


def set_refresh_cookies(
    response: Response,
    settings: HttpSettings,
    refresh_token: str,
    *,
    max_age: int,
    csrf: str | None = None,
) -> None:
    """Deliver the refresh token, and a CSRF token (kept if the browser has one)."""
    response.set_cookie(
        settings.cookie_name,
        refresh_token,
        max_age=max_age,
        path=settings.cookie_path,
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        settings.csrf_cookie_name,
        csrf or secrets.token_urlsafe(32),
        max_age=max_age,
        path="/",
        secure=True,
        httponly=False,  # our scripts read it to echo it in the header
        samesite="strict",
    )


def clear_cookies(response: Response, settings: HttpSettings) -> None:
    response.delete_cookie(
        settings.cookie_name,
        path=settings.cookie_path,
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(settings.csrf_cookie_name, path="/", secure=True, samesite="strict")


def current_csrf(request: Request, settings: HttpSettings) -> str | None:
    value = request.cookies.get(settings.csrf_cookie_name)
    return value if value and len(value) <= MAX_COOKIE_CHARS else None


def refresh_from_cookie(request: Request, settings: HttpSettings) -> str | None:
    """The refresh token from the cookie, if present and the CSRF check passes."""
    token = request.cookies.get(settings.cookie_name)
    if not token:
        return None
    expected = current_csrf(request, settings)
    presented = request.headers.get(CSRF_HEADER, "")
    if expected is None or not hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    ):
        raise AccessDeniedError(
            "cookie-authenticated requests need an X-CSRF-Token header matching the CSRF cookie",
            code="csrf_failed",
        )
    return token[:MAX_COOKIE_CHARS]
