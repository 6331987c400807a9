"""The ``httpx.Auth`` shared by every token flow: cache, single flight, DPoP, one retry.

A subclass says how to ask for a token (``_token_request``); this class decides when to
ask (the cached token is due ``refresh_ahead`` seconds before it expires), asks once for
everyone waiting (``SingleFlight``), signs a DPoP proof for the token request and for
each call when the flow holds a ``DPoPKey`` (RFC 9449 §5, §7.1), retries once with a
server's new nonce (§8, §9), and retries a call once with a new token when the resource
server answers 401 ``invalid_token`` (RFC 6750 §3.1: expired or revoked since cached).

Token requests go through the flow's own ``httpx.Client`` / ``httpx.AsyncClient`` (given,
or made on first use), never the caller's: the caller's event hooks, logging and
``response.history`` never see a token response or a client secret.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator, Generator, Mapping
from dataclasses import field
from typing import Any

import httpx

from gatehouse._record import record
from gatehouse.client.dpop_key import DPoPKey, asks_for_nonce
from gatehouse.client.issued import MAX_RESPONSE_BYTES, IssuedToken, read_token_response
from gatehouse.client.single_flight import SingleFlight
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import OAuthError, TokenEndpointError

__all__ = ["TokenFlow", "TokenRequest"]

_STALE = float("-inf")


@record
class TokenRequest:
    """One POST to a token endpoint: a form (RFC 6749 §3.2) or, for ``/login``, JSON."""

    url: str
    form: Mapping[str, str] | None = field(default=None, repr=False)
    json: Mapping[str, Any] | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


def _refused_for_nonce(response: httpx.Response) -> bool:
    """A token endpoint's 400 ``use_dpop_nonce`` (RFC 9449 §8)."""
    if response.status_code != 400 or len(response.content) > MAX_RESPONSE_BYTES:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return False
    return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"


