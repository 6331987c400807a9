"""Key paths and JSON types of the dev gateway's events against AWS's recorded events.

Each kind of event the gateway emits (REST proxy, HTTP API proxy behind the JWT and behind
a Lambda authorizer, REST REQUEST and TOKEN authorizer inputs, HTTP API REQUEST
authorizer input) is compared with every recording
of that kind in ``../shared/events``: the recordings' key paths are merged (with the JSON
types seen for each), keys of free-form maps (headers, query strings, path parameters,
authorizer contexts, claims) become ``*``, and the emitted event is counted as

- missing: a recorded path the gateway does not emit (unless ``OPTIONAL`` names it, with
  the reason AWS leaves it out of our events too),
- mistyped: an emitted path whose JSON type no recording shows (``null`` in a recording
  marks a nullable field: a string there is fine; ``null`` where AWS always sends a
  value is not),
- extra: an emitted path no recording shows and ``EXTRAS`` does not document.

Used by tests/gateway/test_event_fidelity.py (zero of each) and bench/event_fidelity.py
(prints the counts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "Counts", "compare", "key_paths", "recorded_paths"]

KINDS: Mapping[str, tuple[str, ...]] = {
    "rest-proxy": (
        "aws-sam-cli/apigateway-aws-proxy-v1.json",
        "aws-lambda-go/apigw-request.json",
        "powertools/apiGatewayProxyEvent.json",
        "powertools/apiGatewayProxyEventPrincipalId.json",
        "powertools/apiGatewayProxyEvent_noVersionAuth.json",
    ),
    "http-proxy": (
        "aws-sam-cli/apigateway-http-api-proxy-v2.json",
        "aws-lambda-go/apigw-v2-request-jwt-authorizer.json",
        "aws-lambda-go/apigw-v2-request-no-authorizer.json",
        "aws-lambda-go/apigw-v2-request-lambda-authorizer.json",
        "aws-lambda-go/apigw-v2-request-iam.json",
        "powertools/apiGatewayProxyV2Event.json",
        "powertools/apiGatewayProxyV2Event_GET.json",
        "powertools/apiGatewayProxyV2LambdaAuthorizerEvent.json",
        "powertools/apiGatewayProxyV2IamEvent.json",
    ),
    "http-proxy-lambda": (
        "aws-lambda-go/apigw-v2-request-lambda-authorizer.json",
        "powertools/apiGatewayProxyV2LambdaAuthorizerEvent.json",
    ),
    "rest-request-authorizer": (
        "aws-sam-cli/apigateway-request-authorizer.json",
        "aws-lambda-go/apigw-custom-auth-request-type-request.json",
        "powertools/apiGatewayAuthorizerRequestEvent.json",
    ),
    "rest-token-authorizer": (
        "aws-sam-cli/apigateway-authorizer-token.json",
        "aws-lambda-go/apigw-custom-auth-request.json",
        "powertools/apiGatewayAuthorizerTokenEvent.json",
    ),
    "http-request-authorizer": (
        "powertools/apiGatewayAuthorizerV2Event.json",
        "aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json",
    ),
}

# Free-form maps: their keys are data (header names, claim names), not fields.
MAPS = (
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext.authorizer.jwt.claims",
    "requestContext.authorizer.lambda",
    "requestContext.authorizer.claims",
)
# REST: requestContext.authorizer is the authorizer's context itself (any keys).
REST_MAPS = ("requestContext.authorizer",)

# Recorded paths our events leave out, and why (AWS leaves them out in the same case).
_ANY_KIND: Mapping[str, str] = {
    "requestContext.identity.clientCert": "mutual TLS only (a custom domain with a truststore)",
    "requestContext.authentication": "mutual TLS only",
    "requestContext.identity.cognitoAmr": "Cognito identity pools only",
}
OPTIONAL: Mapping[str, Mapping[str, str]] = {
    "rest-proxy": {
        **_ANY_KIND,
        "version": "HTTP API payload 1.0 only (REST sends none)",
        "stageVariables.*": "only when the stage defines variables (null otherwise)",
    },
    "http-proxy": {
        **_ANY_KIND,
        "stageVariables": "only when the stage defines variables",
        "requestContext.authorizer.iam": "an IAM-authorized route (not a gatehouse mode)",
        "requestContext.authorizer.lambda": "a Lambda-authorized route (emitted then)",
        "requestContext.authorizer.principalId": "a Lambda authorizer with payload 1.0",
        "requestContext.authorizer.integrationLatency": "a Lambda authorizer with payload 1.0",
    },
    "http-proxy-lambda": {
        **_ANY_KIND,
        "stageVariables": "only when the stage defines variables",
        "requestContext.authorizer.jwt": "a JWT-authorized route (the other sample)",
    },
    "rest-request-authorizer": {
        **_ANY_KIND,
        "version": "HTTP API payload-1.0 authorizer input only",
        "identitySource": "HTTP API payload-1.0 authorizer input only",
        "authorizationToken": "HTTP API payload-1.0 authorizer input only",
        "stageVariables.*": "only when the stage defines variables (null otherwise)",
    },
    "rest-token-authorizer": {},
    "http-request-authorizer": {
        **_ANY_KIND,
        "stageVariables": "only when the stage defines variables",
    },
}
# Emitted paths no recording shows, and where AWS documents them.
EXTRAS: Mapping[str, Mapping[str, str]] = {
    "rest-request-authorizer": {
        "pathParameters.*": "the route's path parameters (the recorded routes have none)",
        "requestContext.identity.apiKeyId": "sent beside apiKey, as in the proxy event",
    },
}
# Paths AWS sends as null in the case our events emit, beside the recordings' values.
_NO_API_KEY = "null unless the method requires an API key"
NULLABLE: Mapping[str, Mapping[str, str]] = {
    "rest-proxy": {
        "requestContext.identity.apiKey": _NO_API_KEY,
        "requestContext.identity.apiKeyId": _NO_API_KEY,
    },
    "rest-request-authorizer": {
        "stageVariables": "null when the stage defines none, as in the proxy event",
        "requestContext.identity.apiKey": _NO_API_KEY,
    },
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def key_paths(event: Any, maps: Iterable[str] = ()) -> dict[str, set[str]]:
    """``{"requestContext.identity.sourceIp": {"string"}, "cookies[]": {"string"}, ...}``;
    the keys of a map named in ``maps`` (or ``MAPS``) appear as ``*``."""
    free = set(MAPS) | set(maps)
    found: dict[str, set[str]] = {}

    def walk(value: Any, path: str) -> None:
        if path:
            found.setdefault(path, set()).add(_json_type(value))
        if isinstance(value, dict):
            for key, item in value.items():
                name = "*" if path in free else str(key)
                walk(item, f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            for item in value:
                walk(item, f"{path}[]")

    walk(event, "")
    return found


def _maps(kind: str) -> tuple[str, ...]:
    return REST_MAPS if kind.startswith("rest-") else ()


def recorded_paths(kind: str, events_dir: Path) -> dict[str, set[str]]:
    """The union of the key paths (and their types) of every recording of ``kind``."""
    merged: dict[str, set[str]] = {}
    for name in KINDS[kind]:
        event = json.loads((events_dir / name).read_text())
        for path, types in key_paths(event, _maps(kind)).items():
            merged.setdefault(path, set()).update(types)
    return merged


def _covered(path: str, names: Iterable[str]) -> bool:
    return any(path == n or path.startswith((f"{n}.", f"{n}[")) for n in names)


def _compatible(emitted: set[str], recorded: set[str]) -> bool:
    """Types seen in a recording; a recorded ``null`` also admits the field's values."""
    return emitted <= recorded or ("null" in recorded and "null" not in emitted)


