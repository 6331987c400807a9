"""``gatehouse.client``: how services and scripts call each other, on httpx.

Each flow is an ``httpx.Auth`` (sync and async): pass it as ``auth=`` to an
``httpx.Client`` / ``httpx.AsyncClient`` or a single request. Install with
``pip install 'gatehouse-auth[client]'``; nothing here needs the issuer or server extras.

- ``ClientCredentials``: a service's own token (RFC 6749 §4.4).
- ``UserSession``: a user's login, refresh ahead of expiry, logout.
- ``TokenExchange``: call the next service for the user, as the actor (RFC 8693).
- ``TransactionToken``: obtain or forward the ``Txn-Token`` of a transaction.
- ``DPoPKey``: hand one to any flow and its tokens are bound to the key (RFC 9449).

Secrets, passwords and tokens are never logged and never shown in a ``repr``.
"""

from __future__ import annotations

from gatehouse.client.client_credentials import ClientCredentials
from gatehouse.client.dpop_key import DPoPKey
from gatehouse.client.issued import IssuedToken
from gatehouse.client.token_exchange import TokenExchange
from gatehouse.client.transaction_token import TransactionToken
from gatehouse.client.user_session import UserSession

__all__ = [
    "ClientCredentials",
    "DPoPKey",
    "IssuedToken",
    "TokenExchange",
    "TransactionToken",
    "UserSession",
]
