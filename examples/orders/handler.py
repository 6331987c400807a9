"""The orders service: ``GET /orders`` for the caller, with their profile from profile.

Protected inside the function by ``@require_token``: every request's bearer token is
verified (signature against the token service's JWKS, ``iss``, ``aud``, ``exp``,
``typ``) and must carry the scope ``orders:read``, before this code runs. A refusal is
answered by the decorator with RFC 6750 401/403 in the event's own format (HTTP API
payload 2.0 here, but the same handler works behind REST APIs, ALB and Function URLs).

The customer's profile is read *for* her: her token is exchanged (RFC 8693) for one
with ``act.sub`` = orders-service and only ``profile:read``, so profile knows who asks
and for whom, and orders' own client secret or service token reads nobody's profile
(``profile_client.py``, docs/delegation.md).
"""

from __future__ import annotations

import json
import os
from typing import Any

from examples.environment import verifier_from_environment
from examples.orders.profile_client import ProfileClient, ProfileUnavailableError
from gatehouse import Claims
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.events import HttpEvent

__all__ = ["handler"]

# Once per container: warm invocations reuse the cached keys and exchanged tokens.
verifier = verifier_from_environment()
profiles = ProfileClient.from_environment(os.environ)

_ORDERS = (
    {"order_id": "A-1001", "item": "Tea, Darjeeling 250 g", "quantity": 2, "status": "shipped"},
    {"order_id": "A-1002", "item": "Teapot, cast iron", "quantity": 1, "status": "processing"},
)


def _bearer_token(event: dict[str, Any]) -> str:
    """The customer's access token, already verified by ``@require_token`` (RFC 6750 §2.1)."""
    (authorization,) = HttpEvent.from_dict(event).header_values("authorization")
    return authorization.split(None, 1)[1]


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps(body, sort_keys=True),
    }


@require_token(verifier, scopes=["orders:read"])
def handler(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
    if not claims.subject:
        return _response(403, {"error": "no_subject"})
    try:
        customer = profiles.fetch_for_user(_bearer_token(event))
    except ProfileUnavailableError:
        return _response(502, {"error": "profile_unavailable"})
    return _response(200, {"customer": customer, "orders": list(_ORDERS)})
