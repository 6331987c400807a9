"""DPoP through the Lambda decorator and the API Gateway authorizers, on recorded events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatehouse import Claims, ManualClock, Verifier
from gatehouse.adapters.authorizer import BearerAuthorizer
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.adapters.target_url import lambda_url
from gatehouse.dpop import DPoPVerifier, StatelessNonces, make_proof
from gatehouse.jose import JWK

from .conftest import EVENTS, Mint, load_event, with_authorization

# One event per family the decorator answers: REST v1 (stage prefix), HTTP API 2.0,
# ALB (single and multi-value headers), HTTP API payload 1.0.
LAMBDA_EVENTS = [
    "aws-sam-cli/apigateway-aws-proxy-v1.json",
    "aws-lambda-go/apigw-v2-request-no-authorizer.json",
    "powertools/albEvent.json",
    "powertools/albMultiValueHeadersEvent.json",
    "powertools/apiGatewayProxyEvent.json",
]
AUTHORIZER_EVENTS = [
    "aws-lambda-go/apigw-custom-auth-request-type-request.json",
    "powertools/apiGatewayAuthorizerRequestEvent.json",
    "powertools/apiGatewayAuthorizerV2Event.json",
]


@pytest.fixture(scope="module")
def client_key() -> JWK:
    """The client's DPoP key."""
    return JWK.generate("ES256")


@pytest.fixture
def dpop(verifier: Verifier, clock: ManualClock) -> DPoPVerifier:
    """A DPoPVerifier on the shared clock, in-memory replay cache, no nonces."""
    return DPoPVerifier(verifier, clock=clock)


def _with(event: dict[str, Any], authorization: str | None, proof: str | None) -> dict[str, Any]:
    event = with_authorization(event, authorization)
    if proof is not None:
        multi = event.get("multiValueHeaders")
        if isinstance(multi, dict):
            multi["DPoP"] = [proof]
        headers = event.get("headers")
        if isinstance(headers, dict):
            headers["dpop" if event.get("version") == "2.0" else "DPoP"] = proof
    return event


def _view(event: dict[str, Any]) -> HttpEvent:
    if event.get("type") == "REQUEST":
        family = EventFamily.HTTP_V2 if event.get("version") == "2.0" else EventFamily.REST_V1
        return HttpEvent(event, family)
    return HttpEvent.from_dict(event)


def _proof(key: JWK, event: dict[str, Any], token: str, clock: ManualClock, **kw: Any) -> str:
    view = _view(event)
    url = kw.pop("url", None) or lambda_url(view)
    return make_proof(key, method=view.method, url=url, now=clock.time(), access_token=token, **kw)


def _echo(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
    body = json.dumps({"sub": claims.subject})
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}


def _header(response: dict[str, Any], name: str) -> str:
    headers = response.get("headers") or {}
    if name in headers:
        return str(headers[name])
    return str((response.get("multiValueHeaders") or {})[name][0])


def _bound(mint: Mint, key: JWK) -> str:
    return mint(cnf={"jkt": key.thumbprint()})


