"""Claims an API Gateway authorizer in front of the function has already verified.

When a route has a JWT authorizer (HTTP API) or a Lambda/Cognito authorizer (REST API),
API Gateway only invokes the function after the token passed, and hands over the claims in
``requestContext.authorizer``. Verifying again costs a signature check per call; trusting
them costs nothing but is only sound when *every* path to the function goes through that
authorizer (a Function URL or a second trigger would bypass it). Hence: off by default,
and used only by the Lambda decorator when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.claims import Claims

__all__ = ["upstream_claims"]

# Keys API Gateway adds to a REST Lambda authorizer's context that are not claims.
_NOT_CLAIMS = frozenset({"principalId", "integrationLatency", "usageIdentifierKey"})
# Claims a gatehouse authorizer flattens to space-separated strings (context values must
# be strings); turned back into lists so ``Claims.roles`` reads them.
_LIST_CLAIMS = ("roles",)


def _normalise(data: dict[str, Any], scopes: object = None) -> Claims:
    if "scope" not in data and isinstance(scopes, list):
        # HTTP API JWT authorizers list the token's scopes beside the claims.
        data["scope"] = " ".join(s for s in scopes if isinstance(s, str))
    for name in _LIST_CLAIMS:
        if isinstance(data.get(name), str):
            data[name] = data[name].split()
    return Claims(data)


def upstream_claims(event: HttpEvent) -> Claims | None:
    """The claims an upstream API Gateway authorizer verified, or ``None`` if there are none.

    HTTP API 2.0: ``authorizer.jwt.claims`` (JWT authorizer) or ``authorizer.lambda`` (a
    Lambda authorizer's context carrying ``sub``). REST 1.0: ``authorizer.claims`` (Cognito
    user pool authorizer) or the Lambda authorizer's flattened context with ``principalId``.
    ALB has no authorizer.
    """
    authorizer = event.authorizer
    if event.family is EventFamily.HTTP_V2:
        jwt = authorizer.get("jwt")
        if isinstance(jwt, Mapping) and isinstance(jwt.get("claims"), Mapping) and jwt["claims"]:
            return _normalise(dict(jwt["claims"]), jwt.get("scopes"))
        context = authorizer.get("lambda")
        if isinstance(context, Mapping) and isinstance(context.get("sub"), str):
            return _normalise(dict(context))
        return None
    if event.family is EventFamily.REST_V1:
        claims = authorizer.get("claims")
        if isinstance(claims, Mapping) and claims:
            return _normalise(dict(claims), authorizer.get("scopes"))
        principal = authorizer.get("principalId")
        if isinstance(principal, str) and principal:
            data = {k: v for k, v in authorizer.items() if k not in _NOT_CLAIMS}
            data.setdefault("sub", principal)
            return _normalise(data)
    return None
