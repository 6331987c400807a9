"""The Lambda dispatch answers as the ASGI app behind ``LambdaBridge`` does.

``LambdaDispatch`` hands an event straight to the route handler (no Starlette, no event
loop) and leaves 404, 405, the trailing-slash redirect and CORS to the ASGI app. A table
of good and bad requests, in every event family, is sent both ways over one stack and
the two response dicts compared: equal, once the values that differ by design are masked
(fresh tokens, their lengths, cookie dates, the order of a set in ``Allow``).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import JSON_TYPE, LOGIN, PASSWORD, basic
from service_stack import Stack, _dispatch_over, make_stack
from test_lambda import ALB, ALB_MULTI, URL, V1, V2, _load, request

from gatehouse.service.lambda_bridge import LambdaBridge
from gatehouse.service.lambda_dispatch import LambdaDispatch

FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
FAMILIES = [V1, V2, URL, ALB, ALB_MULTI]
# Values minted afresh by each answer (tokens, ids) and what depends on their length.
_FRESH = {"access_token", "refresh_token", "jti", "sid"}
_COOKIE_VALUE = re.compile(r"^([^=]+)=[^;]*")
_EXPIRES = re.compile(r"expires=[^;]+", re.IGNORECASE)


Event = dict[str, Any]
Answer = dict[str, Any]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    built = make_stack(tmp_path, GATEHOUSE_HTTP_REFRESH_COOKIE="true")
    try:
        yield built
    finally:
        built.stores.close()


@pytest.fixture
def both(stack: Stack) -> Iterator[tuple[LambdaDispatch, LambdaBridge]]:
    dispatch = _dispatch_over(stack)
    bridge = LambdaBridge(stack.app)  # type: ignore[arg-type]
    try:
        yield dispatch, bridge
    finally:
        dispatch.close()
        bridge.close()


def _masked_body(answer: Answer) -> Any:
    body = answer.get("body", "")
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if isinstance(document, dict):
        return {k: ("<fresh>" if k in _FRESH else v) for k, v in document.items()}
    return document


def _masked_cookie(cookie: str) -> str:
    return _EXPIRES.sub("expires=<now>", _COOKIE_VALUE.sub(r"\1=<fresh>", cookie))


def _masked_headers(headers: dict[str, Any], fresh: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in headers.items():
        low = name.lower()
        if low == "content-length" and fresh:
            out[name] = "<length>"
        elif low == "allow":
            # Starlette keeps a route's methods in a set: their order is the set's.
            out[name] = sorted(v.strip() for v in (value if isinstance(value, list) else [value]))
        elif low == "set-cookie":
            cookies = value if isinstance(value, list) else [value]
            out[name] = [_masked_cookie(c) for c in cookies]
        else:
            out[name] = value
    return out


def _masked(answer: Answer) -> Answer:
    """The answer with every value that is fresh by design replaced by a marker."""
    fresh = any(k in _FRESH for k in (_masked_body(answer) or {}) if isinstance(k, str))
    masked = {**answer, "body": _masked_body(answer)}
    for field in ("headers", "multiValueHeaders"):
        if field in answer:
            masked[field] = _masked_headers(answer[field], fresh)
    if "cookies" in answer:
        masked["cookies"] = [_masked_cookie(c) for c in answer["cookies"]]
    return masked


def _bad_dpop_login(event: Event) -> Event:
    return request(event, "POST", "/login", LOGIN, {**JSON_TYPE, "DPoP": "not.a.proof"})


# (id, event builder): each builds a request from a family's recorded event.
CASES: list[tuple[str, Callable[[Event], Event]]] = [
    ("login", lambda e: request(e, "POST", "/login", LOGIN, JSON_TYPE)),
    (
        "login-base64",
        lambda e: request(e, "POST", "/login", LOGIN, JSON_TYPE, base64_body=True),
    ),
    (
        "login-cookie",
        lambda e: request(
            e,
            "POST",
            "/login",
            json.dumps({"username": "alice", "password": PASSWORD, "cookie": True}),
            JSON_TYPE,
        ),
    ),
    (
        "login-wrong-password",
        lambda e: request(
            e, "POST", "/login", json.dumps({"username": "alice", "password": "no"}), JSON_TYPE
        ),
    ),
    ("login-form-415", lambda e: request(e, "POST", "/login", "username=alice", FORM_TYPE)),
    (
        "login-latin1-charset",
        lambda e: request(
            e, "POST", "/login", LOGIN, {"Content-Type": "application/json; charset=latin-1"}
        ),
    ),
    ("login-not-json", lambda e: request(e, "POST", "/login", "{", JSON_TYPE)),
    (
        "login-duplicate-member",
        lambda e: request(e, "POST", "/login", '{"username":"a","username":"b"}', JSON_TYPE),
    ),
    (
        "login-escaped-surrogate",
        lambda e: request(e, "POST", "/login", '{"username":"\\ud800"}', JSON_TYPE),
    ),
    ("login-413", lambda e: request(e, "POST", "/login", "x" * 20000, JSON_TYPE)),
    (
        "login-content-length-lies",
        lambda e: request(e, "POST", "/login", LOGIN, {**JSON_TYPE, "Content-Length": "99999"}),
    ),
    ("login-bad-dpop", _bad_dpop_login),
    (
        "login-bad-base64",
        lambda e: {**request(e, "POST", "/login", "%%%"), "isBase64Encoded": True},
    ),
    ("token-no-grant", lambda e: request(e, "POST", "/token", "scope=x", FORM_TYPE)),
    (
        "token-password-grant",
        lambda e: request(e, "POST", "/token", "grant_type=password", FORM_TYPE),
    ),
    (
        "token-bad-refresh",
        lambda e: request(
            e, "POST", "/token", "grant_type=refresh_token&refresh_token=nope", FORM_TYPE
        ),
    ),
    (
        "token-cookie-without-csrf",
        lambda e: request(
            e,
            "POST",
            "/token",
            "grant_type=refresh_token",
            {**FORM_TYPE, "Cookie": "__Secure-gatehouse-refresh=abc"},
        ),
    ),
    (
        "token-client-credentials-no-auth",
        lambda e: request(e, "POST", "/token", "grant_type=client_credentials", FORM_TYPE),
    ),
    (
        "token-basic-malformed",
        lambda e: request(
            e,
            "POST",
            "/token",
            "grant_type=client_credentials",
            {**FORM_TYPE, "Authorization": "Basic !!!"},
        ),
    ),
    ("token-json-415", lambda e: request(e, "POST", "/token", "{}", JSON_TYPE)),
    ("logout-nothing", lambda e: request(e, "POST", "/logout", "{}", JSON_TYPE)),
    (
        "logout-bearer-garbage",
        lambda e: request(e, "POST", "/logout", "{}", {**JSON_TYPE, "Authorization": "Bearer x"}),
    ),
    ("revoke-no-token", lambda e: request(e, "POST", "/revoke", "", FORM_TYPE)),
    ("revoke-unknown", lambda e: request(e, "POST", "/revoke", "token=nope", FORM_TYPE)),
    ("introspect-no-client", lambda e: request(e, "POST", "/introspect", "token=x", FORM_TYPE)),
    ("jwks", lambda e: request(e, "GET", "/.well-known/jwks.json")),
    ("jwks-head", lambda e: request(e, "HEAD", "/.well-known/jwks.json")),
    ("metadata-oidc", lambda e: request(e, "GET", "/.well-known/openid-configuration")),
    ("metadata-oauth", lambda e: request(e, "GET", "/.well-known/oauth-authorization-server")),
    ("openapi", lambda e: request(e, "GET", "/openapi.json")),
    ("health", lambda e: request(e, "GET", "/health")),
    ("status-aggregation", lambda e: request(e, "GET", "/statuslists")),
    ("status-list-1", lambda e: request(e, "GET", "/statuslists/1")),
    ("status-list-0", lambda e: request(e, "GET", "/statuslists/0")),
    ("status-list-word", lambda e: request(e, "GET", "/statuslists/abc")),
    ("status-list-unknown", lambda e: request(e, "GET", "/statuslists/99")),
    ("fallback-404", lambda e: request(e, "GET", "/nowhere")),
    ("fallback-405", lambda e: request(e, "GET", "/login")),
    ("fallback-405-post", lambda e: request(e, "POST", "/health", "")),
    ("fallback-slash-redirect", lambda e: request(e, "POST", "/login/", LOGIN, JSON_TYPE)),
    ("fallback-newline", lambda e: request(e, "GET", "/health\n")),
    ("fallback-deeper", lambda e: request(e, "GET", "/statuslists/1/2")),
]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("case", "build"), CASES, ids=[c for c, _ in CASES])
def test_dispatch_answers_as_the_asgi_app(
    shared_dir: Path,
    both: tuple[LambdaDispatch, LambdaBridge],
    family: str,
    case: str,
    build: Callable[[Event], Event],
) -> None:
    """The same event gets the same status, headers, cookies and body both ways."""
    dispatch, bridge = both
    event = build(_load(shared_dir, family))
    direct = dispatch(copy.deepcopy(event), None)
    through_asgi = bridge(copy.deepcopy(event), None)
    assert _masked(direct) == _masked(through_asgi)


def test_token_grant_with_client_credentials_matches(
    shared_dir: Path, stack: Stack, both: tuple[LambdaDispatch, LambdaBridge]
) -> None:
    """A registered client's client_credentials token: same shape both ways."""
    dispatch, bridge = both
    headers = {**FORM_TYPE, **basic(stack.client_id, stack.client_secret)}
    event = request(
        _load(shared_dir, V2), "POST", "/token", "grant_type=client_credentials", headers
    )
    direct, through_asgi = dispatch(copy.deepcopy(event), None), bridge(event, None)
    assert direct["statusCode"] == 200, direct["body"]
    assert _masked(direct) == _masked(through_asgi)


