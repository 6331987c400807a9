"""`gatehouse deploy sam`: templates the SAM transform accepts and cfn-lint passes."""

from __future__ import annotations

from typing import Any

import pytest
from deploy_helpers import lint_problems, sam_transform

from gatehouse.deploy.sam import LAMBDA_ENTRY, sam_template
from gatehouse.deploy.spec import DeploySpec
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec, parse_route


def _spec(protection: Protection, alg: str = "RS256") -> DeploySpec:
    orders = ServiceSpec(
        "orders",
        "examples.orders.handler.handler",
        (parse_route("GET /orders"),),
        protection,
        scopes=("orders:read",),
        authorizer="gatehouse.deploy.lambda_authorizer.handler",
    )
    profile = ServiceSpec(
        "profile",
        "examples.profile.handler.handler",
        (parse_route("GET /profile"), parse_route("GET /profiles/{sub}")),
        protection,
        authorizer="examples.profile.authorizer.handler",
    )
    return DeploySpec(audience="gatehouse-examples", signing_alg=alg, services=(orders, profile))


def _of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


@pytest.mark.parametrize("protection", list(Protection), ids=lambda p: p.value)
def test_template_transforms_and_lints_clean(protection: Protection) -> None:
    """Each protection path survives the SAM transform and cfn-lint finds no error or warning."""
    transformed = sam_transform(sam_template(_spec(protection)))
    assert lint_problems(transformed) == []
    functions = _of_type(transformed, "AWS::Lambda::Function")
    handlers = {f["Properties"]["Handler"] for f in functions.values()}
    assert LAMBDA_ENTRY in handlers
    assert len(_of_type(transformed, "AWS::ApiGatewayV2::Api")) == 2


def test_token_service_takes_database_and_kek_as_secret_parameters() -> None:
    """DatabaseUrl and KeyEncryptionKey are NoEcho parameters wired into the token function."""
    template = sam_template(_spec(Protection.NONE))
    params = template["Parameters"]
    assert params["DatabaseUrl"]["NoEcho"] is True
    assert params["KeyEncryptionKey"]["NoEcho"] is True
    env = template["Resources"]["TokenServiceFunction"]["Properties"]["Environment"]["Variables"]
    assert env["GATEHOUSE_STORAGE_URL"] == {"Ref": "DatabaseUrl"}
    assert env["GATEHOUSE_STORAGE_POOL_SIZE"] == "2"
    assert env["GATEHOUSE_KEK"] == {"Ref": "KeyEncryptionKey"}
    assert env["GATEHOUSE_ISSUER_DEVELOPMENT"] == "false"


def test_jwt_path_points_the_authorizer_at_the_issuer_with_scopes() -> None:
    """The HTTP API JWT authorizer uses the issuer and audience; routes carry their scopes."""
    transformed = sam_transform(sam_template(_spec(Protection.JWT)))
    api = transformed["Resources"]["ServicesApi"]["Properties"]["Body"]
    authorizer = api["components"]["securitySchemes"]["GatehouseJwt"]
    config = authorizer["x-amazon-apigateway-authorizer"]["jwtConfiguration"]
    assert config["issuer"] == {"Ref": "IssuerUrl"}
    assert config["audience"] == ["gatehouse-examples"]
    assert api["paths"]["/orders"]["get"]["security"] == [{"GatehouseJwt": ["orders:read"]}]


def test_jwt_path_refuses_non_rsa_signing() -> None:
    """ES256 with the JWT authorizer is refused, naming RS256 and the Lambda alternative."""
    with pytest.raises(ConfigurationError, match="accepts only RSA keys") as caught:
        sam_template(_spec(Protection.JWT, alg="ES256"))
    assert "--signing-alg RS256" in caught.value.message
    assert "--authorizer lambda" in caught.value.message


def test_lambda_path_caches_per_route_and_may_invoke_the_authorizer() -> None:
    """The Lambda authorizer's cache key includes the route; API Gateway may invoke it."""
    transformed = sam_transform(sam_template(_spec(Protection.LAMBDA, alg="ES256")))
    schemes = transformed["Resources"]["ServicesApi"]["Properties"]["Body"]["components"][
        "securitySchemes"
    ]
    profile = schemes["ProfileAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert "$context.routeKey" in profile["identitySource"]
    assert "$request.header.Authorization" in profile["identitySource"]
    permissions = _of_type(transformed, "AWS::Lambda::Permission")
    assert "ServicesApiProfileAuthorizerAuthorizerPermission" in permissions


def test_route_syntax_is_checked() -> None:
    """A route without a method or path is refused with an example of the right form."""
    with pytest.raises(ConfigurationError, match="expected METHOD /path"):
        parse_route("/orders")
