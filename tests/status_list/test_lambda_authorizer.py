"""The ready-made Lambda authorizer (gatehouse.deploy.lambda_authorizer) checks Token Status
Lists when GATEHOUSE_STATUS_LISTS says so: a recorded HTTP API authorizer event, the JWKS
and the status list served by a real publisher on 127.0.0.1, a manual clock."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gatehouse import ManualClock
from gatehouse.deploy.lambda_authorizer import build_authorizer
from gatehouse.errors import ConfigurationError, MissingClaimError, TokenError, TokenRevokedError
from gatehouse.jose import JWK, encode_jwt
from shared_material import shared_path

from .conftest import Site, list_token

AUDIENCE = "orders"


def _environ(site: Site, mode: str | None) -> dict[str, str]:
    environ = {
        "GATEHOUSE_ISSUER_URL": site.issuer,
        "GATEHOUSE_AUDIENCE": AUDIENCE,
        "GATEHOUSE_JWKS_URL": f"{site.issuer}/jwks.json",
        "GATEHOUSE_ALGORITHMS": "ES256",
    }
    if mode is not None:
        environ["GATEHOUSE_STATUS_LISTS"] = mode
    return environ


def _event(token: str) -> dict[str, Any]:
    """The recorded HTTP API (payload 2.0) REQUEST authorizer event, carrying ``token``."""
    path = shared_path("events", "aws-lambda-go", "apigw-v2-custom-authorizer-v2-request.json")
    event: dict[str, Any] = copy.deepcopy(json.loads(path.read_text()))
    event["headers"] = {**event["headers"], "authorization": f"Bearer {token}"}
    event["identitySource"] = [f"Bearer {token}"]
    return event


def _serve(site: Site, key: JWK, clock: ManualClock) -> None:
    site.publisher.routes["/jwks.json"] = json.dumps({"keys": [key.public().to_dict()]}).encode()
    site.publisher.serve(list_token(key, site.uri(), clock, revoked=(9,)))


def _refused(authorizer: Any, event: dict[str, Any]) -> TokenError:
    """API Gateway's 401 contract (an ``Unauthorized`` exception); the typed cause."""
    with pytest.raises(Exception, match=r"^Unauthorized$") as refused:
        authorizer(event, None)
    cause = refused.value.__cause__
    assert isinstance(cause, TokenError)
    return cause


def _token(site: Site, key: JWK, clock: ManualClock, idx: int | None) -> str:
    claims: dict[str, Any] = {
        "iss": site.issuer,
        "sub": "alice",
        "aud": AUDIENCE,
        "exp": int(clock.time()) + 600,
    }
    if idx is not None:
        claims["status"] = {"status_list": {"idx": idx, "uri": site.uri()}}
    return encode_jwt(claims, key, "ES256")


@pytest.mark.parametrize("mode", ["required", "on"])
def test_a_revoked_token_is_refused_and_a_valid_one_allowed(
    site: Site, signing_key: JWK, mode: str
) -> None:
    """GATEHOUSE_STATUS_LISTS=required (or on): VALID entry allowed, INVALID entry denied."""
    clock = ManualClock()
    _serve(site, signing_key, clock)
    authorizer = build_authorizer(_environ(site, mode), clock=clock)
    allowed = authorizer(_event(_token(site, signing_key, clock, 1)), None)
    assert allowed["isAuthorized"] is True
    cause = _refused(authorizer, _event(_token(site, signing_key, clock, 9)))
    assert isinstance(cause, TokenRevokedError)
    lists = [path for path, _ in site.publisher.requests if path.startswith("/statuslists/")]
    assert lists == ["/statuslists/1"]  # one fetch, then the cached list (its ttl)


def test_required_refuses_a_token_without_a_status_reference(site: Site, signing_key: JWK) -> None:
    """required: a token with no status claim is denied; optional lets it through."""
    clock = ManualClock()
    _serve(site, signing_key, clock)
    bare = _event(_token(site, signing_key, clock, None))
    required = build_authorizer(_environ(site, "required"), clock=clock)
    assert isinstance(_refused(required, bare), MissingClaimError)
    optional = build_authorizer(_environ(site, "optional"), clock=clock)
    assert optional(bare, None)["isAuthorized"] is True
    _refused(optional, _event(_token(site, signing_key, clock, 9)))


def test_without_the_variable_no_list_is_fetched(site: Site, signing_key: JWK) -> None:
    """Unset (or off): the status claim is not checked and no list is fetched."""
    clock = ManualClock()
    _serve(site, signing_key, clock)
    for mode in (None, "off"):
        authorizer = build_authorizer(_environ(site, mode), clock=clock)
        assert authorizer(_event(_token(site, signing_key, clock, 9)), None)["isAuthorized"]
    assert not [p for p, _ in site.publisher.requests if p.startswith("/statuslists/")]


def test_an_unknown_mode_is_a_configuration_error(site: Site) -> None:
    """A misspelt GATEHOUSE_STATUS_LISTS names the values it takes."""
    with pytest.raises(ConfigurationError, match="expected required"):
        build_authorizer(_environ(site, "yes please"))
