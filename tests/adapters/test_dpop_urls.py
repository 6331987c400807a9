"""The URL a client addressed (a DPoP proof's ``htu``), rebuilt per recorded event and server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.adapters.proxies import TrustedProxies, asgi_url, wsgi_url
from gatehouse.adapters.target_url import lambda_url
from gatehouse.errors import ConfigurationError, InvalidRequestError

from .conftest import EVENTS, event_names, load_event

# Every recorded HTTP or REQUEST-authorizer event → the URL its client addressed. None:
# the recording names no usable host (a placeholder such as "<url-id>", or none at all).
EXPECTED: dict[str, str | None] = {
    "aws-lambda-go/alb-lambda-target-request-headers-only.json": (
        "http://lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com/"
    ),
    "aws-lambda-go/alb-lambda-target-request-multivalue-headers.json": (
        "http://lambda-test-alb-1234567.us-east-1.elb.amazonaws.com/"
    ),
    "aws-lambda-go/apigw-custom-auth-request-type-request.json": (
        "https://....execute-api.us-east-1.amazonaws.com/test/request"
    ),
    "aws-lambda-go/apigw-request.json": (
        "https://gy415nuibc.execute-api.us-east-2.amazonaws.com/testStage/hello/world"
    ),
    "aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json": None,
    "aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "aws-lambda-go/apigw-v2-request-iam.json": "https://id.execute-api.us-east-1.amazonaws.com/my/path",
    "aws-lambda-go/apigw-v2-request-jwt-authorizer.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "aws-lambda-go/apigw-v2-request-lambda-authorizer.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "aws-lambda-go/apigw-v2-request-no-authorizer.json": (
        "https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com/"
    ),
    "aws-lambda-go/lambda-urls-request.json": None,
    "aws-sam-cli/alb-request.json": "http://lambda-alb-123578498.us-east-2.elb.amazonaws.com/path/to/resource",
    "aws-sam-cli/apigateway-aws-proxy-v1.json": (
        "https://0123456789.execute-api.us-east-1.amazonaws.com/dev/rest/hello"
    ),
    "aws-sam-cli/apigateway-http-api-proxy-v2.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/path/to/resource"
    ),
    "aws-sam-cli/apigateway-request-authorizer.json": None,
    "powertools/albEvent.json": "http://lambda-alb-123578498.us-east-2.elb.amazonaws.com/lambda",
    "powertools/albMultiValueHeadersEvent.json": (
        "http://alb-c-LoadB-14POFKYCLBNSF-1815800096.eu-central-1.elb.amazonaws.com/todos"
    ),
    "powertools/albMultiValueQueryStringEvent.json": (
        "http://alb-c-LoadB-14POFKYCLBNSF-1815800096.eu-central-1.elb.amazonaws.com/todos"
    ),
    "powertools/apiGatewayAuthorizerRequestEvent.json": (
        "https://3npb9j1tlk.execute-api.us-west-1.amazonaws.com/request"
    ),
    "powertools/apiGatewayAuthorizerV2Event.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/merchants"
    ),
    "powertools/apiGatewayProxyEvent.json": "https://id.execute-api.us-east-1.amazonaws.com/my/path",
    "powertools/apiGatewayProxyEventPrincipalId.json": None,
    "powertools/apiGatewayProxyEvent_noVersionAuth.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "powertools/apiGatewayProxyV2Event.json": "https://id.execute-api.us-east-1.amazonaws.com/my/path",
    "powertools/apiGatewayProxyV2Event_GET.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "powertools/apiGatewayProxyV2IamEvent.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "powertools/apiGatewayProxyV2LambdaAuthorizerEvent.json": (
        "https://id.execute-api.us-east-1.amazonaws.com/my/path"
    ),
    "powertools/lambdaFunctionUrlEvent.json": None,
}


def _view(event: dict[str, Any]) -> HttpEvent:
    if event.get("type") == "REQUEST":  # authorizer input: the same fields as a proxy event
        family = EventFamily.HTTP_V2 if event.get("version") == "2.0" else EventFamily.REST_V1
        return HttpEvent(event, family)
    return HttpEvent.from_dict(event)


def _recorded(name: str) -> dict[str, Any]:
    return load_event(EVENTS / name)


def test_every_recorded_request_event_has_an_expected_url() -> None:
    """The table covers every recorded HTTP and REQUEST-authorizer event, no more."""
    names = {
        n
        for n in event_names()
        if "response" not in n and _recorded(n).get("type") in (None, "REQUEST")
    }
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_event_url(name: str) -> None:
    """Each event family's URL: REST stage prefix on execute-api, rawPath, ALB's proto and Host."""
    view = _view(_recorded(name))
    expected = EXPECTED[name]
    if expected is None:
        with pytest.raises(InvalidRequestError):
            lambda_url(view)
    else:
        assert lambda_url(view) == expected


def test_function_url_uses_its_domain_and_raw_path() -> None:
    """A Function URL event: https, requestContext.domainName, rawPath as sent."""
    event = _recorded("powertools/lambdaFunctionUrlEvent.json")
    event["requestContext"]["domainName"] = "abc123.lambda-url.us-east-1.on.aws"
    event["rawPath"] = "/orders/42"
    assert (
        lambda_url(HttpEvent.from_dict(event))
        == "https://abc123.lambda-url.us-east-1.on.aws/orders/42"
    )


def test_rest_custom_domain_gets_no_stage_prefix() -> None:
    """On a custom domain, a REST event's path (base path mapping included) is used as is."""
    event = _recorded("aws-sam-cli/apigateway-aws-proxy-v1.json")
    event["requestContext"]["domainName"] = "api.example.com"
    event["path"] = "/v1/rest/hello"
    assert lambda_url(HttpEvent.from_dict(event)) == "https://api.example.com/v1/rest/hello"


