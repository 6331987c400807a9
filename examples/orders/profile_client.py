"""Calling the profile service from orders: for the user (token exchange), or as itself.

``fetch_for_user`` reads the customer's own profile *for* them: it exchanges the
customer's access token at the token service (RFC 8693, authenticating as the orders
client) for one that keeps the customer as ``sub``, carries only ``profile:read`` and
names orders as the actor (``act``), and reads ``GET /profile`` with it. Profile knows
who asks and for whom, and a stolen client secret alone reads nobody's profile: the
exchange needs a live user token. It needs a client registered with the token-exchange
grant and ``profile:read``: ``gatehouse init`` registers orders-service so. Exchanged tokens
are kept per user token (by its SHA-256) until shortly before they expire.

``fetch`` is the service-to-service call with no user in the loop: a client-credentials
token of the client's own (RFC 6749 §4.4) with ``profiles:read`` for ``GET /profiles/{sub}``,
for a client trusted with everyone's profiles; orders-service, as `gatehouse init`
registers it, is not (it holds only ``profile:read``), and ``fetch`` is refused for it.
Both authenticate with ``client_secret_basic`` and never forward the user's token itself.
See docs/delegation.md for why exchange is the default here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from examples.environment import required

__all__ = ["ProfileClient", "ProfileUnavailableError"]

_MAX_BODY = 64 * 1024
_EARLY = 30.0  # renew this many seconds before the token expires
_MAX_EXCHANGED = 256  # exchanged tokens kept per warm container
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


class ProfileUnavailableError(Exception):
    """The profile service (or the token service in front of it) did not answer usefully."""


def _basic(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: form-encode both parts before joining them for HTTP Basic.
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _json(request: urllib.request.Request, timeout: float) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read(_MAX_BODY))
    except urllib.error.HTTPError as exc:
        exc.close()
        raise ProfileUnavailableError(f"{request.full_url} answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise ProfileUnavailableError(f"{request.full_url} failed ({type(exc).__name__})") from None


class ProfileClient:
    def __init__(
        self,
        *,
        token_url: str,
        profile_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        audience: str | None = None,
    ) -> None:
        self._audience = audience
        self._exchanged: dict[str, tuple[str, float]] = {}  # sha256(user token) -> (token, renew)
        self._token_url = token_url
        self._profile_url = profile_url.rstrip("/")
        self._authorization = _basic(client_id, client_secret)
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # (access token, renew after)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ProfileClient:
        """``GATEHOUSE_TOKEN_URL``, ``PROFILE_SERVICE_URL``, ``ORDERS_CLIENT_ID`` and
        ``ORDERS_CLIENT_SECRET`` (or ``ORDERS_CLIENT_SECRET_FILE``, a file holding it)."""
        secret = environ.get("ORDERS_CLIENT_SECRET")
        if not secret:
            path = Path(required("ORDERS_CLIENT_SECRET_FILE", environ))
            secret = path.read_text(encoding="ascii").strip()
        return cls(
            token_url=required("GATEHOUSE_TOKEN_URL", environ),
            profile_url=required("PROFILE_SERVICE_URL", environ),
            client_id=required("ORDERS_CLIENT_ID", environ),
            client_secret=secret,
            audience=environ.get("PROFILE_AUDIENCE") or required("GATEHOUSE_AUDIENCE", environ),
        )

    def _post_token(self, form: dict[str, str]) -> tuple[str, float]:
        """POST /token as orders-service; (access token, when to renew it)."""
        request = urllib.request.Request(  # noqa: S310
            self._token_url,
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={
                "Authorization": self._authorization,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        answer = _json(request, self._timeout)
        token = str(answer["access_token"])
        return token, self._clock() + max(0.0, float(answer["expires_in"]) - _EARLY)

    def _exchanged_token(self, user_token: str) -> str:
        """The user's token exchanged for profile (RFC 8693 §2.1), cached until due."""
        key = hashlib.sha256(user_token.encode()).hexdigest()
        with self._lock:
            held = self._exchanged.get(key)
            if held is not None and self._clock() < held[1]:
                return held[0]
        form = {
            "grant_type": EXCHANGE,
            "subject_token": user_token,
            "subject_token_type": ACCESS_TOKEN,
            "scope": "profile:read",
        }
        if self._audience:
            form["audience"] = self._audience
        fresh = self._post_token(form)
        with self._lock:
            if len(self._exchanged) >= _MAX_EXCHANGED:
                self._exchanged.pop(next(iter(self._exchanged)))
            self._exchanged[key] = fresh
        return fresh[0]

    def fetch_for_user(self, user_token: str) -> dict[str, Any]:
        """The caller's own profile (GET /profile), read *for* them with an exchanged token."""
        request = urllib.request.Request(  # noqa: S310
            f"{self._profile_url}/profile",
            headers={"Authorization": f"Bearer {self._exchanged_token(user_token)}"},
        )
        return _profile_of(_json(request, self._timeout))

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._token[1]:
                form = {"grant_type": "client_credentials", "scope": "profiles:read"}
                self._token = self._post_token(form)
            return self._token[0]

    def fetch(self, subject: str) -> dict[str, Any]:
        """The profile of ``subject`` (GET /profiles/{sub} on the profile service)."""
        url = f"{self._profile_url}/profiles/{urllib.parse.quote(subject, safe='')}"
        request = urllib.request.Request(  # noqa: S310
            url, headers={"Authorization": f"Bearer {self._access_token()}"}
        )
        return _profile_of(_json(request, self._timeout))


def _profile_of(answer: Any) -> dict[str, Any]:
    profile = answer.get("profile") if isinstance(answer, dict) else None
    if not isinstance(profile, dict):
        raise ProfileUnavailableError("the profile service answered without a profile")
    return profile
