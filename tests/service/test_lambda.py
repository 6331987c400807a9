"""The token service behind API Gateway REST (1.0), HTTP API (2.0), Function URLs and ALB,
driven with the recorded events in ../shared/events, through both Lambda front doors."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import PASSWORD
from service_stack import Stack, make_stack, service_environ

from gatehouse.service import lambda_entry
from gatehouse.service.lambda_bridge import LambdaBridge
from gatehouse.service.lambda_dispatch import LambdaDispatch

V2 = "aws-lambda-go/apigw-v2-request-no-authorizer.json"
V1 = "aws-lambda-go/apigw-request.json"
URL = "aws-lambda-go/lambda-urls-request.json"
ALB = "aws-lambda-go/alb-lambda-target-request-headers-only.json"
ALB_MULTI = "aws-lambda-go/alb-lambda-target-request-multivalue-headers.json"


def _load(shared_dir: Path, name: str) -> dict[str, Any]:
    with open(shared_dir / "events" / name, encoding="utf-8") as fh:
        event: dict[str, Any] = json.load(fh)
    return event


def request(
    event: dict[str, Any],
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A recorded event re-aimed at one of our endpoints, in its own family's fields."""
    event = copy.deepcopy(event)
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    if event.get("version") == "2.0":
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["rawPath"] = path
        event["rawQueryString"] = ""
        event["headers"] = {**event.get("headers", {}), **sent}
        event.pop("cookies", None)
    else:
        event["httpMethod"] = method
        event["path"] = path
        event["queryStringParameters"] = None
        event["multiValueQueryStringParameters"] = None
        if isinstance(event.get("headers"), dict):
            event["headers"] = {**event["headers"], **sent}
        if isinstance(event.get("multiValueHeaders"), dict):
            multi = {k: v for k, v in event["multiValueHeaders"].items() if k.lower() not in sent}
            event["multiValueHeaders"] = {**multi, **{k: [v] for k, v in sent.items()}}
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    event["body"] = body
    event["isBase64Encoded"] = base64_body
    return event


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    built = make_stack(tmp_path, GATEHOUSE_HTTP_REFRESH_COOKIE="true")
    try:
        yield built
    finally:
        built.stores.close()


Door = LambdaBridge | LambdaDispatch


@pytest.fixture(params=["asgi", "dispatch"])
def bridge(stack: Stack, request: pytest.FixtureRequest) -> Iterator[Door]:
    """Both Lambda front doors over the stack: the ASGI app behind ``LambdaBridge`` and
    ``LambdaDispatch``, which calls the route handlers without it (what
    ``lambda_entry.handler`` runs); every test here holds for both."""
    made: Door
    if request.param == "asgi":
        made = LambdaBridge(stack.app)  # type: ignore[arg-type]
    else:
        context = dataclasses.replace(stack.app.state.gatehouse, inline=True)  # type: ignore[attr-defined]
        made = LambdaDispatch(context, lambda: stack.app)  # type: ignore[arg-type, return-value]
    try:
        yield made
    finally:
        made.close()


LOGIN = json.dumps({"username": "alice", "password": PASSWORD})
JSON_TYPE = {"Content-Type": "application/json"}


@pytest.mark.parametrize("name", [V2, URL])
def test_v2_family_login_and_jwks(shared_dir: Path, bridge: Door, name: str) -> None:
    """HTTP API 2.0 and Function URLs: statusCode, string headers, body, isBase64Encoded."""
    event = _load(shared_dir, name)
    answer = bridge(request(event, "POST", "/login", LOGIN, JSON_TYPE), None)
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is False
    assert answer["headers"]["cache-control"] == "no-store"
    assert all(isinstance(v, str) for v in answer["headers"].values())
    assert json.loads(answer["body"])["token_type"] == "Bearer"
    assert "multiValueHeaders" not in answer
    keys = bridge(request(event, "GET", "/.well-known/jwks.json"), None)
    assert keys["statusCode"] == 200
    assert keys["headers"]["cache-control"].startswith("public, max-age=")
    assert len(json.loads(keys["body"])["keys"]) == 2


