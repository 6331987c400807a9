"""Calling the profile service as ``orders-service``, with a client-credentials token.

Service to service, no user in the loop: orders authenticates as its own client (RFC
6749 §4.4, ``client_secret_basic``), gets a short-lived access token with the scope
``profiles:read``, and reuses it until shortly before it expires. The user's token is
never forwarded: profile sees who is calling (orders), not a replayed user credential.
"""

from __future__ import annotations

import base64
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
    ) -> None:
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
        )

    def _access_token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._token is not None and now < self._token[1]:
                return self._token[0]
            body = urllib.parse.urlencode(
                {"grant_type": "client_credentials", "scope": "profiles:read"}
            ).encode()
            request = urllib.request.Request(  # noqa: S310
                self._token_url,
                data=body,
                method="POST",
                headers={
                    "Authorization": self._authorization,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            answer = _json(request, self._timeout)
            token = answer["access_token"]
            self._token = (token, now + max(0.0, float(answer["expires_in"]) - _EARLY))
            return str(token)

    def fetch(self, subject: str) -> dict[str, Any]:
        """The profile of ``subject`` (GET /profiles/{sub} on the profile service)."""
        url = f"{self._profile_url}/profiles/{urllib.parse.quote(subject, safe='')}"
        request = urllib.request.Request(  # noqa: S310
            url, headers={"Authorization": f"Bearer {self._access_token()}"}
        )
        answer = _json(request, self._timeout)
        profile = answer.get("profile") if isinstance(answer, dict) else None
        if not isinstance(profile, dict):
            raise ProfileUnavailableError("the profile service answered without a profile")
        return profile