def test_http_api_named_stage_is_in_raw_path_already() -> None:
    """HTTP API 2.0: rawPath carries a named stage itself; nothing is added."""
    event = _recorded("powertools/apiGatewayProxyV2Event.json")
    event["requestContext"]["stage"] = "prod"
    event["rawPath"] = "/prod/my/path"
    assert lambda_url(HttpEvent.from_dict(event)).endswith(".amazonaws.com/prod/my/path")


def test_path_characters_outside_rfc3986_are_percent_encoded() -> None:
    """A decoded path (a space, non-ASCII) becomes the percent-encoded form a client sends."""
    event = _recorded("aws-sam-cli/apigateway-aws-proxy-v1.json")
    event["path"] = "/rest/a b/é"
    assert lambda_url(HttpEvent.from_dict(event)).endswith("/dev/rest/a%20b/%C3%A9")


@pytest.mark.parametrize("host", ["evil.example/x", "user@api.example.com", "a b", ""])
def test_unusable_host_header_is_a_400(host: str) -> None:
    """An ALB Host header that could move the path or name a user is refused, not used."""
    event = _recorded("powertools/albEvent.json")
    event["headers"]["host"] = host
    with pytest.raises(InvalidRequestError):
        lambda_url(HttpEvent.from_dict(event))


def test_unknown_forwarded_scheme_is_a_400() -> None:
    """A scheme other than http/https is refused."""
    event = _recorded("powertools/albEvent.json")
    event["headers"]["x-forwarded-proto"] = "ftp"
    with pytest.raises(InvalidRequestError):
        lambda_url(HttpEvent.from_dict(event))


def _scope(**overrides: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "http",
        "method": "GET",
        "path": "/orders/1",
        "root_path": "",
        "headers": [(b"host", b"internal:8000")],
        "server": ("10.0.0.5", 8000),
        "client": ("10.0.0.9", 51000),
    }
    scope.update(overrides)
    return scope


FORWARDED = [
    (b"host", b"internal:8000"),
    (b"x-forwarded-proto", b"https"),
    (b"x-forwarded-host", b"api.example.com"),
]