@dataclass(frozen=True, slots=True)
class Counts:
    kind: str
    missing: tuple[str, ...]
    mistyped: tuple[str, ...]
    extra: tuple[str, ...]

    def line(self) -> str:
        return (
            f"{self.kind:24} missing {len(self.missing):3}  mistyped {len(self.mistyped):3}"
            f"  extra {len(self.extra):3}"
        )


def compare(kind: str, emitted: Mapping[str, Any] | None, events_dir: Path) -> Counts:
    """``emitted`` (None: the gateway cannot emit this kind) against the recordings."""
    recorded = recorded_paths(kind, events_dir)
    ours = key_paths(emitted, _maps(kind)) if emitted is not None else {}
    optional, extras = OPTIONAL.get(kind, {}), EXTRAS.get(kind, {})
    for path in NULLABLE.get(kind, {}):
        recorded.setdefault(path, set()).add("null")
    missing = sorted(p for p in recorded if p not in ours and not _covered(p, optional))
    mistyped = sorted(
        f"{p}: {'/'.join(sorted(t))} (recorded {'/'.join(sorted(recorded[p]))})"
        for p, t in ours.items()
        if p in recorded and not _compatible(t, recorded[p])
    )
    extra = sorted(p for p in ours if p not in recorded and not _covered(p, extras))
    return Counts(kind, tuple(missing), tuple(mistyped), tuple(extra))


Emitter = Callable[[], Mapping[str, Any] | None]


def sample_request() -> Any:
    """A request that exercises every field: query, path parameter, body, two Cookie
    headers, a bearer token, headers in the client's case."""
    from gatehouse.gateway.events import DevRequest

    return DevRequest(
        method="GET",
        path="/profiles/42",
        query="x=1&x=2",
        headers=(
            ("Host", "127.0.0.1:8000"),
            ("User-Agent", "curl/8.5.0"),
            ("Accept", "*/*"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
            ("Authorization", "Bearer t"),
        ),
        body=b'{"a": 1}',
        source_ip="127.0.0.1",
        route_path="/profiles/{sub}",
        path_parameters={"sub": "42"},
        epoch=1_700_000_000.0,
    )


def sample_events() -> dict[str, Mapping[str, Any] | None]:
    """One emitted event of each kind, as the gateway builds them for ``sample_request``."""
    from gatehouse.gateway.authorizer_events import (
        request_authorizer_event,
        token_authorizer_event,
    )
    from gatehouse.gateway.events import proxy_event

    request = sample_request()
    rest_context = {"principalId": "alice", "sub": "alice", "integrationLatency": 3}
    jwt = {"jwt": {"claims": {"sub": "alice"}, "scopes": ["orders:read"]}}
    return {
        "rest-proxy": proxy_event(request, "1.0", rest_context),
        "http-proxy": proxy_event(request, "2.0", jwt),
        "http-proxy-lambda": proxy_event(request, "2.0", {"lambda": {"sub": "alice"}}),
        "rest-request-authorizer": request_authorizer_event(request, "1.0", ["Bearer t"]),
        "rest-token-authorizer": token_authorizer_event(request, "Bearer t"),
        "http-request-authorizer": request_authorizer_event(request, "2.0", ["Bearer t"]),
    }
