"""Browser mode: the refresh token in a cookie script cannot read, and CSRF protection.

The refresh cookie is ``HttpOnly; Secure; SameSite=Strict`` and scoped to the refresh
path, so page scripts never see it (an XSS cannot exfiltrate it) and the browser sends
it only to the token endpoint. Because a cookie is sent automatically, every request
authenticated by it must also prove it came from our own pages: a signed double-submit
token (OWASP CSRF Cheat Sheet, "Signed Double-Submit Cookie") in a second cookie readable
by our scripts, echoed in the ``X-CSRF-Token`` header. A cross-site page can neither read
that cookie nor set a custom header without a CORS preflight we do not grant;
``SameSite=Strict`` is the second layer.

The value is not random but bound to the session (issue 16 §4): an HMAC, under a key
derived from the KEK, of the session's current refresh token, so it is checked before the
refresh changes anything, needs no store read, and is new at every login and rotation.
A CSRF cookie planted before login (session fixation of the CSRF token) is replaced at
login and would match no session anyway.
"""

from __future__ import annotations

import hashlib
import hmac

from gatehouse.errors import AccessDeniedError
from gatehouse.jose import b64url_encode
from gatehouse.service.settings import HttpSettings
from gatehouse.service.web import Request, Response

__all__ = [
    "CSRF_HEADER",
    "CSRF_KEY_PURPOSE",
    "clear_cookies",
    "csrf_token",
    "refresh_from_cookie",
    "set_refresh_cookies",
]

CSRF_HEADER = "x-csrf-token"
MAX_COOKIE_CHARS = 1024
CSRF_KEY_PURPOSE = "gatehouse csrf v1"
"""The ``KeyEncryptionKey.derive`` purpose of the CSRF key."""


def csrf_token(key: bytes, refresh_token: str) -> str:
    """The CSRF value of the session holding ``refresh_token``."""
    message = b"csrf\x00" + refresh_token.encode("utf-8", "surrogateescape")
    return b64url_encode(hmac.new(key, message, hashlib.sha256).digest())


def set_refresh_cookies(
    response: Response,
    settings: HttpSettings,
    refresh_token: str,
    *,
    max_age: int,
    csrf_key: bytes,
) -> None:
    """Deliver the refresh token and the CSRF token bound to it (any earlier one is
    replaced)."""
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
        csrf_token(csrf_key, refresh_token),
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


def refresh_from_cookie(request: Request, settings: HttpSettings, csrf_key: bytes) -> str | None:
    """The refresh token from the cookie, if present and the CSRF header is the one
    bound to it (compared in constant time)."""
    token = request.cookies.get(settings.cookie_name)
    if not token:
        return None
    token = token[:MAX_COOKIE_CHARS]
    expected = csrf_token(csrf_key, token)
    presented = request.headers.get(CSRF_HEADER, "")[:MAX_COOKIE_CHARS]
    cookie = request.cookies.get(settings.csrf_cookie_name, "")[:MAX_COOKIE_CHARS]
    header_ok = hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected.encode())
    # Still a double submit: the header must echo the cookie too, not just be valid.
    cookie_ok = hmac.compare_digest(cookie.encode("utf-8", "surrogateescape"), expected.encode())
    if not (header_ok and cookie_ok):
        raise AccessDeniedError(
            "cookie-authenticated requests need the X-CSRF-Token header from the CSRF cookie"
            " set with this session",
            code="csrf_failed",
        )
    return token
