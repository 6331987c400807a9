"""`gatehouse dev` behaves as API Gateway and Lambda do (issue 10 §3), over real HTTP.

One gateway over a real socket with every function in its own worker process, started
once for the module; each row of the table sends one request and pins what AWS answers.
The functions are read from a ``[[functions]]`` table, as ``gatehouse dev`` reads them.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gatehouse import ManualClock
from gatehouse.functions.table import services_from_document
from gatehouse.gateway.handlers import load_functions
from gateway.gateway_stack import serve

HANDLERS = """
import json, os, threading

CALLS = {"n": 0}
NEVER = threading.Event()


def echo(event, context):
    CALLS["n"] += 1
    return {"statusCode": 200, "body": json.dumps({
        "event": event,
        "pid": os.getpid(),
        "calls": CALLS["n"],
        "invocation": context.aws_request_id,
        "env": {k: os.environ.get(k) for k in ("ONLY_A", "AWS_LAMBDA_FUNCTION_NAME")},
    })}


def flaky(event, context):
    if (event.get("queryStringParameters") or {}).get("crash"):
        os._exit(3)
    return echo(event, context)


def hang(event, context):
    NEVER.wait()  # never set: the configured timeout ends the invocation


def hog(event, context):
    return len(bytearray(512 * 1024 * 1024))


def boom(event, context):
    raise RuntimeError("handler bug")


def doubled(event, context):
    return {"statusCode": 200, "body": "ok",
            "headers": {"X-One": "1", "Set-Cookie": "a=1"},
            "multiValueHeaders": {"X-One": ["1"], "Set-Cookie": ["a=1", "b=2"]}}


def huge(event, context):
    return {"statusCode": 200, "body": "x" * (6 * 1024 * 1024 + 16)}


def _policy(event, effect, context=None, arn=None):
    return {"principalId": "alice", "context": context or {},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": effect,
                "Resource": arn or event["methodArn"]}]}}


def token_auth(event, context):
    token = event["authorizationToken"]
    if token == "bad":
        raise Exception("Unauthorized")
    if token == "object":
        return _policy(event, "Allow", {"o": {"a": 1}})
    if token == "elsewhere":
        return _policy(event, "Allow", arn="arn:aws:execute-api:us-east-1:1:x/dev/GET/other")
    context = {"n": 1, "ok": True, "s": "x", "type": event["type"]}
    return _policy(event, "Deny" if token == "deny" else "Allow", context)


def simple_auth(event, context):
    CALLS["n"] += 1
    return {"isAuthorized": True, "context": {
        "calls": CALLS["n"], "routeArn": event["routeArn"],
        "hasBase64Flag": "isBase64Encoded" in event, "identity": event["identitySource"]}}
"""

FUNCTIONS: list[dict[str, Any]] = [
    {"name": "rest", "handler": "fx.h.echo", "routes": ["GET /rest/{id}"], "event": "v1"},
    {"name": "http", "handler": "fx.h.echo", "routes": ["GET /http/{id}", "ANY /any"]},
    {
        "name": "isolated",
        "handler": "fx.h.echo",
        "routes": ["GET /isolated"],
        "environment": {"ONLY_A": "a"},
    },
    {"name": "flaky", "handler": "fx.h.flaky", "routes": ["GET /flaky"]},
    {"name": "hang", "handler": "fx.h.hang", "routes": ["GET /hang"], "timeout": 0.3},
    {"name": "hog", "handler": "fx.h.hog", "routes": ["GET /hog"], "memory": 128},
    {"name": "boom", "handler": "fx.h.boom", "routes": ["GET /boom"], "event": "v1"},
    {"name": "doubled", "handler": "fx.h.doubled", "routes": ["GET /doubled"], "event": "v1"},
    {"name": "huge", "handler": "fx.h.huge", "routes": ["GET /huge"]},
    {"name": "upload", "handler": "fx.h.echo", "routes": ["POST /upload"]},
    {
        "name": "tokened",
        "handler": "fx.h.echo",
        "routes": ["GET /tokened"],
        "event": "v1",
        "auth": {"type": "lambda", "authorizer": "fx.h.token_auth", "authorizer_type": "token"},
    },
    {
        "name": "keyed",
        "handler": "fx.h.echo",
        "routes": ["GET /keyed/a", "GET /keyed/b"],
        "auth": {
            "type": "lambda",
            "authorizer": "fx.h.simple_auth",
            "identity_sources": ["$request.header.X-Api-Token"],
        },
    },
]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The gateway with every function above, each in its own workers."""
    project = tmp_path_factory.mktemp("project")
    (project / "fx").mkdir()
    (project / "fx" / "__init__.py").write_text("")
    (project / "fx" / "h.py").write_text(HANDLERS)
    specs = services_from_document({"functions": FUNCTIONS})
    functions = load_functions(
        specs, log=lambda line: None, base={}, parent=dict(os.environ), project=str(project)
    )
    with serve(functions, ManualClock(wall=1_700_000_000.0)) as running:
        yield running


