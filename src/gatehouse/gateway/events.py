"""HTTP requests as the events API Gateway sends, and Lambda results back as HTTP.

Field for field after the recorded events in ``../shared/events`` (REST API payload 1.0,
HTTP API payload 2.0, and the REQUEST authorizer inputs), so a handler meets locally
the same shapes it meets in AWS.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["DevRequest", "authorizer_event", "http_response", "proxy_event"]

ACCOUNT = "123456789012"
API_ID = "gatehousedev"
REGION = "us-east-1"
STAGE_V1 = "dev"


@dataclass(frozen=True, slots=True)
class DevRequest:
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]  # lower-cased names, in order
    body: bytes
    source_ip: str
    route_path: str  # the route's template, e.g. /profiles/{sub}
    path_parameters: Mapping[str, str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.route_path}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` (lower case), in order."""
        return tuple(value for key, value in self.headers if key == name)

    @property
    def domain_name(self) -> str:
        """The host the client addressed: ``requestContext.domainName`` as on a custom
        domain (no stage prefix in the client's URL, as on this gateway)."""
        return self.header("host") or f"{API_ID}.execute-api.{REGION}.amazonaws.com"

    @property
    def method_arn(self) -> str:
        return (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE_V1}/{self.method}{self.path}"
        )


def _clf_time(epoch: float) -> str:
    """API Gateway's request time format: ``12/Mar/2020:19:03:58 +0000``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def _joined_headers(request: DevRequest) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in request.headers:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return multi


def _body(request: DevRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode("ascii"), True


def proxy_event(
    request: DevRequest,
    payload: str,
    authorizer: Mapping[str, Any] | None,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    """The function's event, in payload format ``1.0`` or ``2.0``; ``authorizer`` is put
    as is under ``requestContext.authorizer``."""
    now = time.time() if now is None else now
    body, encoded = _body(request)
    query = parse_qsl(request.query, keep_blank_values=True)
    request_id = str(uuid.uuid4())
    agent = request.header("user-agent") or ""
    if payload == "1.0":
        multi_query = _multi(query)
        context: dict[str, Any] = {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "resourceId": "dev",
            "domainName": request.domain_name,
            "stage": STAGE_V1,
            "requestId": request_id,
            "resourcePath": request.route_path,
            "httpMethod": request.method,
            "path": f"/{STAGE_V1}{request.path}",
            "protocol": "HTTP/1.1",
            "requestTime": _clf_time(now),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": request.source_ip, "userAgent": agent},
        }
        if authorizer is not None:
            context["authorizer"] = dict(authorizer)
        return {
            "resource": request.route_path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": _joined_headers(request),
            "multiValueHeaders": _multi(list(request.headers)),
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": dict(request.path_parameters) or None,
            "stageVariables": None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": encoded,
        }
    cookies = [c.strip() for c in (request.header("cookie") or "").split(";") if c.strip()]
    headers = {k: v for k, v in _joined_headers(request).items() if k != "cookie"}
    context = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": request.domain_name,
        "domainPrefix": API_ID,
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": agent,
        },
        "requestId": request_id,
        "routeKey": request.route_key,
        "stage": "$default",
        "time": _clf_time(now),
        "timeEpoch": int(now * 1000),
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in _multi(query).items()}
    if request.path_parameters:
        event["pathParameters"] = dict(request.path_parameters)
    if body is not None:
        event["body"] = body
    return event


def authorizer_event(request: DevRequest, payload: str) -> dict[str, Any]:
    """A REQUEST authorizer's input: REST style for ``1.0``, HTTP API 2.0 otherwise."""
    if payload == "1.0":
        event = proxy_event(request, "1.0", None)
        event.pop("body")
        event.pop("isBase64Encoded")
        return {"type": "REQUEST", "methodArn": request.method_arn, **event}
    event = proxy_event(request, "2.0", None)
    event.pop("body", None)
    identity = request.header("authorization")
    return {
        **event,
        "type": "REQUEST",
        "routeArn": request.method_arn,
        "identitySource": [identity] if identity else [],
    }


def http_response(result: Any, payload: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """A handler's return value as (status, headers, body); ``ValueError`` if malformed."""
    if payload == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # HTTP API 2.0 infers a 200 JSON response from any other value.
        return 200, [("content-type", "application/json")], json.dumps(result).encode()
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("a proxy response needs an integer statusCode")
    headers: list[tuple[str, str]] = [
        (str(k).lower(), str(v)) for k, v in (result.get("headers") or {}).items()
    ]
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(key).lower(), str(v)) for v in values]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or ()]
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("a proxy response body must be a string")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result["statusCode"]), headers, raw