@pytest.mark.parametrize("name", LAMBDA_EVENTS)
def test_decorator_accepts_dpop_and_refuses_its_replay(
    name: str, dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """A bound token with a fresh proof for the event's URL runs the handler; the same proof
    again is 401 invalid_dpop_proof with the DPoP challenge and its algs."""
    handler = require_token(dpop)(_echo)
    token = _bound(mint, client_key)
    base = load_event(EVENTS / name)
    proof = _proof(client_key, base, token, clock)
    event = _with(base, f"DPoP {token}", proof)
    assert handler(event, None)["statusCode"] == 200
    again = handler(event, None)
    assert again["statusCode"] == 401
    challenge = _header(again, "WWW-Authenticate")
    assert 'DPoP realm="gatehouse", error="invalid_dpop_proof"' in challenge
    assert 'algs="' in challenge
    assert json.loads(again["body"])["error"] == "invalid_dpop_proof"


def test_rest_proof_without_the_stage_prefix_is_refused(
    dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """On the execute-api name the client's URL has the stage in it; a proof without is 401."""
    handler = require_token(dpop)(_echo)
    token = _bound(mint, client_key)
    base = load_event(EVENTS / "aws-sam-cli/apigateway-aws-proxy-v1.json")
    url = "https://0123456789.execute-api.us-east-1.amazonaws.com/rest/hello"
    proof = _proof(client_key, base, token, clock, url=url)
    response = handler(_with(base, f"DPoP {token}", proof), None)
    assert response["statusCode"] == 401
    assert "The DPoP proof is for another URL." in _header(response, "WWW-Authenticate")


def test_bound_token_as_bearer_is_refused_and_unbound_bearer_still_works(
    dpop: DPoPVerifier, mint: Mint, client_key: JWK
) -> None:
    """§7.2: a cnf-bound token sent as Bearer is 401 invalid_token; a plain token is fine."""
    handler = require_token(dpop)(_echo)
    base = load_event(EVENTS / "powertools/apiGatewayProxyV2Event.json")
    refused = handler(_with(base, f"Bearer {_bound(mint, client_key)}", None), None)
    assert refused["statusCode"] == 401
    challenge = refused["headers"]["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="gatehouse", error="invalid_token"')
    assert handler(_with(base, f"Bearer {mint()}", None), None)["statusCode"] == 200


def test_missing_proof_and_missing_credentials(
    dpop: DPoPVerifier, mint: Mint, client_key: JWK
) -> None:
    """DPoP without a proof is invalid_dpop_proof; no credentials is a bare challenge."""
    handler = require_token(dpop)(_echo)
    base = load_event(EVENTS / "powertools/apiGatewayProxyV2Event.json")
    no_proof = handler(_with(base, f"DPoP {_bound(mint, client_key)}", None), None)
    assert no_proof["statusCode"] == 401
    assert json.loads(no_proof["body"])["error"] == "invalid_dpop_proof"
    bare = handler(_with(base, None, None), None)
    assert bare["statusCode"] == 401
    assert "error=" not in bare["headers"]["WWW-Authenticate"]
    assert 'DPoP realm="gatehouse", algs="' in bare["headers"]["WWW-Authenticate"]


def test_nonce_challenge_then_retry(
    verifier: Verifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """§9: with a nonce policy the first proof gets use_dpop_nonce and a DPoP-Nonce; the retry
    with that nonce runs the handler."""
    nonces = StatelessNonces(b"k" * 32, context="https://api.example.com", clock=clock)
    handler = require_token(DPoPVerifier(verifier, nonces=nonces, clock=clock))(_echo)
    token = _bound(mint, client_key)
    base = load_event(EVENTS / "aws-sam-cli/apigateway-aws-proxy-v1.json")
    first = handler(_with(base, f"DPoP {token}", _proof(client_key, base, token, clock)), None)
    assert first["statusCode"] == 401
    assert 'error="use_dpop_nonce"' in first["headers"]["WWW-Authenticate"]
    nonce = first["headers"]["DPoP-Nonce"]
    assert first["headers"]["Cache-Control"] == "no-store"
    retry = _proof(client_key, base, token, clock, nonce=nonce)
    served = handler(_with(base, f"DPoP {token}", retry), None)
    assert served["statusCode"] == 200
    assert served["headers"]["DPoP-Nonce"] == nonce  # §8.2: the current nonce, on success


def test_a_plain_verifier_keeps_bearer_only(
    verifier: Verifier, mint: Mint, client_key: JWK
) -> None:
    """Without a DPoPVerifier the DPoP scheme is not credentials at all (a bare Bearer 401)."""
    handler = require_token(verifier)(_echo)
    base = load_event(EVENTS / "powertools/apiGatewayProxyV2Event.json")
    response = handler(_with(base, f"DPoP {_bound(mint, client_key)}", "x.y.z"), None)
    assert response["statusCode"] == 401
    assert response["headers"]["WWW-Authenticate"] == 'Bearer realm="gatehouse"'


def _arn(event: dict[str, Any]) -> str:
    return str(event.get("routeArn") or event["methodArn"])


@pytest.mark.parametrize("name", AUTHORIZER_EVENTS)
def test_request_authorizer_allows_dpop_once(
    name: str, dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """A REQUEST authorizer (REST 1.0, HTTP API 1.0 and 2.0) allows a good proof and fails
    the replayed one with exactly Unauthorized."""
    authorize = BearerAuthorizer(dpop, simple_responses=False)
    token = _bound(mint, client_key)
    base = load_event(EVENTS / name)
    if not _view(base).header_values("host") and not base["requestContext"].get("domainName"):
        base["headers"]["Host"] = "abc.execute-api.us-east-1.amazonaws.com"
    event = _with(base, f"DPoP {token}", _proof(client_key, base, token, clock))
    allowed = authorize(event)
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["policyDocument"]["Statement"][0]["Resource"] == [_arn(event)]
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(event)


def test_token_authorizer_refuses_the_dpop_scheme(
    dpop: DPoPVerifier, mint: Mint, client_key: JWK
) -> None:
    """A TOKEN authorizer sees no DPoP header: DPoP is Unauthorized, an unbound Bearer passes."""
    authorize = BearerAuthorizer(dpop)
    event = load_event(EVENTS / "powertools/apiGatewayAuthorizerTokenEvent.json")
    event["authorizationToken"] = f"DPoP {_bound(mint, client_key)}"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(event)
    event["authorizationToken"] = f"Bearer {mint()}"
    assert authorize(event)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
