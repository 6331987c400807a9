"""``TokenService``'s DPoP methods (RFC 9449 §5, §8): what the HTTP layer calls.

A part of the one facade (``issuer.service``): the rules live in ``dpop_binding``; a
grant takes the checked key as ``dpop_jkt`` (``login``, ``refresh``,
``client_credentials``), and these methods check a request's proof and give the
nonce headers. Kept apart so the facade module stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.issuer.dpop_binding import TokenEndpointDPoP

__all__ = ["DPoPMethods"]


class DPoPMethods:
    """Checking a token request's proof and handing out nonces."""

    _dpop: TokenEndpointDPoP

    def check_dpop_proof(self, dpop: str | Sequence[str] | None, *, path: str) -> str | None:
        """The key thumbprint of a ``/login`` or ``/token`` request's DPoP proof, checked
        and used up (``htm`` POST, ``htu`` = the issuer URL + ``path``); None when the
        request has no ``DPoP`` header (or ``[dpop] enabled = false``). A bad proof is
        ``InvalidDPoPProofError``; a missing or stale nonce ``UseDPoPNonceError``."""
        return self._dpop.proof_jkt(dpop, path=path)

    def dpop_nonce_headers(self) -> dict[str, str]:
        """``{"DPoP-Nonce": …}`` for a token-endpoint answer when nonces are required
        (§8.2: clients move to the new nonce before the old one lapses), else ``{}``."""
        return self._dpop.nonce_headers()
