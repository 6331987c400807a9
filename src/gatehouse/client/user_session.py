"""``UserSession``: a person's session with the token service, for scripts and apps.

``login`` posts to ``/login`` (a first-party JSON endpoint: RFC 9700 §2.4 rules out the
password grant at ``/token``); afterwards the flow refreshes at ``/token`` (RFC 6749 §6)
ahead of expiry, one refresh at a time across threads and tasks, so the rotating refresh
token is never presented twice by this process. Another process presenting the same
parent within the server's grace window gets the current pair back (the grace response),
which is simply adopted. A refusal (``invalid_grant``: revoked, reused, expired) ends the
session here too: the next call raises until ``login`` is called again. ``logout`` ends
it on the server (``/logout``). With a ``DPoPKey`` the session's tokens and its refresh
family are bound to the key (RFC 9449 §5).
"""

from __future__ import annotations

import httpx

from gatehouse.client.dpop_key import DPoPKey
from gatehouse.client.flow import TokenFlow, TokenRequest
from gatehouse.client.issued import IssuedToken, read_token_response
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import InvalidGrantError, OAuthError

__all__ = ["UserSession"]


class UserSession(TokenFlow):
    """``httpx.Auth`` for a logged-in user::

    session = UserSession("https://auth.example.com")
    session.login("alice", password)
    httpx.get(API + "/orders", auth=session)
    session.logout()
    """

    def __init__(
        self,
        base_url: str,
        *,
        audience: str | None = None,
        scope: str | None = None,
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
        self.base_url = base_url.rstrip("/")
        self._audience = audience
        self._scope = scope

    # --- logging in and out ---------------------------------------------------------------

    def _login_request(self, username: str, password: str) -> TokenRequest:
        body = {"username": username, "password": password}
        if self._audience:
            body["audience"] = self._audience
        if self._scope:
            body["scope"] = self._scope
        return TokenRequest(self.base_url + "/login", json=body)

    def login(self, username: str, password: str) -> IssuedToken:
        """Start a session (replacing any in hand); the password is sent once, never kept."""
        with self._flight.sync():
            issued = self._send(self._login_request(username, password))
            self._cached = issued
            return issued

    async def alogin(self, username: str, password: str) -> IssuedToken:
        """``login`` for asyncio."""
        async with self._flight.task():
            issued = await self._asend(self._login_request(username, password))
            self._cached = issued
            return issued

    def _logout_request(self, all_sessions: bool) -> TokenRequest | None:
        cached = self._cached
        if cached is None or cached.refresh_token is None:
            return None
        body: dict[str, object] = {"refresh_token": cached.refresh_token}
        if all_sessions:
            body["all"] = True
        return TokenRequest(self.base_url + "/logout", json=body)

    def _logged_out(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            response.read()
            read_token_response(response, monotonic_now=0.0, refresh_ahead=0.0)  # raises
        self._cached = None

    def logout(self, *, all_sessions: bool = False) -> None:
        """End this session on the server (every session of the account with
        ``all_sessions``), then forget it. Without a session, nothing happens."""
        with self._flight.sync():
            request = self._logout_request(all_sessions)
            if request is None:
                self._cached = None
                return
            self._logged_out(self._client().post(request.url, json=request.json))

    async def alogout(self, *, all_sessions: bool = False) -> None:
        """``logout`` for asyncio."""
        async with self._flight.task():
            request = self._logout_request(all_sessions)
            if request is None:
                self._cached = None
                return
            response = await self._async_client().post(request.url, json=request.json)
            await response.aread()
            self._logged_out(response)

    @property
    def logged_in(self) -> bool:
        """A session is in hand (its access token may be due for a refresh)."""
        return self._cached is not None and self._cached.refresh_token is not None

    # --- refreshing -------------------------------------------------------------------------

    def _token_request(self, current: IssuedToken | None) -> TokenRequest:
        if current is None or current.refresh_token is None:
            raise InvalidGrantError("no session: call login() first", code="no_session")
        form = {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
        return TokenRequest(self.base_url + "/token", form=form)

    def _keep(self, issued: IssuedToken, current: IssuedToken | None) -> IssuedToken:
        if issued.refresh_token is None:
            raise InvalidGrantError("the refresh answer has no refresh token", code="no_session")
        return issued

    def _refused(self, error: OAuthError) -> None:
        if isinstance(error, InvalidGrantError):
            self._cached = None  # the server ended the session; so do we

    def __repr__(self) -> str:
        return f"UserSession(base_url={self.base_url!r}, logged_in={self.logged_in})"
