"""What API Gateway answers when it, not the function, ends a request.

One declaration per case and API type, with the bodies and ``x-amzn-ErrorType`` headers
AWS sends: a REST API's default gateway responses (``{"message": ...}`` from
``$context.error.messageString``: ``Unauthorized``, ``User is not authorized to access
this resource`` for a policy that does not allow the method, the same ``with an explicit
deny`` for a Deny statement, ``null`` for an authorizer that failed) and an HTTP API's
(``Unauthorized``, ``Forbidden``, ``Internal Server Error``). Lambda failures (an error,
a timeout, a crash, an oversized response) are 502 ``Internal server error``.
"""

from __future__ import annotations

import json

__all__ = ["refusal"]

_REST = {
    "unauthorized": (401, "Unauthorized", "UnauthorizedException"),
    "denied": (403, "User is not authorized to access this resource", "AccessDeniedException"),
    "denied-explicit": (
        403,
        "User is not authorized to access this resource with an explicit deny",
        "AccessDeniedException",
    ),
    "forbidden": (403, "Forbidden", "AccessDeniedException"),
    "authorizer-failed": (500, None, "AuthorizerConfigurationException"),
    "unavailable": (503, "Service Unavailable", None),
    "too-large": (413, "Request Entity Too Large", None),
    "function-failed": (502, "Internal server error", None),
}
_HTTP = {
    "unauthorized": (401, "Unauthorized", None),
    "denied": (403, "Forbidden", None),
    "denied-explicit": (403, "Forbidden", None),
    "forbidden": (403, "Forbidden", None),
    "authorizer-failed": (500, "Internal Server Error", None),
    "unavailable": (503, "Service Unavailable", None),
    "too-large": (413, "Request Entity Too Large", None),
    "function-failed": (502, "Internal server error", None),
}


def refusal(case: str, payload: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of API Gateway's answer in ``case`` for a REST (``1.0``)
    or HTTP API (``2.0``) route."""
    status, text, error_type = (_REST if payload == "1.0" else _HTTP)[case]
    headers = [("content-type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return status, headers, json.dumps({"message": text}).encode()
