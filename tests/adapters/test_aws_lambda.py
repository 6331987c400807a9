"""@require_token over every recorded HTTP event family in ../shared/events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatehouse import Claims, ManualClock, Verifier
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import ConfigurationError, InvalidRequestError

from .conftest import (
    AUDIENCE,
    ISSUER,
    DownDenyList,
    Mint,
    RevokedSessions,
    load_event,
    with_authorization,
)

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "events"
HTTP_EVENTS = sorted(
    str(p.relative_to(EVENTS))
    for p in EVENTS.glob("*/*.json")
    if "response" not in p.name and "type" not in json.loads(p.read_text())
)


def _event(shared_dir: Path, name: str, authorization: str | None) -> dict[str, Any]:
    return with_authorization(load_event(shared_dir / "events" / name), authorization)


def _echo(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"sub": claims.subject})}


def _recorded(shared_dir: Path, name: str) -> dict[str, Any]:
    return load_event(shared_dir / "events" / "aws-lambda-go" / name)


def _assert_same_shape(response: dict[str, Any], recorded: dict[str, Any]) -> None:
    for key, value in response.items():
        assert key in recorded, key
        assert type(value) is type(recorded[key]), key
        if key == "headers":
            assert all(isinstance(v, str) for v in value.values())
        if key == "multiValueHeaders":
            assert all(isinstance(v, list) and v for v in value.values())


def _assert_family_shape(shared_dir: Path, event: dict[str, Any], response: dict[str, Any]) -> None:
    view = HttpEvent.from_dict(event)
    if view.family is EventFamily.ALB:
        recorded = _recorded(shared_dir, "alb-lambda-target-response.json")
        _assert_same_shape(response, recorded)
        header_key = "multiValueHeaders" if view.uses_multi_value_headers else "headers"
        other = "headers" if header_key == "multiValueHeaders" else "multiValueHeaders"
        assert header_key in response
        assert other not in response
        assert response["statusDescription"].startswith(str(response["statusCode"]) + " ")
    elif view.family is EventFamily.REST_V1:
        recorded = _recorded(shared_dir, "apigw-response.json")
        assert response.keys() == recorded.keys()
        _assert_same_shape(response, recorded)
    else:
        recorded = _recorded(shared_dir, "apigw-response.json")
        recorded["isBase64Encoded"] = False  # payload 2.0 adds this (see the ALB recording)
        _assert_same_shape(response, recorded)
        assert "multiValueHeaders" not in response


def _header(response: dict[str, Any], name: str) -> str:
    if "headers" in response:
        return str(response["headers"][name])
    values = response["multiValueHeaders"][name]
    assert len(values) == 1
    return str(values[0])


def test_every_http_event_file_is_covered(shared_dir: Path) -> None:
    """The recorded HTTP events exist and include every family."""
    families = {
        HttpEvent.from_dict(load_event(shared_dir / "events" / n)).family for n in HTTP_EVENTS
    }
    assert len(HTTP_EVENTS) >= 20
    assert families == set(EventFamily)


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_valid_token_reaches_the_handler_with_claims(
    shared_dir: Path, name: str, verifier: Verifier, mint: Mint
) -> None:
    """A valid token calls the handler with its claims and returns the handler's answer."""
    handler = require_token(verifier, scopes=["orders:read"])(_echo)
    response = handler(_event(shared_dir, name, f"Bearer {mint(sub='alice')}"), None)
    assert response == {"statusCode": 200, "body": '{"sub": "alice"}'}


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_missing_token_is_a_bare_401_challenge(
    shared_dir: Path, name: str, verifier: Verifier
) -> None:
    """No Authorization header: 401 with a challenge that has no error code (RFC 6750 §3.1)."""
    handler = require_token(verifier, realm="orders-api")(_echo)
    event = _event(shared_dir, name, None)
    response = handler(event, None)
    assert response["statusCode"] == 401
    assert _header(response, "WWW-Authenticate") == 'Bearer realm="orders-api"'
    _assert_family_shape(shared_dir, event, response)