def test_asgi_url_from_scope() -> None:
    """Scheme from the scope, host from the Host header, the path."""
    assert asgi_url(_scope(), TrustedProxies()) == "http://internal:8000/orders/1"


def test_asgi_forwarded_headers_only_from_trusted_proxies() -> None:
    """X-Forwarded-Proto/-Host count from a trusted peer and are ignored from anyone else."""
    scope = _scope(headers=FORWARDED)
    assert asgi_url(scope, TrustedProxies(["10.0.0.0/24"])) == "https://api.example.com/orders/1"
    assert asgi_url(scope, TrustedProxies(["192.168.0.1"])) == "http://internal:8000/orders/1"
    assert asgi_url(scope, TrustedProxies()) == "http://internal:8000/orders/1"


def test_asgi_root_path_is_prefixed_only_when_missing() -> None:
    """root_path prefixes a path that lacks it, and is not doubled when path includes it."""
    proxies = TrustedProxies()
    assert asgi_url(_scope(root_path="/api"), proxies) == "http://internal:8000/api/orders/1"
    both = _scope(root_path="/api", path="/api/orders/1")
    assert asgi_url(both, proxies) == "http://internal:8000/api/orders/1"


def test_asgi_websocket_and_server_fallback() -> None:
    """wss maps to https; without a Host header the server address is used."""
    scope = _scope(type="websocket", scheme="wss", headers=[])
    assert asgi_url(scope, TrustedProxies()) == "https://10.0.0.5:8000/orders/1"


def test_pinned_origin_overrides_host_and_forwarding() -> None:
    """origin= fixes scheme and host whatever the headers say."""
    scope = _scope(headers=FORWARDED)
    pinned = asgi_url(scope, TrustedProxies(["10.0.0.0/8"]), origin="https://api.example.org")
    assert pinned == "https://api.example.org/orders/1"


def test_wsgi_url_reconstruction() -> None:
    """PEP 3333: url_scheme, HTTP_HOST, SCRIPT_NAME + PATH_INFO (UTF-8 bytes re-encoded)."""
    environ: dict[str, Any] = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SCRIPT_NAME": "/app",
        "PATH_INFO": "/é".encode().decode("latin-1"),
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_X_FORWARDED_PROTO": "http, https",
        "HTTP_X_FORWARDED_HOST": "api.example.com",
    }
    assert wsgi_url(environ, TrustedProxies()) == "http://internal:8000/app/%C3%A9"
    trusted = wsgi_url(environ, TrustedProxies(["10.0.0.9"]))
    assert trusted == "https://api.example.com/app/%C3%A9"
    del environ["HTTP_HOST"]
    environ.update(SERVER_NAME="srv", SERVER_PORT="8080")
    assert wsgi_url(environ, TrustedProxies()) == "http://srv:8080/app/%C3%A9"


def test_bad_trusted_proxy_is_a_configuration_error() -> None:
    """A trusted proxy that is no address or CIDR is refused at construction."""
    with pytest.raises(ConfigurationError):
        TrustedProxies(["not-an-address"])


@settings(max_examples=200, deadline=None)
@given(
    host=st.text(max_size=40),
    path=st.text(max_size=60),
    proto=st.text(max_size=8),
    stage=st.text(max_size=10),
)
def test_any_event_gives_a_url_or_a_400(host: str, path: str, proto: str, stage: str) -> None:
    """Whatever a REST event holds, the URL is a string or the error is InvalidRequestError."""
    event = {
        "httpMethod": "GET",
        "path": path,
        "headers": {"Host": host, "X-Forwarded-Proto": proto},
        "requestContext": {"stage": stage, "domainName": host},
    }
    try:
        url = lambda_url(HttpEvent.from_dict(event))
    except InvalidRequestError:
        return
    assert url.startswith(("http://", "https://"))
    assert "?" not in url
    assert "#" not in url