def test_cookie_refresh_round_trip_both_ways(
    shared_dir: Path, both: tuple[LambdaDispatch, LambdaBridge]
) -> None:
    """Browser mode: the cookies one door sets refresh through the other (CSRF included)."""
    dispatch, bridge = both
    event = _load(shared_dir, V2)
    body = json.dumps({"username": "alice", "password": PASSWORD, "cookie": True})
    for first, second in ((dispatch, bridge), (bridge, dispatch)):
        login = first(request(event, "POST", "/login", body, JSON_TYPE), None)
        cookies = [c.split(";")[0] for c in login["cookies"]]
        csrf = next(c.split("=", 1)[1] for c in cookies if "csrf" in c)
        refresh = request(
            event, "POST", "/token", "grant_type=refresh_token", {**FORM_TYPE, "X-CSRF-Token": csrf}
        )
        refresh["cookies"] = cookies
        answer = second(refresh, None)
        assert answer["statusCode"] == 200, answer["body"]


def test_the_dispatch_needs_an_inline_context(stack: Stack) -> None:
    """A context that would run calls in worker threads cannot drive handlers inline."""
    with pytest.raises(ValueError, match="inline"):
        LambdaDispatch(stack.app.state.gatehouse, lambda: stack.app)  # type: ignore[attr-defined, arg-type, return-value]


def test_bodies_are_read_once_base64_decoded(
    shared_dir: Path, both: tuple[LambdaDispatch, LambdaBridge]
) -> None:
    """A binary-safe base64 body reaches the handler as the bytes it encodes."""
    dispatch, _ = both
    event = request(_load(shared_dir, V1), "POST", "/login", LOGIN, JSON_TYPE)
    event["body"] = base64.b64encode(LOGIN.encode()).decode()
    event["isBase64Encoded"] = True
    assert dispatch(event, None)["statusCode"] == 200
