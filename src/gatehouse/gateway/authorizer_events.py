"""The inputs API Gateway gives a Lambda authorizer.

REST APIs send a TOKEN authorizer ``{type, authorizationToken, methodArn}`` and a REQUEST
authorizer the proxy event's request fields (no body, no ``isBase64Encoded``) with
``type`` and ``methodArn``; HTTP APIs (payload 2.0) send the 2.0 event's fields without
the body and ``isBase64Encoded``, with ``type``, ``routeArn`` (stage ``$default``, as in
``requestContext.stage``) and ``identitySource``, the values of the configured identity
sources. (Lambda authorizer input formats in the API Gateway developer guide.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gatehouse.gateway.events import DevRequest, http_parts, rest_parts

__all__ = ["request_authorizer_event", "token_authorizer_event"]


def token_authorizer_event(request: DevRequest, token: str) -> dict[str, Any]:
    """A REST TOKEN authorizer's input: the identity source's value and the method ARN."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": request.method_arn}


def request_authorizer_event(
    request: DevRequest, payload: str, identity: Sequence[str]
) -> dict[str, Any]:
    """A REQUEST authorizer's input: REST style for ``1.0``, HTTP API 2.0 otherwise;
    ``identity`` is the values of the configured identity sources, in order."""
    if payload == "1.0":
        return {"type": "REQUEST", "methodArn": request.method_arn, **rest_parts(request)}
    return {
        **http_parts(request),
        "type": "REQUEST",
        "routeArn": request.route_arn,
        "identitySource": list(identity),
    }
