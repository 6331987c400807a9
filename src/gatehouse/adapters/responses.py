"""A refusal in each event family's response format.

Shapes follow the recorded responses AWS documents (aws-lambda-go ``apigw-response.json``
and ``alb-lambda-target-response.json``): REST payload 1.0 carries ``headers`` and
``multiValueHeaders``; HTTP API 2.0 and Function URLs carry ``headers`` and
``isBase64Encoded``; ALB requires ``statusDescription`` and exactly one header map — the
style the request came in (with multi-value headers on, ALB ignores ``headers``).
"""

from __future__ import annotations

from typing import Any

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.adapters.rejection import Rejection

__all__ = ["lambda_response"]


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
