"""``TokenExchange``: call the next service *for the user*, with a token naming us as the
actor (RFC 8693).

A service handling a user's request trades the incoming access token (the subject token)
for one aimed at the next service: the token service checks the subject token in full,
narrows audience and scope, and records this service in ``act`` (§4.1). The next service
then knows both who asks and for whom, and a stolen service secret alone reads nobody's
data.

Exchanged tokens are cached per subject token and audience (the key is a SHA-256 of the
subject token, so the cache's keys hold no token), in a bounded LRU; each entry is a
``TokenFlow`` of its own, so renewal ahead of expiry, single flight and DPoP work as in
the other flows. An exchanged token never outlives its subject token, so the cache
never keeps one past the user's own.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import httpx

from gatehouse.client.client_credentials import basic_credentials
from gatehouse.client.dpop_key import DPoPKey
from gatehouse.client.flow import TokenFlow, TokenRequest
from gatehouse.client.issued import IssuedToken
from gatehouse.clock import SYSTEM_CLOCK, Clock

__all__ = ["ACCESS_TOKEN_TYPE", "TOKEN_EXCHANGE", "TokenExchange"]

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # RFC 8693 §2.1
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3


class _SubjectFlow(TokenFlow):
    """The exchanged token for one subject token and audience."""

    def __init__(self, form: dict[str, str], owner: TokenExchange) -> None:
        super().__init__(
            dpop=owner.dpop,
            clock=owner.clock,
            refresh_ahead=owner.refresh_ahead,
            timeout=owner.timeout,
        )
        self._form = form
        self._owner = owner

    def _client(self) -> httpx.Client:
        return self._owner._client()  # one connection pool for every subject

    def _async_client(self) -> httpx.AsyncClient:
        return self._owner._async_client()

    def _token_request(self, current: IssuedToken | None) -> TokenRequest:
        return TokenRequest(
            self._owner.token_url,
            form=self._form,
            headers={"Authorization": self._owner._authorization},
        )

    def __repr__(self) -> str:
        return f"TokenExchange.flow(audience={self._form.get('audience')!r})"


class TokenExchange:
    """Exchanges incoming user tokens for tokens aimed at ``audience``::

    exchange = TokenExchange(TOKEN_URL, "orders-service", secret, audience=PROFILE_API)
    # in a request handler, with the caller's access token:
    await http.get(PROFILE_API + "/me", auth=exchange.for_subject(incoming_token))
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        secret: str,
        *,
        audience: str,
        scope: str | Sequence[str] | None = None,
        dpop: DPoPKey | None = None,
        clock: Clock = SYSTEM_CLOCK,
        refresh_ahead: float = 30.0,
        timeout: float = 10.0,
        max_cached: int = 1024,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
    ) -> None:
        if max_cached < 1:
            raise ValueError("max_cached must be at least 1")
        self.token_url = token_url
        self.client_id = client_id
        self.audience = audience
        self.dpop = dpop
        self.clock = clock
        self.refresh_ahead = refresh_ahead
        self.timeout = timeout
        self._authorization = basic_credentials(client_id, secret)
        self._scope = scope if scope is None or isinstance(scope, str) else " ".join(scope)
        self._max = max_cached
        self._http: httpx.Client | None = http
        self._async_http: httpx.AsyncClient | None = async_http
        self._owns_http, self._owns_async_http = http is None, async_http is None
        self._flows: OrderedDict[str, _SubjectFlow] = OrderedDict()
        self._lock = threading.Lock()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self.timeout)
            return self._http

    def _async_client(self) -> httpx.AsyncClient:
        with self._lock:
            if self._async_http is None:
                self._async_http = httpx.AsyncClient(timeout=self.timeout)
            return self._async_http

    def for_subject(self, subject_token: str, *, actor_token: str | None = None) -> httpx.Auth:
        """The ``httpx.Auth`` that sends the exchanged token for ``subject_token`` (the
        incoming request's access token), exchanging on first use and when due."""
        key = hashlib.sha256(subject_token.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            flow = self._flows.get(key)
            if flow is not None:
                self._flows.move_to_end(key)
                return flow
            form = {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": subject_token,
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "audience": self.audience,
            }
            if self._scope:
                form["scope"] = self._scope
            if actor_token is not None:
                form.update(actor_token=actor_token, actor_token_type=ACCESS_TOKEN_TYPE)
            flow = self._flows[key] = _SubjectFlow(form, self)
            while len(self._flows) > self._max:
                self._flows.popitem(last=False)
            return flow

    def exchange(self, subject_token: str) -> IssuedToken:
        """The exchanged token itself (cached like the flows' calls)."""
        flow = self.for_subject(subject_token)
        assert isinstance(flow, _SubjectFlow)
        return flow.token()

    async def aexchange(self, subject_token: str) -> IssuedToken:
        """``exchange`` for asyncio."""
        flow = self.for_subject(subject_token)
        assert isinstance(flow, _SubjectFlow)
        return await flow.atoken()

    @property
    def cached(self) -> int:
        """How many subject tokens have an exchanged token (or a flow) in the cache."""
        return len(self._flows)

    def close(self) -> None:
        """Close the sync client this object made (one given to it stays open)."""
        if self._owns_http and self._http is not None:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        """Close the async client this object made (one given to it stays open)."""
        if self._owns_async_http and self._async_http is not None:
            await self._async_http.aclose()
            self._async_http = None

    def __repr__(self) -> str:
        return f"TokenExchange(client_id={self.client_id!r}, audience={self.audience!r})"
