"""``ClientCredentials``: a service's own token, for calls made on nobody's behalf
(RFC 6749 §4.4).

The client authenticates with HTTP Basic (§2.3.1: each part form-urlencoded first); the
secret lives only in the header the flow builds for the token endpoint and is kept out of
``repr``. ``audience`` / ``resource`` name the API the token is for (RFC 8707 §2).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from urllib.parse import quote_plus

import httpx

from gatehouse.client.dpop_key import DPoPKey
from gatehouse.client.flow import TokenFlow, TokenRequest
from gatehouse.client.issued import IssuedToken
from gatehouse.clock import SYSTEM_CLOCK, Clock

__all__ = ["ClientCredentials", "basic_credentials"]


def basic_credentials(client_id: str, secret: str) -> str:
    """The ``Authorization`` value for client_secret_basic (RFC 6749 §2.3.1)."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _scope_text(scope: str | Sequence[str] | None) -> str | None:
    if scope is None or isinstance(scope, str):
        return scope
    return " ".join(scope)


class ClientCredentials(TokenFlow):
    """``httpx.Auth`` that sends this client's own access token, renewed before expiry::

    auth = ClientCredentials(token_url, "orders-svc", secret, audience=PROFILE_API)
    httpx.get(PROFILE_API + "/profiles/42", auth=auth)
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        secret: str,
        *,
        scope: str | Sequence[str] | None = None,
        audience: str | None = None,
        resource: str | None = None,
        dpop: DPoPKey | None = None,
        clock: Clock = SYSTEM_CLOCK,
        refresh_ahead: float = 30.0,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            dpop=dpop,
            clock=clock,
            refresh_ahead=refresh_ahead,
            timeout=timeout,
            http=http,
            async_http=async_http,
        )
        self.token_url = token_url
        self.client_id = client_id
        self._authorization = basic_credentials(client_id, secret)
        form = {"grant_type": "client_credentials"}
        for name, value in (("scope", _scope_text(scope)), ("audience", audience)):
            if value:
                form[name] = value
        if resource:
            form["resource"] = resource
        self._form = form

    def _token_request(self, current: IssuedToken | None) -> TokenRequest:
        return TokenRequest(
            self.token_url, form=self._form, headers={"Authorization": self._authorization}
        )

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_url={self.token_url!r})"
