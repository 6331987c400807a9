"""HTTP requests as the proxy events API Gateway sends a function.

Field for field after the recorded events in ``../shared/events`` and AWS's documented
input formats (tests/gateway/fidelity.py holds the comparison): REST API payload 1.0
keeps the client's header case, gives the last value of a repeated header in
``headers`` and all of them in ``multiValueHeaders``, and sends the ``identity`` members
an unauthenticated caller has as ``null``; HTTP API payload 2.0 lower-cases header
names, comma-joins repeats and moves every ``Cookie`` header's pairs to ``cookies``.
The authorizer inputs are in ``authorizer_events``.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import field
from typing import Any
from urllib.parse import parse_qsl

from gatehouse._record import record

__all__ = ["ACCOUNT", "API_ID", "REGION", "STAGE_V1", "STAGE_V2", "DevRequest", "proxy_event"]

ACCOUNT = "123456789012"
API_ID = "gatehousedev"
REGION = "us-east-1"
STAGE_V1 = "dev"
STAGE_V2 = "$default"
# requestContext.identity of a caller without IAM, Cognito or API-key credentials: AWS
# sends each of these as null (REST API proxy integration input format).
_NULL_IDENTITY = (
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "apiKey",
    "apiKeyId",
    "accessKey",
    "principalOrgId",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "user",
)


def _request_id() -> str:
    return str(uuid.uuid4())


def _extended_request_id() -> str:
    """API Gateway's second id (``extendedRequestId``), 16 base64 characters like AWS's."""
    return base64.b64encode(secrets.token_bytes(12)).decode("ascii")[:15] + "="


@record
class DevRequest:
    """One request as the gateway received it; ids and time are per request (never shared)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]  # names as the client wrote them, in order
    body: bytes
    source_ip: str
    route_path: str  # the route's template, e.g. /profiles/{sub}
    path_parameters: Mapping[str, str]
    route_method: str = ""  # the route's method: "ANY" for an ANY route; "" = method
    request_id: str = field(default_factory=_request_id)
    extended_request_id: str = field(default_factory=_extended_request_id)
    epoch: float = field(default_factory=time.time)

    @property
    def route_key(self) -> str:
        """``ANY /orders`` for an ANY route, as AWS reports it (not the request's method)."""
        return f"{self.route_method or self.method} {self.route_path}"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_values(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` (any case), in order."""
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    @property
    def domain_name(self) -> str:
        """The host the client addressed: ``requestContext.domainName`` as on a custom
        domain (no stage prefix in the client's URL, as on this gateway)."""
        return self.header("host") or f"{API_ID}.execute-api.{REGION}.amazonaws.com"

    @property
    def domain_prefix(self) -> str:
        """The first label of the host, without a port (``requestContext.domainPrefix``)."""
        return self.domain_name.split(".", 1)[0].split(":", 1)[0]

    @property
    def method_arn(self) -> str:
        """REST: ``arn:aws:execute-api:region:account:api/stage/METHOD/path``."""
        return self.arn(STAGE_V1)

    @property
    def route_arn(self) -> str:
        """HTTP API: the same shape, with the stage the event names (``$default``)."""
        return self.arn(STAGE_V2)

    def arn(self, stage: str) -> str:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{stage}/{self.method}{self.path}"


def _clf_time(epoch: float) -> str:
    """API Gateway's request time format: ``12/Mar/2020:19:03:58 +0000``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


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


def rest_parts(request: DevRequest) -> dict[str, Any]:
    """What a REST proxy event and a REST REQUEST authorizer input share."""
    query = _multi(parse_qsl(request.query, keep_blank_values=True))
    multi_headers = _multi(list(request.headers))
    identity: dict[str, Any] = dict.fromkeys(_NULL_IDENTITY)
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = request.header("user-agent") or ""
    return {
        "resource": request.route_path,
        "path": request.path,
        "httpMethod": request.method,
        # REST: the last value of a repeated header (or query parameter); all in multi*.
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(request.path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "resourceId": "dev",
            "domainName": request.domain_name,
            "domainPrefix": request.domain_prefix,
            "extendedRequestId": request.extended_request_id,
            "stage": STAGE_V1,
            "requestId": request.request_id,
            "resourcePath": request.route_path,
            "httpMethod": request.method,
            "path": f"/{STAGE_V1}{request.path}",
            "protocol": "HTTP/1.1",
            "requestTime": _clf_time(request.epoch),
            "requestTimeEpoch": int(request.epoch * 1000),
            "identity": identity,
        },
    }


def http_parts(request: DevRequest) -> dict[str, Any]:
    """What an HTTP API 2.0 event and its REQUEST authorizer input share."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in request.headers:
        name = key.lower()
        if name == "cookie":  # every Cookie header, not only the first
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query = parse_qsl(request.query, keep_blank_values=True)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": request.domain_name,
            "domainPrefix": request.domain_prefix,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent") or "",
            },
            "requestId": request.request_id,
            "routeKey": request.route_key,
            "stage": STAGE_V2,
            "time": _clf_time(request.epoch),
            "timeEpoch": int(request.epoch * 1000),
        },
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in _multi(query).items()}
    if request.path_parameters:
        event["pathParameters"] = dict(request.path_parameters)
    return event


def proxy_event(
    request: DevRequest, payload: str, authorizer: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The function's event, in payload format ``1.0`` or ``2.0``; ``authorizer`` is put
    as is under ``requestContext.authorizer``."""
    body, encoded = _body(request)
    if payload == "1.0":
        event = rest_parts(request)
        if authorizer is not None:
            event["requestContext"]["authorizer"] = dict(authorizer)
        event["body"] = body
        event["isBase64Encoded"] = encoded
        return event
    event = http_parts(request)
    if authorizer is not None:
        event["requestContext"]["authorizer"] = dict(authorizer)
    event["isBase64Encoded"] = encoded
    if body is not None:
        event["body"] = body
    return event
