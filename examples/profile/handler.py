"""The profile service: ``GET /profile`` (the caller's) and ``GET /profiles/{sub}``.

It sits behind the Lambda authorizer in ``authorizer.py`` and trusts what it passes on
(``requestContext.authorizer``: ``sub``, and ``act_sub`` when a service such as orders
calls for that user with an exchanged token): API Gateway runs the function only after an Allow, so
the function itself does not verify the token again. Only deploy it where every route
to it has that authorizer (a Function URL would bypass it). REST API events (payload
1.0) here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["handler"]


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps(body, sort_keys=True),
    }


def _profile(subject: str) -> dict[str, Any]:
    """A made-up profile: a real service would read its own table here."""
    return {"sub": subject, "tier": "gold", "country": "NL", "newsletter": False}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    authorizer = authorizer.get("lambda", authorizer)  # HTTP API nests a Lambda's context
    caller = authorizer.get("sub") or authorizer.get("principalId")
    if not isinstance(caller, str) or not caller:
        # Only reachable when the function is wired without its authorizer.
        return _response(401, {"error": "unauthorized"})
    wanted = (event.get("pathParameters") or {}).get("sub")
    subject = wanted if isinstance(wanted, str) and wanted else caller
    body: dict[str, Any] = {"profile": _profile(subject), "requested_by": caller}
    actor = authorizer.get("act_sub")
    if isinstance(actor, str) and actor:
        # An exchanged token (RFC 8693 §4.1): ``actor`` calls on behalf of ``caller``.
        body["actor"] = actor
    return _response(200, body)
