"""BearerAuthorizer over every recorded authorizer event in ../shared/events."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gatehouse import Claims, ManualClock, Verifier
from gatehouse.adapters.authorizer import BearerAuthorizer, PolicyScope
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.errors import ConfigurationError, KeySourceError

from .conftest import AUDIENCE, ISSUER, Mint, RevokedSessions, load_event, with_authorization

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "events"
AUTHORIZER_EVENTS = sorted(
    str(p.relative_to(EVENTS))
    for p in EVENTS.glob("*/*.json")
    if "response" not in p.name and "type" in json.loads(p.read_text())
)

V2_AUTHORIZER_EVENTS = [
    n for n in AUTHORIZER_EVENTS if json.loads((EVENTS / n).read_text()).get("version") == "2.0"
]


def _event(shared_dir: Path, name: str, authorization: str | None) -> dict[str, Any]:
    event = load_event(shared_dir / "events" / name)
    if event["type"] == "TOKEN":
        event["authorizationToken"] = authorization or ""
        return event
    return with_authorization(event, authorization)


def _arn(event: dict[str, Any]) -> str:
    return str(event.get("routeArn") or event["methodArn"])


def _is_v2(event: dict[str, Any]) -> bool:
    return event.get("version") == "2.0"


def _iam_allows(policy: dict[str, Any], arn: str) -> bool:
    """IAM's evaluation for one action: an explicit Deny wins, else any matching Allow."""
    effects = set()
    for statement in policy["policyDocument"]["Statement"]:
        for resource in statement["Resource"]:
            pattern = ".*".join(re.escape(part) for part in resource.split("*"))
            if re.fullmatch(pattern, arn):
                effects.add(statement["Effect"])
    return "Allow" in effects and "Deny" not in effects


def _assert_policy_shape(shared_dir: Path, response: dict[str, Any]) -> None:
    recorded = load_event(
        shared_dir / "events" / "aws-lambda-go" / "apigw-custom-auth-response.json"
    )
    assert set(response) <= set(recorded)
    assert isinstance(response["principalId"], str)
    assert response["policyDocument"].keys() == recorded["policyDocument"].keys()
    (statement,) = response["policyDocument"]["Statement"]
    (recorded_statement,) = recorded["policyDocument"]["Statement"]
    assert statement.keys() == recorded_statement.keys()
    for key, value in statement.items():
        assert type(value) is type(recorded_statement[key])
    assert all(isinstance(v, str) for v in response.get("context", {}).values())


def test_every_authorizer_event_file_is_covered(shared_dir: Path) -> None:
    """TOKEN, REQUEST 1.0 and REQUEST 2.0 recordings are all present."""
    kinds = {
        (e["type"], _is_v2(e))
        for e in (load_event(shared_dir / "events" / n) for n in AUTHORIZER_EVENTS)
    }
    assert kinds == {("TOKEN", False), ("REQUEST", False), ("REQUEST", True)}


@pytest.mark.parametrize("name", AUTHORIZER_EVENTS)
def test_valid_token_is_allowed_on_exactly_the_called_arn(
    shared_dir: Path, name: str, verifier: Verifier, mint: Mint
) -> None:
    """Allow names the method/route ARN only, principalId is sub, context is all strings."""
    token = mint(sub="alice", scope="orders:read orders:write", roles=["admin", "ops"])
    event = _event(shared_dir, name, f"Bearer {token}")
    authorizer = BearerAuthorizer(verifier, scopes=["orders:read"], simple_responses=False)
    response = authorizer(event, None)
    _assert_policy_shape(shared_dir, response)
    assert response["principalId"] == "alice"
    (statement,) = response["policyDocument"]["Statement"]
    assert statement == {
        "Action": ["execute-api:Invoke"],
        "Effect": "Allow",
        "Resource": [_arn(event)],
    }
    assert response["context"] == {
        "sub": "alice",
        "scope": "orders:read orders:write",
        "client_id": "web",
        "sid": "session-1",
        "jti": "token-1",
        "roles": "admin ops",
    }


@pytest.mark.parametrize("name", V2_AUTHORIZER_EVENTS)
def test_http_api_simple_response(
    shared_dir: Path, name: str, verifier: Verifier, mint: Mint
) -> None:
    """HTTP API 2.0 gets {"isAuthorized", "context"} when simple responses are on."""
    event = _event(shared_dir, name, f"Bearer {mint(sub='alice')}")
    response = BearerAuthorizer(verifier, scopes=["orders:read"])(event, None)
    assert response["isAuthorized"] is True
    assert response["context"]["sub"] == "alice"
    refused = BearerAuthorizer(verifier, scopes=["orders:admin"])(event, None)
    assert refused == {"isAuthorized": False}


