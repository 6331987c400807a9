"""`deploy sam` keeps every route's protection: the template guards what `gatehouse dev` guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from deploy_helpers import lint_problems, sam_transform

from gatehouse.cli.main import cli
from gatehouse.deploy.protection import GENERIC_AUTHORIZER, RouteGuard, route_guards
from gatehouse.deploy.sam import sam_template
from gatehouse.deploy.spec import DeploySpec
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec, parse_route
from gatehouse.gateway.handlers import load_functions
from gatehouse.service.settings import load_settings

# One function per mode: verified in the handler, the JWT authorizer with one scope, its
# own Lambda authorizer, the ready-made one with two scopes, and a DPoP route.
FUNCTIONS = f"""
[[functions]]
name = "orders"
handler = "svc.handlers.handler"
routes = ["GET /orders"]
auth = "none"

[[functions]]
name = "reports"
handler = "svc.handlers.handler"
routes = ["GET /reports", "POST /reports/{{id}}"]
auth = "jwt"
scopes = ["reports:read"]

[[functions]]
name = "profile"
handler = "svc.handlers.handler"
routes = ["GET /profile"]
event = "v1"
auth = "lambda"
authorizer = "svc.handlers.authorizer"
authorizer_ttl = 120

[[functions]]
name = "audit"
handler = "svc.handlers.handler"
routes = ["ANY /audit/{{proxy+}}"]
auth = "lambda"
authorizer = "{GENERIC_AUTHORIZER}"
scopes = ["audit:read", "audit:write"]
identity_sources = ["$request.header.Authorization", "$request.querystring.tenant"]

[[functions]]
name = "payments"
handler = "svc.handlers.handler"
routes = ["POST /payments"]
auth = "lambda"
authorizer = "svc.handlers.authorizer"
dpop = true
"""


def _gatehouse(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An RS256 `gatehouse init` project whose [[functions]] cover every mode."""
    monkeypatch.chdir(tmp_path)
    assert _gatehouse("init", "--signing-alg", "RS256").exit_code == 0
    config = tmp_path / "gatehouse.toml"
    text = config.read_text()
    config.write_text(text[: text.index("# The example services")] + FUNCTIONS)
    package = tmp_path / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n\n"
        "def authorizer(event, context):\n    return {'isAuthorized': False}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _dev_guards(project: Path) -> dict[tuple[str, str], RouteGuard]:
    """What the dev gateway puts in front of each route, read from the loaded functions."""
    settings = load_settings(project / "gatehouse.toml", environ={})
    guards = {}
    for function in load_functions(settings.functions):
        spec = function.spec
        if spec.protection is Protection.LAMBDA:
            assert function.authorizer is not None
            guard = RouteGuard(
                Protection.LAMBDA,
                frozenset(spec.scopes),
                spec.authorizer,
                spec.authorizer_ttl,
                frozenset(spec.identity),
            )
        else:
            guard = RouteGuard(spec.protection, frozenset(spec.scopes))
        for route in spec.routes:
            guards[(route.method, route.path)] = guard
    return guards


def _template_guards(project: Path, *args: str) -> dict[tuple[str, str], RouteGuard]:
    result = _gatehouse("deploy", "sam", "--force", *args)
    assert result.exit_code == 0, result.stderr
    template = json.loads((project / "template.yaml").read_text().split("\n", 2)[2])
    assert lint_problems(sam_transform(template)) == []
    return route_guards(template)


def test_template_guards_every_route_as_dev_does(project: Path) -> None:
    """As [[functions]] says: each route's kind, scopes, authorizer, cache and identity
    sources match dev."""
    dev = _dev_guards(project)
    assert {g.protection for g in dev.values()} == set(Protection)
    assert dev[("ANY", "/audit/{proxy+}")].identity == {
        ("header", "Authorization"),
        ("querystring", "tenant"),
    }
    assert _template_guards(project) == dev


def test_authorizer_lambda_is_never_weaker_than_dev(project: Path) -> None:
    """--authorizer lambda: every route behind an authorizer needing at least dev's scopes."""
    dev = _dev_guards(project)
    deployed = _template_guards(project, "--authorizer", "lambda")
    assert deployed.keys() == dev.keys()
    for route, guard in deployed.items():
        assert guard.protection is Protection.LAMBDA, route
        assert guard.scopes >= dev[route].scopes, route
        if dev[route].protection is Protection.LAMBDA:
            assert guard == dev[route], route  # its own authorizer, unchanged
    assert deployed[("GET", "/reports")].authorizer == GENERIC_AUTHORIZER


def test_authorizer_jwt_refuses_a_function_with_its_own_authorizer(project: Path) -> None:
    """--authorizer jwt names the function whose authorizer code it would drop; no template."""
    result = _gatehouse("deploy", "sam", "--authorizer", "jwt")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "profile: its own Lambda authorizer (svc.handlers.authorizer)" in result.stderr
    assert not (project / "template.yaml").exists()


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (
            ServiceSpec("audit", "svc.h.f", (parse_route("GET /a"),), scopes=("a:read", "a:write")),
            "any one of a:read, a:write, but gatehouse requires all",
        ),
        (
            ServiceSpec(
                "pay",
                "svc.h.f",
                (parse_route("POST /p"),),
                Protection.LAMBDA,
                authorizer=GENERIC_AUTHORIZER,
                authorizer_ttl=0,
                dpop=True,
            ),
            "dpop = true needs a proof check",
        ),
    ],
    ids=["two-scopes", "dpop"],
)
def test_authorizer_jwt_refuses_what_it_cannot_enforce(service: ServiceSpec, message: str) -> None:
    """Any-of scopes and DPoP routes are refused for the JWT authorizer, with the reason."""
    from gatehouse.deploy.protection import override_protection

    with pytest.raises(ConfigurationError, match=message):
        override_protection((service,), Protection.JWT)


def test_declared_jwt_with_two_scopes_is_refused() -> None:
    """auth = "jwt" with two scopes never reaches a template (AWS would accept either one)."""
    service = ServiceSpec(
        "audit", "svc.h.f", (parse_route("GET /a"),), Protection.JWT, scopes=("a", "b")
    )
    spec = DeploySpec(audience="x", signing_alg="RS256", services=(service,))
    with pytest.raises(ConfigurationError, match="any one of a, b"):
        sam_template(spec)


def test_authorizer_jwt_keeps_scopes_where_it_can(project: Path) -> None:
    """Without the functions it cannot guard, --authorizer jwt sets AuthorizationScopes."""
    config = project / "gatehouse.toml"
    text = config.read_text()
    config.write_text(text[: text.index('[[functions]]\nname = "profile"')])
    deployed = _template_guards(project, "--authorizer", "jwt")
    assert deployed[("GET", "/reports")] == RouteGuard(Protection.JWT, frozenset({"reports:read"}))
    assert deployed[("GET", "/orders")] == RouteGuard(Protection.JWT)