def _get(url: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(kwargs.pop("method", "GET"), url + path, timeout=30.0, **kwargs)


def _body(response: httpx.Response) -> dict[str, Any]:
    """The echo handler's answer: its event, pid, call count, invocation id, environment."""
    assert response.status_code == 200, response.text
    data: dict[str, Any] = json.loads(response.text)
    return data


Check = Callable[[str], None]


def _rest_headers(url: str) -> None:
    headers = [("X-Mixed-Case", "a"), ("X-Rep", "1"), ("X-Rep", "2")]
    event = _body(_get(url, "/rest/7", headers=headers))["event"]
    assert event["headers"]["X-Mixed-Case"] == "a"
    assert event["headers"]["X-Rep"] == "2"  # REST: the last value
    assert event["multiValueHeaders"]["X-Rep"] == ["1", "2"]
    identity = event["requestContext"]["identity"]
    assert identity["caller"] is None
    assert identity["userArn"] is None
    assert event["requestContext"]["extendedRequestId"]


def _two_cookies(url: str) -> None:
    headers = [("Cookie", "a=1"), ("Cookie", "b=2; c=3")]
    event = _body(_get(url, "/http/7", headers=headers))["event"]
    assert event["cookies"] == ["a=1", "b=2", "c=3"]


def _any_route(url: str) -> None:
    event = _body(_get(url, "/any", method="DELETE"))["event"]
    assert event["routeKey"] == "ANY /any"
    assert event["requestContext"]["routeKey"] == "ANY /any"
    assert event["requestContext"]["http"]["method"] == "DELETE"


def _token_authorizer(url: str) -> None:
    answer = _get(url, "/tokened", headers={"Authorization": "good"})
    authorizer = _body(answer)["event"]["requestContext"]["authorizer"]
    assert isinstance(authorizer.pop("integrationLatency"), int)
    assert authorizer == {"n": "1", "ok": "true", "s": "x", "type": "TOKEN", "principalId": "alice"}


def _rest_texts(url: str) -> None:
    cases = {
        None: (401, {"message": "Unauthorized"}),
        "bad": (401, {"message": "Unauthorized"}),
        "deny": (
            403,
            {"message": "User is not authorized to access this resource with an explicit deny"},
        ),
        "elsewhere": (403, {"message": "User is not authorized to access this resource"}),
        "object": (500, {"message": None}),
    }
    for token, expected in cases.items():
        headers = {"Authorization": token} if token else {}
        answer = _get(url, "/tokened", headers=headers)
        assert (answer.status_code, answer.json()) == expected, token


def _identity_sources_key_the_cache(url: str) -> None:
    refused = _get(url, "/keyed/a", headers={"Authorization": "Bearer t"})
    assert refused.status_code == 401  # the configured source is X-Api-Token
    first = _body(_get(url, "/keyed/a", headers={"X-Api-Token": "k1"}))["event"]
    again = _body(_get(url, "/keyed/a", headers={"X-Api-Token": "k1"}))["event"]
    other = _body(_get(url, "/keyed/b", headers={"X-Api-Token": "k1"}))["event"]
    calls = [e["requestContext"]["authorizer"]["lambda"]["calls"] for e in (first, again, other)]
    assert calls[0] == calls[1]  # the cached answer, on the same route
    assert calls[2] == calls[0] + 1  # routeKey is part of the key (deploy sam's template)
    context = first["requestContext"]["authorizer"]["lambda"]
    assert context["routeArn"].split("/")[1] == "$default" == first["requestContext"]["stage"]
    assert context["hasBase64Flag"] is False
    assert context["identity"] == ["k1"]


def _response_pair_once(url: str) -> None:
    answer = _get(url, "/doubled")
    assert answer.headers.get_list("x-one") == ["1"]
    assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]