REFUSALS = {
    "malformed": ({}, "Bearer not.a.jwt", 401, "invalid_token"),
    "expired": ({"exp": 1_700_000_000 - 60}, None, 401, "invalid_token"),
    "wrong_audience": ({"aud": "billing"}, None, 401, "invalid_token"),
    "wrong_issuer": ({"iss": "https://evil.example"}, None, 401, "invalid_token"),
    "insufficient_scope": ({"scope": "profile"}, None, 403, "insufficient_scope"),
    "two_methods": ({}, "Bearer a, Bearer b", 401, "invalid_token"),
}


@pytest.mark.parametrize("name", HTTP_EVENTS)
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_answer_rfc6750_in_the_family_format(
    shared_dir: Path, name: str, case: str, verifier: Verifier, mint: Mint
) -> None:
    """Bad tokens get 401/403, the RFC 6750 challenge and a JSON body in the event's format."""
    overrides, authorization, status, error = REFUSALS[case]
    token = mint(**overrides)
    event = _event(shared_dir, name, authorization or f"Bearer {token}")
    response = require_token(verifier, scopes=["orders:read"])(_echo)(event, None)
    assert response["statusCode"] == status
    challenge = _header(response, "WWW-Authenticate")
    assert challenge.startswith('Bearer realm="gatehouse", error="' + error + '"')
    if status == 403:
        assert challenge.endswith('scope="orders:read"')
    assert _header(response, "Content-Type") == "application/json"
    body = json.loads(response["body"])
    assert body["error"] == error
    assert set(body) == {"error", "error_description"}
    assert token not in response["body"]
    assert token not in challenge
    _assert_family_shape(shared_dir, event, response)


def test_alb_multi_value_request_with_two_authorization_values_is_400(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """Two Authorization values (ALB multi-value) are an invalid_request (RFC 6750 §3.1)."""
    event = load_event(shared_dir / "events" / "powertools" / "albMultiValueHeadersEvent.json")
    event["multiValueHeaders"]["authorization"] = [f"Bearer {mint()}", f"Bearer {mint()}"]
    response = require_token(verifier)(_echo)(event, None)
    assert response["statusCode"] == 400
    assert response["statusDescription"] == "400 Bad Request"
    assert 'error="invalid_request"' in response["multiValueHeaders"]["WWW-Authenticate"][0]


def test_token_expires_while_the_clock_moves(
    shared_dir: Path, verifier: Verifier, mint: Mint, clock: ManualClock
) -> None:
    """The same token is accepted, then refused once exp plus leeway has passed."""
    handler = require_token(verifier)(_echo)
    event = _event(shared_dir, "powertools/apiGatewayProxyV2Event.json", f"Bearer {mint()}")
    assert handler(event, None)["statusCode"] == 200
    clock.advance(300 + 31)
    response = handler(event, None)
    assert response["statusCode"] == 401
    assert (
        'error_description="The access token has expired."'
        in response["headers"]["WWW-Authenticate"]
    )


def test_unreachable_key_source_is_503(
    shared_dir: Path, mint: Mint, clock: ManualClock, closed_port: int
) -> None:
    """Keys that cannot be fetched answer 503 temporarily_unavailable, not 401."""
    from gatehouse import RemoteJWKS

    keys = RemoteJWKS(f"http://127.0.0.1:{closed_port}/jwks.json", clock=clock, timeout=2)
    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], clock=clock
    )
    event = _event(shared_dir, "powertools/apiGatewayProxyEvent.json", f"Bearer {mint()}")
    response = require_token(verifier)(_echo)(event, None)
    assert response["statusCode"] == 503
    assert "WWW-Authenticate" not in response["headers"]
    assert json.loads(response["body"])["error"] == "temporarily_unavailable"


def test_deny_list_revokes_a_session_at_once(
    shared_dir: Path, verifier: Verifier, mint: Mint, revoked: RevokedSessions
) -> None:
    """A token of a logged-out session is refused 401 revoked even with the wrong scope."""
    handler = require_token(verifier, scopes=["orders:write"], deny_list=revoked)(_echo)
    event = _event(shared_dir, "powertools/albEvent.json", f"Bearer {mint(sid='s-9')}")
    assert handler(event, None)["statusCode"] == 403
    revoked.session_ids.add("s-9")
    response = handler(event, None)
    assert response["statusCode"] == 401
    assert "revoked" in response["headers"]["WWW-Authenticate"]
    assert json.loads(response["body"])["error"] == "invalid_token"