def test_v2_cookies_travel_in_the_cookies_arrays(shared_dir: Path, bridge: Door) -> None:
    """Set-Cookie leaves as the 2.0 "cookies" array; request cookies arrive from it too."""
    event = _load(shared_dir, V2)
    body = json.dumps({"username": "alice", "password": PASSWORD, "cookie": True})
    answer = bridge(request(event, "POST", "/login", body, JSON_TYPE), None)
    assert "set-cookie" not in answer["headers"]
    cookies = [c.split(";")[0] for c in answer["cookies"]]
    assert len(cookies) == 2
    csrf = next(c.split("=", 1)[1] for c in cookies if "csrf" in c)
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf}
    refresh = request(event, "POST", "/token", "grant_type=refresh_token", form)
    refresh["cookies"] = cookies
    answer = bridge(refresh, None)
    assert answer["statusCode"] == 200, answer["body"]
    assert answer["cookies"]


def test_rest_v1_login_with_base64_body(shared_dir: Path, bridge: Door) -> None:
    """REST payload 1.0: headers and multiValueHeaders; a base64 body is decoded."""
    event = _load(shared_dir, V1)
    answer = bridge(request(event, "POST", "/login", LOGIN, JSON_TYPE, base64_body=True), None)
    assert answer["statusCode"] == 200, answer["body"]
    assert answer["multiValueHeaders"]["cache-control"] == ["no-store"]
    assert answer["headers"]["pragma"] == "no-cache"
    assert json.loads(answer["body"])["refresh_token"]


def test_rest_v1_error_shape(shared_dir: Path, bridge: Door) -> None:
    """An OAuth error keeps its status and JSON body through the bridge."""
    event = _load(shared_dir, V1)
    bad = json.dumps({"username": "alice", "password": "wrong"})
    answer = bridge(request(event, "POST", "/login", bad, JSON_TYPE), None)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "invalid_grant"
    broken = request(event, "POST", "/login", "not base64!", JSON_TYPE)
    broken["isBase64Encoded"] = True
    answer = bridge(broken, None)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "invalid_request"


def test_bad_bodies_are_400_json_built_by_json_dumps(shared_dir: Path, bridge: Door) -> None:
    """A text body holding a lone surrogate is 400 invalid_request (not a crash), and the
    bridge's own error body is exactly what json.dumps writes."""
    event = _load(shared_dir, V1)
    surrogate = request(event, "POST", "/login", '{"username": "a\ud800"}', JSON_TYPE)
    answer = bridge(surrogate, None)
    assert answer["statusCode"] == 400
    assert answer["body"] == json.dumps(
        {"error": "invalid_request", "error_description": "the body is not valid Unicode text"}
    )


@pytest.mark.parametrize("name", [ALB, ALB_MULTI])
def test_alb_answers_in_the_request_header_style(shared_dir: Path, bridge: Door, name: str) -> None:
    """ALB: statusDescription and exactly the header map style the request used."""
    event = _load(shared_dir, name)
    answer = bridge(request(event, "GET", "/health"), None)
    assert answer["statusCode"] == 200
    assert answer["statusDescription"] == "200 OK"
    multi = "multiValueHeaders" in event and "headers" not in event
    assert ("multiValueHeaders" in answer) is multi
    assert ("headers" in answer) is not multi


def test_source_ip_feeds_the_throttle(shared_dir: Path, bridge: Door, stack: Stack) -> None:
    """The requestContext sourceIp is the client address the throttle counts."""
    event = _load(shared_dir, V2)
    ip = event["requestContext"]["http"]["sourceIp"]
    bad = json.dumps({"username": "alice", "password": "wrong"})
    for _ in range(3):
        bridge(request(event, "POST", "/login", bad, JSON_TYPE), None)
    counted = stack.stores.stores.throttle.register_failure(
        f"addr:{ip}", now=stack.clock.time(), window=900
    )
    assert counted == 4


def test_handler_builds_lazily_from_the_environment(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module-level handler builds the app on first call from GATEHOUSE_* variables."""
    for name, value in service_environ(tmp_path / "lambda.db").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lambda_entry._Lazy, "bridge", None)
    event = _load(shared_dir, V2)
    try:
        answer = lambda_entry.handler(request(event, "GET", "/.well-known/jwks.json"), None)
        assert answer["statusCode"] == 200
        assert lambda_entry._Lazy.bridge is not None
        first = lambda_entry._Lazy.bridge
        lambda_entry.handler(request(event, "GET", "/health"), None)
        assert lambda_entry._Lazy.bridge is first
    finally:
        if lambda_entry._Lazy.bridge is not None:
            lambda_entry._Lazy.bridge.close()
