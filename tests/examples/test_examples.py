"""The example services with real tokens from the token service `gatehouse init` set up."""

from __future__ import annotations

import json
from typing import Any

import pytest
from examples_stack import PASSWORD, Stack, fresh_import, load_event


def _authorizer_event(path: str, token: str) -> dict[str, Any]:
    """A recorded REST REQUEST authorizer event, aimed at ``path`` with ``token``."""
    event = load_event("aws-sam-cli/apigateway-request-authorizer.json")
    event["path"] = event["requestContext"]["path"] = path
    event["methodArn"] = f"arn:aws:execute-api:eu-west-1:123456789012:abcdef123/dev/GET{path}"
    event["headers"]["Authorization"] = f"Bearer {token}"
    return event


def _effect(answer: dict[str, Any]) -> str:
    effect: str = answer["policyDocument"]["Statement"][0]["Effect"]
    return effect


def _client_token(stack: Stack) -> str:
    secret = (stack.root / ".gatehouse" / "orders-service.secret").read_text().strip()
    return str(stack.service.client_credentials("orders-service", secret).access_token)


def test_profile_authorizer_allows_a_user_on_their_own_profile(stack: Stack) -> None:
    """A login token with profile:read gets Allow on /profile; the handler answers for its sub."""
    authorizer = fresh_import("examples.profile.authorizer")
    handler = fresh_import("examples.profile.handler")
    pair = stack.service.login("alice", PASSWORD)
    answer = authorizer.handler(_authorizer_event("/profile", pair.access_token), None)
    assert _effect(answer) == "Allow"
    event = load_event("aws-sam-cli/apigateway-aws-proxy-v1.json")
    event["requestContext"]["authorizer"] = {"principalId": answer["principalId"]}
    event["requestContext"]["authorizer"].update(answer["context"])
    event["pathParameters"] = None
    response = handler.handler(event, None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["profile"]["sub"] == stack.service.find_account("alice").account_id


def test_profile_authorizer_keeps_other_profiles_from_users_and_orders(stack: Stack) -> None:
    """/profiles/{sub} needs profiles:read: a user and the orders client's own token are denied."""
    authorizer = fresh_import("examples.profile.authorizer")
    user = stack.service.login("alice", PASSWORD).access_token
    assert _effect(authorizer.handler(_authorizer_event("/profiles/x", user), None)) == "Deny"
    service = _client_token(stack)
    assert _effect(authorizer.handler(_authorizer_event("/profiles/x", service), None)) == "Deny"


def test_profile_authorizer_refuses_a_bad_token_with_unauthorized(stack: Stack) -> None:
    """A forged token makes the authorizer fail with exactly 'Unauthorized' (API Gateway 401)."""
    authorizer = fresh_import("examples.profile.authorizer")
    token = stack.service.login("alice", PASSWORD).access_token
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(_authorizer_event("/profile", token[:-3] + "AAA"), None)


def _orders_event(token: str | None) -> dict[str, Any]:
    event = load_event("aws-sam-cli/apigateway-http-api-proxy-v2.json")
    event["headers"] = {"accept": "application/json"}
    if token is not None:
        event["headers"]["authorization"] = f"Bearer {token}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/orders"
    event["requestContext"]["http"]["method"] = "GET"
    return event


def test_orders_refuses_missing_and_underscoped_tokens(stack: Stack) -> None:
    """No token → 401 with a Bearer challenge; a token without orders:read → 403."""
    orders = fresh_import("examples.orders.handler")
    missing = orders.handler(_orders_event(None), None)
    assert missing["statusCode"] == 401
    assert {k.lower(): v for k, v in missing["headers"].items()}["www-authenticate"].startswith(
        "Bearer"
    )
    narrow = stack.service.login("alice", PASSWORD, scope="profile:read").access_token
    assert orders.handler(_orders_event(narrow), None)["statusCode"] == 403


def test_orders_answers_502_when_profile_is_unreachable(stack: Stack) -> None:
    """With a valid token but no profile service at the URL, orders says 502, not a crash.

    The customer's token is exchanged for real at the token service; the profile URL
    points at the token service, which has no /profile route (404).
    """
    orders = fresh_import("examples.orders.handler")
    token = stack.service.login("alice", PASSWORD).access_token
    response = orders.handler(_orders_event(token), None)
    assert response["statusCode"] == 502
    assert json.loads(response["body"]) == {"error": "profile_unavailable"}


def test_examples_name_a_missing_setting(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Started without their environment, the examples say which variable is missing."""
    from gatehouse.errors import ConfigurationError

    monkeypatch.delenv("GATEHOUSE_JWKS_URL")
    with pytest.raises(ConfigurationError, match="GATEHOUSE_JWKS_URL is not set"):
        fresh_import("examples.profile.authorizer")


def test_ready_made_authorizer_verifies_against_the_token_service(stack: Stack) -> None:
    """gatehouse.deploy.lambda_authorizer, configured by environment, allows a real token
    and enforces GATEHOUSE_SCOPES."""
    import os

    from gatehouse.deploy.lambda_authorizer import build_authorizer

    token = stack.service.login("alice", PASSWORD, scope="profile:read").access_token
    environ = dict(os.environ)
    allow = build_authorizer(environ)
    assert _effect(allow(_authorizer_event("/anything", token), None)) == "Allow"
    strict = build_authorizer({**environ, "GATEHOUSE_SCOPES": "orders:read"})
    assert _effect(strict(_authorizer_event("/anything", token), None)) == "Deny"
