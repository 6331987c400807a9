"""``TransactionToken``: obtain or forward the ``Txn-Token`` for outgoing calls
(draft-ietf-oauth-transaction-tokens, editor's copy after -08).

At the edge of a Trust Domain a workload trades the caller's access token for a
Txn-Token ("Txn-Token Request": an RFC 8693 exchange with ``requested_token_type``
``…:txn_token``, ``audience`` = the Trust Domain, a ``scope`` naming the purpose) and
sends it in the ``Txn-Token`` header, never in ``Authorization`` ("Using Txn-Tokens"):
the workloads behind it forward the header exactly as received (``forward``).

One ``for_subject`` call is one transaction: its flow holds one ``txn``; calls made for
the same incoming request share it. When the token is due the flow asks for a
*replacement* (the current Txn-Token as subject), which keeps ``txn``, ``sub`` and the
context, so a long request never changes transaction mid-way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Generator, Mapping
from typing import Any

import httpx

from gatehouse.client.client_credentials import basic_credentials
from gatehouse.client.flow import TokenFlow, TokenRequest
from gatehouse.client.issued import IssuedToken
from gatehouse.client.token_exchange import ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE
from gatehouse.clock import SYSTEM_CLOCK, Clock

__all__ = ["TXN_TOKEN_HEADER", "TXN_TOKEN_TYPE", "TransactionToken"]

TXN_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:txn_token"
TXN_TOKEN_HEADER = "Txn-Token"


class _Forward(httpx.Auth):
    """Sends a received Txn-Token on, unmodified ("Txn-Token Validation")."""

    def __init__(self, txn_token: str) -> None:
        self._token = txn_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[TXN_TOKEN_HEADER] = self._token
        yield request

    def __repr__(self) -> str:
        return "TransactionToken.forward(…)"


class _TxnFlow(TokenFlow):
    """One transaction's Txn-Token, replaced (same ``txn``) when due."""

    def __init__(self, owner: TransactionToken, form: dict[str, str]) -> None:
        super().__init__(
            clock=owner.clock,
            refresh_ahead=owner.refresh_ahead,
            timeout=owner.timeout,
            http=owner.http,
            async_http=owner.async_http,
        )
        self._owner = owner
        self._form = form

    def _token_request(self, current: IssuedToken | None) -> TokenRequest:
        form = dict(self._form)
        if current is not None:  # a replacement keeps txn, sub and the context
            form.update(subject_token=current.access_token, subject_token_type=TXN_TOKEN_TYPE)
            form.pop("request_context", None)
            form.pop("request_details", None)
        return TokenRequest(
            self._owner.token_url, form=form, headers={"Authorization": self._owner._basic}
        )

    def _authorize(self, request: httpx.Request, issued: IssuedToken) -> None:
        request.headers[TXN_TOKEN_HEADER] = issued.access_token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        self._authorize(request, self.token())
        yield request  # no retry: a new Txn-Token would be a new transaction

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._authorize(request, await self.atoken())
        yield request

    def __repr__(self) -> str:
        return "TransactionToken.flow(…)"


class TransactionToken:
    """Txn-Tokens for a workload at the edge of ``trust_domain``::

    txn = TransactionToken(TOKEN_URL, "orders-service", secret,
                           trust_domain="shop.internal", scope="orders.read")
    auth = txn.for_subject(incoming_access_token, request_details={"order": "42"})
    await http.get(PROFILE + "/me", auth=auth)
    # further in: http.get(..., auth=TransactionToken.forward(request.headers["txn-token"]))
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        secret: str,
        *,
        trust_domain: str,
        scope: str,
        clock: Clock = SYSTEM_CLOCK,
        refresh_ahead: float = 10.0,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.trust_domain = trust_domain
        self.scope = scope
        self.clock = clock
        self.refresh_ahead = refresh_ahead
        self.timeout = timeout
        self.http = http
        self.async_http = async_http
        self._basic = basic_credentials(client_id, secret)

    def for_subject(
        self,
        subject_token: str,
        *,
        subject_token_type: str = ACCESS_TOKEN_TYPE,
        request_context: Mapping[str, Any] | None = None,
        request_details: Mapping[str, Any] | None = None,
    ) -> TokenFlow:
        """A new transaction for ``subject_token`` (the caller's access token, or an
        unsigned JSON subject for a transaction this workload starts itself)."""
        form = {
            "grant_type": TOKEN_EXCHANGE,
            "requested_token_type": TXN_TOKEN_TYPE,
            "audience": self.trust_domain,
            "scope": self.scope,
            "subject_token": subject_token,
            "subject_token_type": subject_token_type,
        }
        if request_context is not None:
            form["request_context"] = json.dumps(dict(request_context), separators=(",", ":"))
        if request_details is not None:
            form["request_details"] = json.dumps(dict(request_details), separators=(",", ":"))
        return _TxnFlow(self, form)

    @staticmethod
    def forward(txn_token: str) -> httpx.Auth:
        """An ``httpx.Auth`` that passes a received Txn-Token on as it came."""
        return _Forward(txn_token)

    def __repr__(self) -> str:
        return f"TransactionToken(client_id={self.client_id!r}, trust_domain={self.trust_domain!r})"
