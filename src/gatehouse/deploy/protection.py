"""Choosing one protection for every function (``deploy sam --authorizer``) without losing any.

``--authorizer jwt`` or ``lambda`` swaps each ``[[functions]]`` entry's guard for another
kind. A swap is only allowed when the new guard enforces at least what the entry declared
and what ``gatehouse dev`` enforces for it; otherwise the command refuses and says why,
because a template that prints "jwt protection" while dropping a route's scope rule
deploys an open route:

* a function behind **its own** Lambda authorizer (``authorizer = "pkg.mod.fn"``) keeps
  rules in code (per-path scopes, claims, ...) that the HTTP API JWT authorizer cannot
  express: refused for ``jwt``;
* ``dpop = true``: the JWT authorizer checks no proof (RFC 9449 §7.2 downgrade): refused;
* more than one scope with the JWT authorizer: API Gateway lets a token through when it
  carries *any one* of a route's ``AuthorizationScopes`` ("the token must include at least
  one of the route's scopes", API Gateway Developer Guide, "Control access to HTTP APIs
  with JWT authorizers"), while gatehouse (``Verifier.verify(scopes=...)``, the dev
  gateway, ``BearerAuthorizer``) requires all of them: refused, here and for
  ``auth = "jwt"`` written in ``[[functions]]``.

``route_guards`` reads back, from a finished template, what guards each route, so a test
can hold the template to the gateway's view of the same ``[[functions]]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec

__all__ = [
    "GENERIC_AUTHORIZER",
    "JWT_AUTHORIZER",
    "RouteGuard",
    "check_jwt_scopes",
    "override_protection",
    "route_guards",
]

GENERIC_AUTHORIZER = "gatehouse.deploy.lambda_authorizer.handler"
JWT_AUTHORIZER = "GatehouseJwt"  # the services API's one HTTP API JWT authorizer


@record
class RouteGuard:
    """What stands in front of one route: the kind, the scopes every call needs, and for
    a Lambda authorizer its handler, how long API Gateway may reuse its answer and the
    identity sources (``("header", "Authorization")``) its cache is keyed on."""

    protection: Protection
    scopes: frozenset[str] = frozenset()
    authorizer: str | None = None
    cache_seconds: int = 0
    identity: frozenset[tuple[str, str]] = frozenset()


def check_jwt_scopes(service: ServiceSpec) -> None:
    """Refuse a JWT-authorizer function whose scopes API Gateway would read as any-of."""
    if service.protection is Protection.JWT and len(service.scopes) > 1:
        raise ConfigurationError(
            f"{service.name}: the HTTP API JWT authorizer admits a token carrying any one of"
            f" {', '.join(service.scopes)}, but gatehouse requires all of them; keep one scope,"
            ' or use auth = "lambda" (or --authorizer lambda), which checks every scope'
        )


def _to_jwt(service: ServiceSpec) -> ServiceSpec:
    if service.dpop:
        raise ConfigurationError(
            f"{service.name}: dpop = true needs a proof check the HTTP API JWT authorizer"
            " does not make (RFC 9449 §7.2); deploy it with --authorizer lambda or as"
            " [[functions]] says"
        )
    if service.protection is Protection.LAMBDA and service.authorizer != GENERIC_AUTHORIZER:
        raise ConfigurationError(
            f"{service.name}: its own Lambda authorizer ({service.authorizer}) decides in code"
            " (per-route scopes, claims), which the HTTP API JWT authorizer cannot express;"
            ' deploy with --authorizer lambda or config, or declare auth = "jwt" and scopes'
            " in its [[functions]] entry"
        )
    replaced = dataclasses.replace(service, protection=Protection.JWT, authorizer=None)
    check_jwt_scopes(replaced)
    return replaced


def _to_lambda(service: ServiceSpec) -> ServiceSpec:
    if service.protection is Protection.LAMBDA:
        return service  # its own authorizer (or the generic one) already guards it
    # The ready-made authorizer checks every scope (GATEHOUSE_SCOPES), as the dev gateway's
    # JWT guard and @require_token do.
    return dataclasses.replace(service, protection=Protection.LAMBDA, authorizer=GENERIC_AUTHORIZER)


def override_protection(
    services: tuple[ServiceSpec, ...], chosen: Protection
) -> tuple[ServiceSpec, ...]:
    """Every service guarded by ``chosen``, or a ``ConfigurationError`` naming the first
    service whose declared protection that would weaken (see the module docstring)."""
    if chosen is Protection.JWT:
        return tuple(_to_jwt(s) for s in services)
    if chosen is Protection.LAMBDA:
        return tuple(_to_lambda(s) for s in services)
    raise ConfigurationError("--authorizer: expected jwt or lambda")


def _lambda_guard(template: Mapping[str, Any], authorizer: str) -> RouteGuard:
    resources = template["Resources"]
    api = resources["ServicesApi"]["Properties"]["Auth"]["Authorizers"][authorizer]
    function = resources[api["FunctionArn"]["Fn::GetAtt"][0]]["Properties"]
    variables = function["Environment"]["Variables"]
    identity = api["Identity"]
    sources = {("header", h) for h in identity.get("Headers", ())}
    sources |= {("querystring", q) for q in identity.get("QueryStrings", ())}
    return RouteGuard(
        Protection.LAMBDA,
        frozenset(variables.get("GATEHOUSE_SCOPES", "").split()),
        function["Handler"],
        int(identity["ReauthorizeEvery"]),
        frozenset(sources),
    )


def route_guards(template: Mapping[str, Any]) -> dict[tuple[str, str], RouteGuard]:
    """``(method, path) -> RouteGuard`` for every route of the services' API."""
    guards: dict[tuple[str, str], RouteGuard] = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            properties = event["Properties"]
            if properties.get("ApiId") != {"Ref": "ServicesApi"}:
                continue
            key = (properties["Method"], properties["Path"])
            auth = properties.get("Auth")
            if auth is None:
                guards[key] = RouteGuard(Protection.NONE)
            elif auth["Authorizer"] == JWT_AUTHORIZER:
                guards[key] = RouteGuard(
                    Protection.JWT, frozenset(auth.get("AuthorizationScopes", ()))
                )
            else:
                guards[key] = _lambda_guard(template, auth["Authorizer"])
    return guards
