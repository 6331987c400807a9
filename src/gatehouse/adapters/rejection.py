"""One mapping from a gatehouse error to an HTTP answer, shared by every adapter.

RFC 6750 §3.1 fixes the statuses: 401 invalid_token, 403 insufficient_scope, 400
invalid_request, each with a ``WWW-Authenticate`` challenge. A key source or deny-list
store that is down is not the caller's fault: 503, no challenge. Anything else (a
configuration or programming error) is not answered here; it propagates loudly.

``lambda_response`` writes a refusal in each Lambda event family's response format.
Shapes follow the recorded responses AWS documents (aws-lambda-go ``apigw-response.json``
and ``alb-lambda-target-response.json``): REST payload 1.0 carries ``headers`` and
``multiValueHeaders``; HTTP API 2.0 and Function URLs carry ``headers`` and
``isBase64Encoded``; ALB requires ``statusDescription`` and exactly one header map: the
style the request came in (with multi-value headers on, ALB ignores ``headers``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from gatehouse.adapters.bearer import challenge, error_description, read_credentials
from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import (
    GatehouseError,
    InvalidRequestError,
    KeySourceError,
    StorageError,
    TokenError,
)

if TYPE_CHECKING:
    from gatehouse.dpop import DPoPVerifier

__all__ = ["ANSWERABLE", "Rejection", "dpop_reject", "lambda_response", "reject"]

# Errors an adapter turns into a response; any other GatehouseError is re-raised.
ANSWERABLE: tuple[type[GatehouseError], ...] = (
    TokenError,
    InvalidRequestError,
    KeySourceError,
    StorageError,
)

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    503: "Service Unavailable",
}


class Rejection:
    """Status, headers and JSON body of a refusal, in no framework's types.

    A plain slotted class, not a dataclass: ``dataclasses`` pulls in ``inspect`` and ~10 ms
    of imports, paid at every Lambda cold start.
    """

    __slots__ = ("description", "error", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], error: str, description: str) -> None:
        self.status = status
        self.headers = headers
        self.error = error
        self.description = description

    @property
    def body(self) -> str:
        """``{"error", "error_description"}`` as JSON text."""
        return json.dumps({"error": self.error, "error_description": self.description})

    @property
    def reason(self) -> str:
        """The reason phrase, for formats that want one (ALB's statusDescription)."""
        return _REASONS.get(self.status, "Error")


def reject(error: GatehouseError, *, realm: str, scopes: Iterable[str] = ()) -> Rejection:
    """The response for ``error``; re-raise it when it is not the request's fault."""
    if not isinstance(error, ANSWERABLE):
        raise error
    status = 503 if isinstance(error, KeySourceError | StorageError) else error.status
    headers = {"Content-Type": "application/json"}
    if status != 503:
        headers["WWW-Authenticate"] = challenge(error, realm=realm, scopes=scopes)
    return Rejection(status, headers, error.error, error_description(error))


def _scheme_tried(authorization: Sequence[str]) -> str:
    try:
        found = read_credentials(authorization, schemes=("dpop", "bearer"))
    except GatehouseError:
        found = None  # two headers or a malformed one: the error goes in the DPoP challenge
    return found[0] if found is not None else "dpop"


def dpop_reject(
    error: GatehouseError,
    dpop: DPoPVerifier,
    *,
    realm: str,
    scopes: Iterable[str] = (),
    tried: Sequence[str] = (),
) -> Rejection:
    """``reject`` for a resource taking DPoP: the ``DPoP`` challenge with ``algs`` (and the
    ``Bearer`` one when Bearer is also accepted), the error in the challenge of the scheme
    the request ``tried`` (RFC 9449 §7.1, §7.2), and ``DPoP-Nonce`` under a nonce policy
    (§9). 503 as ``reject``: no challenge."""
    if not isinstance(error, ANSWERABLE):
        raise error
    if isinstance(error, KeySourceError | StorageError):
        return reject(error, realm=realm, scopes=scopes)
    headers = {"Content-Type": "application/json"}
    headers.update(dpop.challenge(error, scheme=_scheme_tried(tried), realm=realm, scopes=scopes))
    return Rejection(error.status, headers, error.error, error_description(error))


def lambda_response(event: HttpEvent, rejection: Rejection) -> dict[str, Any]:
    """``rejection`` as the dict a Lambda function returns for ``event``."""
    headers = dict(rejection.headers)
    if event.family is EventFamily.ALB:
        response: dict[str, Any] = {
            "isBase64Encoded": False,
            "statusCode": rejection.status,
            "statusDescription": f"{rejection.status} {rejection.reason}",
        }
        if event.uses_multi_value_headers:
            response["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        else:
            response["headers"] = headers
        response["body"] = rejection.body
        return response
    if event.family is EventFamily.HTTP_V2:
        return {
            "statusCode": rejection.status,
            "headers": headers,
            "body": rejection.body,
            "isBase64Encoded": False,
        }
    return {
        "statusCode": rejection.status,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "body": rejection.body,
    }