UNAUTHORIZED_CASES = {
    "missing": ({}, ""),
    "basic_scheme": ({}, "Basic dXNlcjpwYXNz"),
    "malformed": ({}, "Bearer garbage"),
    "expired": ({"exp": 1_700_000_000 - 60}, None),
    "wrong_audience": ({"aud": "billing"}, None),
    "no_subject": ({"sub": None}, None),
}


@pytest.mark.parametrize("name", AUTHORIZER_EVENTS)
@pytest.mark.parametrize("case", sorted(UNAUTHORIZED_CASES))
def test_unacceptable_token_fails_with_exactly_unauthorized(
    shared_dir: Path, name: str, case: str, verifier: Verifier, mint: Mint
) -> None:
    """Every 401 is Exception("Unauthorized"), the only failure API Gateway maps to 401."""
    overrides, authorization = UNAUTHORIZED_CASES[case]
    token = mint(**overrides)
    event = _event(shared_dir, name, f"Bearer {token}" if authorization is None else authorization)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the exact type is the contract
        BearerAuthorizer(verifier)(event, None)
    assert type(caught.value) is Exception
    assert caught.value.args == ("Unauthorized",)


@pytest.mark.parametrize("name", AUTHORIZER_EVENTS)
def test_insufficient_scope_is_an_explicit_deny(
    shared_dir: Path, name: str, verifier: Verifier, mint: Mint
) -> None:
    """A valid token without the scope gets a Deny on the called ARN (403)."""
    event = _event(shared_dir, name, f"Bearer {mint(sub='alice', scope='profile')}")
    response = BearerAuthorizer(verifier, scopes=["orders:read"], simple_responses=False)(
        event, None
    )
    _assert_policy_shape(shared_dir, response)
    assert response["principalId"] == "alice"
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert response["policyDocument"]["Statement"][0]["Resource"] == [_arn(event)]
    assert not _iam_allows(response, _arn(event))


def test_cached_decision_does_not_leak_to_another_route(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """The default policy cached for one route does not allow a different route."""
    event = _event(shared_dir, "aws-sam-cli/apigateway-request-authorizer.json", f"Bearer {mint()}")
    cached = BearerAuthorizer(verifier)(event, None)
    called = event["methodArn"]
    other = called.replace("/GET/rest/hello", "/DELETE/admin/users")
    assert _iam_allows(cached, called)
    assert not _iam_allows(cached, other)


def test_stage_wide_policy_covers_every_route_of_the_stage_only(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """PolicyScope.STAGE allows every route of this stage and nothing beyond it."""
    event = _event(shared_dir, "aws-sam-cli/apigateway-request-authorizer.json", f"Bearer {mint()}")
    policy = BearerAuthorizer(verifier, policy_scope=PolicyScope.STAGE)(event, None)
    arn = event["methodArn"]
    assert policy["policyDocument"]["Statement"][0]["Resource"] == [
        arn.split("/dev/")[0] + "/dev/*"
    ]
    assert _iam_allows(policy, arn.replace("/GET/rest/hello", "/DELETE/admin/users"))
    assert not _iam_allows(policy, arn.replace("/dev/", "/prod/"))


def test_revoked_session_is_unauthorized(
    shared_dir: Path, verifier: Verifier, mint: Mint, revoked: RevokedSessions
) -> None:
    """A deny-listed token fails with Unauthorized (401), not a Deny (403)."""
    event = _event(shared_dir, "powertools/apiGatewayAuthorizerTokenEvent.json", f"Bearer {mint()}")
    authorizer = BearerAuthorizer(verifier, deny_list=revoked)
    assert authorizer(event, None)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    revoked.token_ids.add("token-1")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer(event, None)


def test_unreachable_keys_are_not_reported_as_unauthorized(
    shared_dir: Path, mint: Mint, clock: ManualClock, closed_port: int
) -> None:
    """A key-source outage propagates (API Gateway answers 500), never a false 401."""
    from gatehouse import RemoteJWKS

    keys = RemoteJWKS(f"http://127.0.0.1:{closed_port}/jwks.json", clock=clock, timeout=2)
    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], clock=clock
    )
    event = _event(shared_dir, "powertools/apiGatewayAuthorizerTokenEvent.json", f"Bearer {mint()}")
    with pytest.raises(KeySourceError):
        BearerAuthorizer(verifier)(event, None)