def _payload_limits(url: str) -> None:
    fits = _get(url, "/upload", method="POST", content=b"\xff" * (4 * 1024 * 1024))
    assert fits.status_code == 200
    too_big = _get(url, "/upload", method="POST", content=b"\xff" * (5 * 1024 * 1024))
    assert too_big.status_code == 413  # 5 MiB of binary is ~7 MB as a base64 event
    huge = _get(url, "/huge")
    assert (huge.status_code, huge.json()) == (502, {"message": "Internal server error"})


def _timeout_crash_memory(url: str) -> None:
    for path in ("/hang", "/hog", "/flaky?crash=1", "/boom"):
        answer = _get(url, path)
        assert answer.status_code == 502, path
    flaky = _get(url, "/flaky")
    assert flaky.status_code == 200  # a fresh worker; the stack serves on
    assert _get(url, "/hang?again=1").status_code == 502


def _warm_and_isolated(url: str) -> None:
    one = _body(_get(url, "/http/1"))
    two = _body(_get(url, "/http/2"))
    assert one["pid"] == two["pid"] != os.getpid()
    assert two["calls"] == one["calls"] + 1  # module state kept: a warm sandbox
    assert one["invocation"] != two["invocation"]
    ids = {answer["event"]["requestContext"]["requestId"] for answer in (one, two)}
    assert len(ids) == 2
    isolated = _body(_get(url, "/isolated"))
    assert isolated["env"] == {"ONLY_A": "a", "AWS_LAMBDA_FUNCTION_NAME": "isolated"}
    assert one["env"] == {"ONLY_A": None, "AWS_LAMBDA_FUNCTION_NAME": "http"}
    assert "ONLY_A" not in os.environ


def _request_ids_and_log(url: str, lines: list[str]) -> None:
    answer = _get(url, "/rest/9")
    request_id = answer.headers["x-amzn-requestid"]
    assert _body(answer)["event"]["requestContext"]["requestId"] == request_id
    line = next(line for line in lines if request_id in line)
    assert line.startswith("2023-11-14T22:13:20Z ")  # the injected clock's time
    assert "GET /rest/9 → 200" in line


TABLE: dict[str, Check] = {
    "REST keeps header case, last value in headers, all in multiValueHeaders": _rest_headers,
    "two Cookie headers both reach v2 cookies": _two_cookies,
    "an ANY route reports routeKey ANY /path": _any_route,
    "a TOKEN authorizer, its context values as strings": _token_authorizer,
    "REST refusals answer API Gateway's texts; object context is 500": _rest_texts,
    "identity sources (+ routeKey) key the authorizer cache": _identity_sources_key_the_cache,
    "a pair in headers and multiValueHeaders is sent once": _response_pair_once,
    "6 MB holds on the event JSON and on the response": _payload_limits,
    "timeout, out of memory, crash and errors answer 502; the stack serves on": (
        _timeout_crash_memory
    ),
    "warm reuse, own environment, unique request ids": _warm_and_isolated,
}


@pytest.mark.parametrize("behaviour", list(TABLE), ids=list(TABLE))
def test_behaves_as_api_gateway(gateway: tuple[str, list[str]], behaviour: str) -> None:
    """Each row: the request gets what API Gateway and Lambda would answer."""
    TABLE[behaviour](gateway[0])


def test_request_lines_carry_ids_and_timestamps(gateway: tuple[str, list[str]]) -> None:
    """A request's log line: the clock's timestamp, the request id in x-amzn-RequestId."""
    _request_ids_and_log(*gateway)


def test_the_gateway_process_is_untouched(gateway: tuple[str, list[str]]) -> None:
    """No handler module is imported into the gateway, nor the project put on sys.path."""
    assert "fx.h" not in sys.modules
    assert not any(Path(p).name.startswith("project") for p in sys.path)


def test_binary_bodies_arrive_base64(gateway: tuple[str, list[str]]) -> None:
    """A non-UTF-8 body reaches the handler base64-encoded with isBase64Encoded."""
    answer = _get(gateway[0], "/upload", method="POST", content=b"\xff\x00")
    event = _body(answer)["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00"


def test_a_timeout_is_logged_as_lambda_says_it(gateway: tuple[str, list[str]]) -> None:
    """The configured timeout ends the invocation: 502 and Lambda's own words in the log."""
    url, lines = gateway
    assert _get(url, "/hang?logged=1").status_code == 502
    assert any("[hang]" in line and "Task timed out after 0.30 seconds" in line for line in lines)
