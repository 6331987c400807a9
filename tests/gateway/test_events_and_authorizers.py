"""The dev gateway's events and authorizer cache, against what AWS sends and does."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from gatehouse import ManualClock
from gatehouse.gateway.authorizer_events import request_authorizer_event
from gatehouse.gateway.authorizers import LambdaAuthorizer
from gatehouse.gateway.events import DevRequest, proxy_event
from gatehouse.gateway.responses import http_response


def _request(path: str = "/profiles/42", token: str | None = "Bearer t") -> DevRequest:
    headers = [("Accept", "*/*"), ("Cookie", "a=1; b=2"), ("User-Agent", "curl")]
    if token:
        headers.append(("Authorization", token))
    return DevRequest(
        method="GET",
        path=path,
        query="x=1&x=2",
        headers=tuple(headers),
        body=b"{}",
        source_ip="127.0.0.1",
        route_path="/profiles/{sub}",
        path_parameters={"sub": "42"},
        epoch=1_700_000_000.0,
    )


def _recorded(shared_dir: Path, name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((shared_dir / "events" / name).read_text())
    return event


# Present in a recording only with mTLS, stage variables or a configured authorizer.
OPTIONAL = {"authentication", "authorizer", "stageVariables"}


@pytest.mark.parametrize(
    ("payload", "recording"),
    [
        ("1.0", "aws-sam-cli/apigateway-aws-proxy-v1.json"),
        ("2.0", "aws-sam-cli/apigateway-http-api-proxy-v2.json"),
    ],
)
def test_proxy_events_carry_the_fields_api_gateway_sends(
    shared_dir: Path, payload: str, recording: str
) -> None:
    """Every top-level and requestContext field of the recorded event is present locally."""
    recorded = _recorded(shared_dir, recording)
    event = proxy_event(_request(), payload, None)
    assert set(recorded) - OPTIONAL <= set(event)
    assert set(recorded["requestContext"]) - OPTIONAL <= set(event["requestContext"])


@pytest.mark.parametrize(
    ("payload", "recording"),
    [
        ("1.0", "aws-sam-cli/apigateway-request-authorizer.json"),
        ("2.0", "powertools/apiGatewayAuthorizerV2Event.json"),
    ],
)
def test_authorizer_events_carry_the_recorded_fields(
    shared_dir: Path, payload: str, recording: str
) -> None:
    """REQUEST authorizer inputs have the recorded fields, and no request body."""
    recorded = _recorded(shared_dir, recording)
    event = request_authorizer_event(_request(), payload, ["Bearer t"])
    assert set(recorded) - OPTIONAL <= set(event)
    assert "body" not in event
    assert "isBase64Encoded" not in event
    assert event["type"] == "REQUEST"


def test_v2_event_splits_cookies_and_joins_query_values() -> None:
    """HTTP API 2.0: cookies in their own list, repeated query values comma-joined."""
    event = proxy_event(_request(), "2.0", None)
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["pathParameters"] == {"sub": "42"}


def test_responses_in_both_formats() -> None:
    """A 2.0 handler may return any JSON value; a 1.0 one needs statusCode; base64 bodies."""
    assert http_response({"a": 1}, "2.0")[0] == 200
    encoded = {
        "statusCode": 201,
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
        "cookies": ["s=1"],
    }
    status, headers, body = http_response(encoded, "2.0")
    assert (status, body) == (201, b"\x00\x01")
    assert ("set-cookie", "s=1") in headers
    with pytest.raises(ValueError, match="statusCode"):
        http_response({"body": "x"}, "1.0")


def _policy(arn: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}],
        },
        "context": {"sub": "alice"},
    }


class CountingAuthorizer:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_cache_is_keyed_by_identity_and_rechecked_per_route() -> None:
    """A cached Allow for one ARN is re-evaluated for another (403), without a new call,
    and the authorizer runs again once the TTL has passed."""
    clock = ManualClock()
    profile = _request("/profile")
    handler = CountingAuthorizer(_policy(profile.method_arn))
    authorizer = LambdaAuthorizer(handler, ttl=300, simple_responses=False, clock=clock)
    first = authorizer.authorize(profile, None)
    assert (first.status, first.cached, first.context) == (
        200,
        False,
        {"sub": "alice", "principalId": "alice"},
    )
    other = authorizer.authorize(_request("/profiles/x"), None)
    assert (other.status, other.cached, handler.calls) == (403, True, 1)
    clock.advance(301)
    assert authorizer.authorize(profile, None).cached is False
    assert handler.calls == 2


def test_unauthorized_and_failures() -> None:
    """'Unauthorized' → 401 (not cached); any other exception → 500; no identity → 401
    without calling the authorizer."""
    request = _request()
    refusing = CountingAuthorizer(Exception("Unauthorized"))
    authorizer = LambdaAuthorizer(refusing, ttl=300, simple_responses=False)
    assert authorizer.authorize(request, None).status == 401
    assert authorizer.authorize(request, None).status == 401
    assert refusing.calls == 2
    broken = LambdaAuthorizer(
        CountingAuthorizer(RuntimeError("bug")), ttl=0, simple_responses=False
    )
    assert broken.authorize(request, None).status == 500
    unused = CountingAuthorizer(_policy(request.method_arn))
    anonymous = _request(token=None)
    assert (
        LambdaAuthorizer(unused, ttl=0, simple_responses=False).authorize(anonymous, None).status
        == 401
    )
    assert unused.calls == 0


def test_simple_responses_and_explicit_deny() -> None:
    """HTTP API simple responses pass their context; an explicit Deny beats an Allow."""
    request = _request()
    arn = request.method_arn
    simple = LambdaAuthorizer(
        CountingAuthorizer({"isAuthorized": True, "context": {"sub": "s"}}),
        ttl=0,
        simple_responses=True,
    )
    assert simple.authorize(request, None).context == {"sub": "s"}
    both = _policy(arn)
    both["policyDocument"]["Statement"].append(
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": arn.rsplit("/", 2)[0] + "/*"}
    )
    denying = LambdaAuthorizer(CountingAuthorizer(both), ttl=0, simple_responses=False)
    decision = denying.authorize(request, None)
    assert (decision.status, decision.explicit) == (403, True)
