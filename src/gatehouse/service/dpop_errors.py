"""DPoP answers at the token endpoint (RFC 9449 §5, §8): 400, not a resource server's 401.

The proof errors (``InvalidDPoPProofError``, ``UseDPoPNonceError``) are the verifier
side's classes and carry its 401 + ``WWW-Authenticate`` (§7.1). At ``/login`` and
``/token`` the same failures are an RFC 6749 §5.2 error: HTTP 400 with
``{"error": "invalid_dpop_proof" | "use_dpop_nonce", "error_description": …}`` (§5,
§8 Figure 21, §12.2 registers both codes) and, for ``use_dpop_nonce``, the nonce to
retry with in ``DPoP-Nonce``. The mapping is made here, at the endpoint, so the
classes keep one meaning everywhere else.

With nonces required every answer of the endpoint carries the current ``DPoP-Nonce``
(§8.2), so a client moves to the next nonce before the one it holds lapses.
"""

from __future__ import annotations

import functools

from gatehouse.errors import DPoPBindingError, InvalidDPoPProofError, UseDPoPNonceError
from gatehouse.service.context import context_of
from gatehouse.service.errors import Endpoint, json_response
from gatehouse.service.web import Request, Response

__all__ = ["dpop_answers"]

_DESCRIPTIONS = {
    "use_dpop_nonce": "Send the DPoP proof again with the nonce in the DPoP-Nonce header.",
    "dpop_nonce_stale": "The DPoP nonce expired; use the one in the DPoP-Nonce header.",
}


def dpop_answers(endpoint: Endpoint) -> Endpoint:
    """Answer DPoP failures of a token endpoint with 400 (inside ``guarded``)."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        service = context_of(request).service
        try:
            response = await endpoint(request)
        except UseDPoPNonceError as exc:
            headers = {**service.dpop_nonce_headers(), "DPoP-Nonce": exc.nonce}
            description = _DESCRIPTIONS.get(exc.code, _DESCRIPTIONS["use_dpop_nonce"])
            body = {"error": "use_dpop_nonce", "error_description": description}
            return json_response(body, status=400, headers=headers)
        except (InvalidDPoPProofError, DPoPBindingError) as exc:
            body = {"error": "invalid_dpop_proof", "error_description": exc.message}
            return json_response(body, status=400, headers=service.dpop_nonce_headers())
        response.headers.update(service.dpop_nonce_headers())
        return response

    return wrapper