def test_event_without_arn_is_a_configuration_error(verifier: Verifier) -> None:
    """An event that is not an authorizer event fails with a typed error."""
    with pytest.raises(ConfigurationError):
        BearerAuthorizer(verifier)({"type": "TOKEN", "authorizationToken": "Bearer x"}, None)


def test_authorizer_context_reaches_a_trusting_handler(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """The context a REST authorizer returns is read back as claims by a trusting handler."""
    token = mint(sub="alice", scope="orders:read orders:write", roles=["admin"])
    request = _event(
        shared_dir, "powertools/apiGatewayAuthorizerTokenEvent.json", f"Bearer {token}"
    )
    policy = BearerAuthorizer(verifier)(request, None)
    event = load_event(shared_dir / "events" / "aws-lambda-go" / "apigw-request.json")
    # API Gateway flattens the context beside principalId in requestContext.authorizer.
    event["requestContext"]["authorizer"] = {
        "principalId": policy["principalId"],
        **policy["context"],
    }
    seen: list[Claims] = []

    def handler(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
        seen.append(claims)
        return {"statusCode": 200}

    protected = require_token(verifier, scopes=["orders:write"], trust_upstream=True)(handler)
    assert protected(event, None) == {"statusCode": 200}
    assert seen[0].subject == "alice"
    assert seen[0].roles == ("admin",)
    assert seen[0].session_id == "session-1"


def test_http_api_authorizer_context_reaches_a_trusting_handler(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """A 2.0 simple response's context, as authorizer.lambda, becomes the handler's claims."""
    token = mint(sub="carol", scope="orders:read")
    request = _event(shared_dir, "powertools/apiGatewayAuthorizerV2Event.json", f"Bearer {token}")
    answer = BearerAuthorizer(verifier)(request, None)
    event = load_event(
        shared_dir / "events" / "aws-lambda-go" / "apigw-v2-request-lambda-authorizer.json"
    )
    event["requestContext"]["authorizer"] = {"lambda": answer["context"]}

    def handler(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
        return {"statusCode": 200, "body": claims.subject}

    trusting = require_token(verifier, scopes=["orders:read"], trust_upstream=True)(handler)
    assert trusting(event, None) == {"statusCode": 200, "body": "carol"}
    assert require_token(verifier)(handler)(event, None)["statusCode"] == 401


@pytest.mark.parametrize(
    ("name", "protected_path"),
    [
        ("aws-sam-cli/apigateway-request-authorizer.json", "/rest"),
        ("aws-sam-cli/apigateway-authorizer-token.json", "/rest/hello"),
        ("powertools/apiGatewayAuthorizerV2Event.json", "/merchants"),
    ],
)
def test_path_scopes_decide_per_route(
    shared_dir: Path, name: str, protected_path: str, verifier: Verifier, mint: Mint
) -> None:
    """A path needing an extra scope is denied, while other paths keep the base requirement."""
    event = _event(shared_dir, name, f"Bearer {mint()}")
    strict = BearerAuthorizer(
        verifier, path_scopes={protected_path: ["orders:admin"]}, simple_responses=False
    )
    assert not _iam_allows(strict(event, None), _arn(event))
    lenient = BearerAuthorizer(
        verifier, path_scopes={"/elsewhere": ["orders:admin"]}, simple_responses=False
    )
    assert _iam_allows(lenient(event, None), _arn(event))


def test_stage_wide_policy_with_path_scopes_is_refused(verifier: Verifier) -> None:
    """A stage-wide Allow cannot be combined with per-path requirements."""
    with pytest.raises(ConfigurationError):
        BearerAuthorizer(
            verifier, path_scopes={"/admin": ["orders:admin"]}, policy_scope=PolicyScope.STAGE
        )


def test_context_names_the_actor_of_an_exchanged_token(
    shared_dir: Path, verifier: Verifier, mint: Mint
) -> None:
    """An exchanged token's outermost act.sub reaches the backend as act_sub (RFC 8693 §4.1)."""
    act = {"sub": "orders-service", "act": {"sub": "edge"}}
    token = mint(sub="alice", scope="profile:read", act=act)
    event = _event(shared_dir, "aws-sam-cli/apigateway-request-authorizer.json", f"Bearer {token}")
    response = BearerAuthorizer(verifier, scopes=["profile:read"])(event, None)
    assert response["context"]["sub"] == "alice"
    assert response["context"]["act_sub"] == "orders-service"
