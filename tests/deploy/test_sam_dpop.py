"""`dpop = true` functions: declared in [[functions]], deployed with no authorizer cache."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from deploy_helpers import lint_problems, sam_transform

from gatehouse.deploy.lambda_authorizer import build_authorizer
from gatehouse.deploy.sam import sam_template
from gatehouse.deploy.spec import DeploySpec
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec, parse_route
from gatehouse.functions.table import services_from_document

DPOP_LAMBDA = """
[[functions]]
name = "orders"
handler = "svc.orders.handler"
route = "GET /orders"
auth = "lambda"
authorizer = "gatehouse.deploy.lambda_authorizer.handler"
dpop = true

[[functions]]
name = "profile"
handler = "svc.profile.handler"
route = "GET /profile"
auth = "lambda"
authorizer = "svc.auth.handler"
"""


def _services(text: str) -> tuple[ServiceSpec, ...]:
    return services_from_document(tomllib.loads(text), "gatehouse.toml")


def _spec() -> DeploySpec:
    return DeploySpec(audience="orders", signing_alg="ES256", services=_services(DPOP_LAMBDA))


def _authorizers(transformed: dict[str, Any]) -> dict[str, Any]:
    body = transformed["Resources"]["ServicesApi"]["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    return {name: s["x-amazon-apigateway-authorizer"] for name, s in schemes.items()}


def test_dpop_key_is_read_and_turns_the_authorizer_cache_off() -> None:
    """dpop = true is a known key; its authorizer_ttl defaults to 0, the others keep 300."""
    orders, profile = _services(DPOP_LAMBDA)
    assert (orders.dpop, orders.authorizer_ttl) == (True, 0)
    assert (profile.dpop, profile.authorizer_ttl) == (False, 300)


def test_template_has_no_cache_for_dpop_routes_and_lints_clean() -> None:
    """The DPoP route's authorizer caches nothing (a replayed proof always reaches it); the
    other keeps its per-route cache; the template transforms and lints clean."""
    transformed = sam_transform(sam_template(_spec()))
    assert lint_problems(transformed) == []
    authorizers = _authorizers(transformed)
    assert authorizers["OrdersAuthorizer"]["authorizerResultTtlInSeconds"] == 0
    assert authorizers["ProfileAuthorizer"]["authorizerResultTtlInSeconds"] == 300


def test_dpop_functions_and_their_authorizers_get_gatehouse_dpop() -> None:
    """GATEHOUSE_RESOURCE_DPOP=on reaches the function and its authorizer, and nobody else."""
    resources = sam_template(_spec())["Resources"]

    def env(name: str) -> dict[str, Any]:
        return dict(resources[name]["Properties"]["Environment"]["Variables"])

    assert env("OrdersFunction")["GATEHOUSE_RESOURCE_DPOP"] == "on"
    assert env("OrdersAuthorizerFunction")["GATEHOUSE_RESOURCE_DPOP"] == "on"
    assert "GATEHOUSE_RESOURCE_DPOP" not in env("ProfileFunction")
    assert "GATEHOUSE_RESOURCE_DPOP" not in env("ProfileAuthorizerFunction")


_LAMBDA_AUTH = 'auth = "lambda"\nauthorizer = "gatehouse.deploy.lambda_authorizer.handler"\n'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (_LAMBDA_AUTH, 'auth = "jwt"\n', 'needs auth = "lambda" or "none"'),
        ("dpop = true", "dpop = true\nauthorizer_ttl = 60", "needs authorizer_ttl = 0"),
        ("dpop = true", 'dpop = "yes"', "dpop: expected true or false"),
    ],
)
def test_unsafe_dpop_settings_are_refused(old: str, new: str, message: str) -> None:
    """The JWT authorizer (no proof check), a cached DPoP authorizer and a non-boolean are
    refused when the table is read."""
    assert old in DPOP_LAMBDA
    with pytest.raises(ConfigurationError, match=message):
        _services(DPOP_LAMBDA.replace(old, new, 1))


def test_spec_itself_refuses_jwt_with_dpop() -> None:
    """A ServiceSpec built in code holds the same rule as the table."""
    with pytest.raises(ConfigurationError, match="JWT authorizer cannot check DPoP"):
        ServiceSpec("a", "m.h", (parse_route("GET /a"),), Protection.JWT, dpop=True)


def test_ready_made_authorizer_checks_proofs_when_told() -> None:
    """The ready-made authorizer checks DPoP proofs under GATEHOUSE_RESOURCE_DPOP=on."""
    environ = {
        "GATEHOUSE_ISSUER_URL": "https://auth.example.com",
        "GATEHOUSE_AUDIENCE": "orders",
        "GATEHOUSE_JWKS_URL": "https://auth.example.com/.well-known/jwks.json",
        "GATEHOUSE_ALGORITHMS": "ES256",
    }
    assert build_authorizer(environ)._guard.dpop is None
    dpop = build_authorizer({**environ, "GATEHOUSE_RESOURCE_DPOP": "on"})._guard.dpop
    assert dpop is not None
    assert dpop.allow_bearer is True
