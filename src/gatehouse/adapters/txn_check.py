"""``TxnTokenCheck``: the adapters' option for a route that takes (or needs) a Txn-Token.

draft-ietf-oauth-transaction-tokens ("Using Txn-Tokens"): a workload inside a Trust
Domain receives the transaction's context in the ``Txn-Token`` header, beside (never
instead of) its caller's own credentials, and verifies it ("Txn-Token Validation")
before trusting anything in it. ``txn_token=TxnTokenCheck(verifier, required=True)`` on
``@require_token`` and the ASGI/WSGI middlewares does that after the bearer token is
accepted: the verified claims reach the handler as ``txn`` (Lambda keyword argument,
ASGI ``scope["txn"]``, WSGI ``environ["gatehouse.txn"]``), and a missing (when
required), repeated or bad Txn-Token is a 401 before the handler runs. ``verifier`` is
the profile ``gatehouse.txn_verify.txn_token_verifier`` builds: explicit ``txntoken+jwt``
type and the Trust Domain as ``aud``, so an access token never passes as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatehouse._record import record
from gatehouse.txn_verify import txn_token_from_headers

if TYPE_CHECKING:
    from gatehouse.claims import Claims
    from gatehouse.verify import Verifier

__all__ = ["TxnTokenCheck"]


@record
class TxnTokenCheck:
    """Verify the request's ``Txn-Token`` with ``verifier``; ``required=False`` lets a
    request without one through (``txn`` is then ``None``), never a bad one."""

    verifier: Verifier
    required: bool = True

    def check(self, values: Sequence[str]) -> Claims | None:
        """The verified Txn-Token claims, or None when absent and optional; a
        ``TokenError`` (401) otherwise."""
        if not values and not self.required:
            return None
        return self.verifier.verify(txn_token_from_headers(values))

    async def check_async(self, values: Sequence[str]) -> Claims | None:
        """``check`` with the key source awaited (a remote JWKS refresh off the loop)."""
        if not values and not self.required:
            return None
        return await self.verifier.verify_async(txn_token_from_headers(values))