def _says_invalid_token(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    return any('error="invalid_token"' in v for v in response.headers.get_list("www-authenticate"))


class TokenFlow(httpx.Auth):
    """Attach a cached access token to every request; renew it when due."""

    requires_request_body = True  # a call retried once must be sent again whole

    def __init__(
        self,
        *,
        dpop: DPoPKey | None = None,
        clock: Clock = SYSTEM_CLOCK,
        refresh_ahead: float = 30.0,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
    ) -> None:
        self._dpop = dpop
        self._clock = clock
        self._refresh_ahead = refresh_ahead
        self._timeout = timeout
        self._http, self._owns_http = http, http is None
        self._async_http, self._owns_async_http = async_http, async_http is None
        self._flight = SingleFlight(wait=3 * timeout)
        self._cached: IssuedToken | None = None

    # --- what a subclass says --------------------------------------------------------

    def _token_request(self, current: IssuedToken | None) -> TokenRequest:
        """The request that renews ``current`` (None: nothing cached yet)."""
        raise NotImplementedError

    def _keep(self, issued: IssuedToken, current: IssuedToken | None) -> IssuedToken:
        """What to cache from a fresh answer (a subclass may carry state over)."""
        return issued

    def _refused(self, error: OAuthError) -> None:
        """The token endpoint refused a renewal (a subclass may end its session)."""

    # --- the token, cached -------------------------------------------------------------

    @property
    def cached(self) -> IssuedToken | None:
        """The token in hand, if any (its value is not in ``repr``)."""
        return self._cached

    def token(self) -> IssuedToken:
        """A token good to send now: the cached one, or one fetched for every waiter."""
        cached = self._cached
        if cached is not None and cached.fresh(self._clock.monotonic()):
            return cached
        with self._flight.sync():
            cached = self._cached
            if cached is not None and cached.fresh(self._clock.monotonic()):
                return cached
            try:
                issued = self._keep(self._send(self._token_request(cached)), cached)
            except (httpx.TransportError, TokenEndpointError):
                if cached is not None and cached.usable(self._clock.monotonic()):
                    return cached  # renewal failed early: the old token still works
                raise
            except OAuthError as error:
                self._refused(error)
                raise
            self._cached = issued
            return issued

    async def atoken(self) -> IssuedToken:
        """``token()`` for asyncio: waiting tasks never block the event loop."""
        cached = self._cached
        if cached is not None and cached.fresh(self._clock.monotonic()):
            return cached
        async with self._flight.task():
            cached = self._cached
            if cached is not None and cached.fresh(self._clock.monotonic()):
                return cached
            try:
                issued = self._keep(await self._asend(self._token_request(cached)), cached)
            except (httpx.TransportError, TokenEndpointError):
                if cached is not None and cached.usable(self._clock.monotonic()):
                    return cached
                raise
            except OAuthError as error:
                self._refused(error)
                raise
            self._cached = issued
            return issued

    def invalidate(self) -> None:
        """Renew before the next call (a refresh token, if any, is kept)."""
        cached = self._cached
        if cached is not None:
            self._cached = dataclasses.replace(cached, refresh_at=_STALE, expires_at=_STALE)

    def _invalidate_if(self, issued: IssuedToken) -> None:
        if self._cached is issued:
            self.invalidate()

    # --- talking to the token endpoint ----------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self._timeout)
        return self._http

    def _async_client(self) -> httpx.AsyncClient:
        if self._async_http is None:
            self._async_http = httpx.AsyncClient(timeout=self._timeout)
        return self._async_http

    def _headers(self, request: TokenRequest) -> dict[str, str]:
        headers = {"Accept": "application/json", **request.headers}
        if self._dpop is not None:
            headers["DPoP"] = self._dpop.proof("POST", request.url)
        return headers

    def _retry_for_nonce(self, response: httpx.Response) -> bool:
        if self._dpop is None:
            return False
        return self._dpop.learn(response) and _refused_for_nonce(response)

    def _send(self, request: TokenRequest) -> IssuedToken:
        """POST ``request``, again once with a new DPoP nonce when refused for one."""
        started = self._clock.monotonic()
        http = self._client()
        for attempt in (1, 2):
            response = http.post(
                request.url, data=request.form, json=request.json, headers=self._headers(request)
            )
            response.read()
            if attempt == 1 and self._retry_for_nonce(response):
                continue
            break
        return read_token_response(
            response, monotonic_now=started, refresh_ahead=self._refresh_ahead
        )

    async def _asend(self, request: TokenRequest) -> IssuedToken:
        started = self._clock.monotonic()
        http = self._async_client()
        for attempt in (1, 2):
            response = await http.post(
                request.url, data=request.form, json=request.json, headers=self._headers(request)
            )
            await response.aread()
            if attempt == 1 and self._retry_for_nonce(response):
                continue
            break
        return read_token_response(
            response, monotonic_now=started, refresh_ahead=self._refresh_ahead
        )

    # --- the caller's requests -------------------------------------------------------

    def _authorize(self, request: httpx.Request, issued: IssuedToken) -> None:
        request.headers["Authorization"] = f"{issued.scheme} {issued.access_token}"
        if self._dpop is not None and issued.scheme == "DPoP":
            request.headers["DPoP"] = self._dpop.proof(
                request.method, request.url, access_token=issued.access_token
            )

    def _nonce_retry(self, response: httpx.Response) -> bool:
        """§9: a resource server refused the proof for want of its nonce, now learnt."""
        if self._dpop is None:
            return False
        return self._dpop.learn(response) and asks_for_nonce(response)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        issued = self.token()
        self._authorize(request, issued)
        response = yield request
        if self._nonce_retry(response):
            self._authorize(request, issued)
            response = yield request
        if _says_invalid_token(response):
            self._invalidate_if(issued)
            renewed = self.token()
            if renewed.access_token != issued.access_token:
                self._authorize(request, renewed)
                yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        issued = await self.atoken()
        self._authorize(request, issued)
        response = yield request
        if self._nonce_retry(response):
            self._authorize(request, issued)
            response = yield request
        if _says_invalid_token(response):
            self._invalidate_if(issued)
            renewed = await self.atoken()
            if renewed.access_token != issued.access_token:
                self._authorize(request, renewed)
                yield request

    # --- closing ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the flow's own sync client (one given to it stays open)."""
        if self._http is not None and self._owns_http:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        """Close the flow's own async client (one given to it stays open)."""
        if self._async_http is not None and self._owns_async_http:
            await self._async_http.aclose()
            self._async_http = None