def test_deny_list_store_down_fails_closed(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """When the deny list cannot answer, the request is refused with 503."""
    handler = require_token(verifier, deny_list=DownDenyList())(_echo)
    event = _event(shared_dir, "powertools/albEvent.json", f"Bearer {mint()}")
    assert handler(event, None)["statusCode"] == 503


def test_upstream_jwt_authorizer_claims_are_ignored_by_default(
    shared_dir: Path, verifier: Verifier
) -> None:
    """Claims in requestContext.authorizer do not count unless trust is switched on."""
    event = _event(shared_dir, "powertools/apiGatewayProxyV2Event.json", None)
    assert require_token(verifier)(_echo)(event, None)["statusCode"] == 401


def test_trusted_upstream_jwt_authorizer_claims_reach_the_handler(
    shared_dir: Path, verifier: Verifier
) -> None:
    """With trust on, HTTP API JWT authorizer claims and scopes are used without a token."""
    seen: list[Claims] = []

    def handler(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
        seen.append(claims)
        return {"statusCode": 204}

    event = _event(shared_dir, "powertools/apiGatewayProxyV2Event.json", None)
    protected = require_token(verifier, scopes=["scope1"], trust_upstream=True)(handler)
    assert protected(event, None) == {"statusCode": 204}
    assert seen[0]["claim1"] == "value1"
    assert seen[0].scopes == frozenset({"scope1", "scope2"})
    refused = require_token(verifier, scopes=["orders:read"], trust_upstream=True)(handler)
    assert refused(event, None)["statusCode"] == 403


def test_trusted_upstream_rest_authorizer_principal_becomes_sub(
    shared_dir: Path, verifier: Verifier
) -> None:
    """With trust on, a REST Lambda authorizer's principalId and context become the claims."""
    event = _event(shared_dir, "aws-lambda-go/apigw-request.json", None)
    response = require_token(verifier, trust_upstream=True)(_echo)(event, None)
    assert json.loads(response["body"]) == {"sub": "admin"}


def test_trust_falls_back_to_the_token_when_there_is_no_upstream(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """An event without authorizer claims is still verified from its bearer token."""
    handler = require_token(verifier, trust_upstream=True)(_echo)
    event = _event(shared_dir, "powertools/lambdaFunctionUrlEvent.json", None)
    assert handler(event, None)["statusCode"] == 401
    event = with_authorization(event, f"Bearer {mint(sub='bob')}")
    assert json.loads(handler(event, None)["body"]) == {"sub": "bob"}


def test_body_marked_base64_but_plain_is_a_typed_error(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """isBase64Encoded over plain text neither breaks auth nor leaks a binascii error."""
    name = "powertools/apiGatewayProxyEvent_noVersionAuth.json"
    event = _event(shared_dir, name, f"Bearer {mint()}")
    assert require_token(verifier)(_echo)(event, None)["statusCode"] == 200
    with pytest.raises(InvalidRequestError):
        HttpEvent.from_dict(event).decoded_body()
    sam = load_event(shared_dir / "events" / "aws-sam-cli" / "apigateway-aws-proxy-v1.json")
    assert HttpEvent.from_dict(sam).decoded_body() == b'{"test":"body"}'


def test_non_http_event_is_a_configuration_error(verifier: Verifier) -> None:
    """Wiring the decorator to a non-HTTP trigger fails loudly, with a typed error."""
    with pytest.raises(ConfigurationError):
        require_token(verifier)(_echo)({"Records": []}, None)


def test_decorated_handler_keeps_its_name(verifier: Verifier) -> None:
    """functools.wraps keeps the handler's identity for logs and tracing."""
    assert require_token(verifier)(_echo).__name__ == "_echo"
