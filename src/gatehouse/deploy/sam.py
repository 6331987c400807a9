"""An AWS SAM template for the token service and the services it protects.

Two HTTP APIs: the token service's (every path to ``gatehouse.service.lambda_entry``),
and the services' API, where each route is guarded in one of three ways:

* ``jwt``: the HTTP API's own JWT authorizer, pointed at the token service's issuer. It
  finds the keys through ``{issuer}/.well-known/openid-configuration`` and accepts only
  RSA signatures, so this path requires ``signing_alg = "RS256"``
  (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html);
* ``lambda``: a gatehouse Lambda authorizer (``BearerAuthorizer``), HTTP API payload 2.0
  with simple responses, cached per ``Authorization`` header *and route* so a decision
  for one route is never reused for another;
* ``none``: the function verifies the token itself (``@require_token``).

A function with ``dpop = true`` (RFC 9449) gets ``GATEHOUSE_RESOURCE_DPOP=on`` in its
environment and its authorizer's (``gatehouse.adapters.dpop_env``), and its authorizer's cache is
off (``ReauthorizeEvery: 0``): a DPoP proof is single-use, and a cached decision,
whatever its key, would let API Gateway answer a replayed proof without asking the
authorizer (keying the cache on the ``DPoP`` header too would still hand the replay the
Allow cached for the original). The JWT authorizer checks no proof: ``dpop = true``
with ``auth = "jwt"`` is refused where ``[[functions]]`` is read.

The PostgreSQL URL and the key-encryption key are ``NoEcho`` parameters. The template
is emitted as JSON, which is valid YAML: ``sam build``/``sam deploy`` and CloudFormation
read it as ``template.yaml`` unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from gatehouse.deploy.protection import JWT_AUTHORIZER, check_jwt_scopes
from gatehouse.deploy.spec import DeploySpec
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec

__all__ = ["LAMBDA_ENTRY", "RSA_ALGORITHMS", "render_template", "sam_template"]

LAMBDA_ENTRY = "gatehouse.service.lambda_entry.handler"
RSA_ALGORITHMS = frozenset({"RS256"})
_JWT_AUTHORIZER = JWT_AUTHORIZER


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _parameters() -> dict[str, Any]:
    return {
        "IssuerUrl": {
            "Type": "String",
            "AllowedPattern": "^https://[^/]+(/.*)?[^/]$",
            "Description": "The issuer (iss): the token service's public https URL, with no"
            " trailing slash (a custom domain mapped to TokenApi). Tokens and verifiers"
            " carry it, so choose it once.",
        },
        "DatabaseUrl": {
            "Type": "String",
            "NoEcho": True,
            "Description": "PostgreSQL connection string: postgresql://user:password@host:5432/db",
        },
        "KeyEncryptionKey": {
            "Type": "String",
            "NoEcho": True,
            "MinLength": 43,
            "Description": "32 random bytes, base64url (seals the signing keys at rest):"
            ' python -c "import secrets; print(secrets.token_urlsafe(32))"',
        },
        "RedisUrl": {
            "Type": "String",
            "NoEcho": True,
            "Default": "",
            "Description": "Optional redis:// URL for the deny-list and login throttling"
            " shared by every instance; empty keeps them in PostgreSQL.",
        },
        "SubnetIds": {
            "Type": "CommaDelimitedList",
            "Default": "",
            "Description": "Optional: private subnets that reach the database (VPC).",
        },
        "SecurityGroupIds": {
            "Type": "CommaDelimitedList",
            "Default": "",
            "Description": "Optional: security groups for the functions (with SubnetIds).",
        },
    }


def _conditions() -> dict[str, Any]:
    return {
        "HasRedis": {"Fn::Not": [{"Fn::Equals": [_ref("RedisUrl"), ""]}]},
        "HasVpc": {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", _ref("SubnetIds")]}, ""]}]},
    }


def _verifier_environment(spec: DeploySpec) -> dict[str, Any]:
    """What a protected function (or authorizer) needs to verify tokens itself."""
    return {
        "GATEHOUSE_ISSUER_URL": _ref("IssuerUrl"),
        "GATEHOUSE_AUDIENCE": spec.audience,
        "GATEHOUSE_ALGORITHMS": spec.signing_alg,
        "GATEHOUSE_JWKS_URL": _sub("${IssuerUrl}/.well-known/jwks.json"),
        "GATEHOUSE_TOKEN_URL": _sub("${IssuerUrl}/token"),
    }


def _token_service(spec: DeploySpec) -> dict[str, Any]:
    environment = {
        "GATEHOUSE_ISSUER_URL": _ref("IssuerUrl"),
        "GATEHOUSE_ISSUER_DEFAULT_AUDIENCE": spec.audience,
        "GATEHOUSE_ISSUER_AUDIENCES": spec.audience,
        "GATEHOUSE_ISSUER_SIGNING_ALG": spec.signing_alg,
        "GATEHOUSE_ISSUER_ACCESS_TOKEN_TTL": str(spec.access_token_ttl),
        "GATEHOUSE_ISSUER_DEVELOPMENT": "false",
        "GATEHOUSE_STORAGE_URL": _ref("DatabaseUrl"),
        # One request at a time per Lambda instance: a small pool keeps many concurrent
        # instances under PostgreSQL's max_connections (docs/storage-backends.md).
        "GATEHOUSE_STORAGE_POOL_SIZE": "2",
        # A cold start while the database is unreachable waits this long, not 5 s.
        "GATEHOUSE_STORAGE_CONNECT_TIMEOUT": "2",
        "GATEHOUSE_STORAGE_REDIS_URL": {
            "Fn::If": ["HasRedis", _ref("RedisUrl"), _ref("AWS::NoValue")]
        },
        "GATEHOUSE_KEK": _ref("KeyEncryptionKey"),
        "GATEHOUSE_STATUS_LIST_ENABLED": "true" if spec.status_lists else "false",
    }
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": "gatehouse token service: /login, /token, /logout, /revoke,"
            " /introspect, /.well-known/*",
            "Handler": LAMBDA_ENTRY,
            # argon2id at OWASP's 19 MiB per login, with room for concurrent requests.
            "MemorySize": 512,
            "Timeout": 15,
            "Environment": {"Variables": environment},
            "Events": {
                "Api": {
                    "Type": "HttpApi",
                    "Properties": {"ApiId": _ref("TokenApi"), "Path": "/{proxy+}", "Method": "ANY"},
                }
            },
        },
    }


def _route_events(service: ServiceSpec) -> dict[str, Any]:
    events: dict[str, Any] = {}
    for index, route in enumerate(service.routes):
        properties: dict[str, Any] = {
            "ApiId": _ref("ServicesApi"),
            "Path": route.path,
            "Method": route.method,
        }
        if service.payload != "2.0":
            properties["PayloadFormatVersion"] = service.payload
        if service.protection is Protection.JWT:
            properties["Auth"] = {"Authorizer": _JWT_AUTHORIZER}
            if service.scopes:
                properties["Auth"]["AuthorizationScopes"] = list(service.scopes)
        elif service.protection is Protection.LAMBDA:
            properties["Auth"] = {"Authorizer": f"{service.logical_name}Authorizer"}
        events[f"Route{index}"] = {"Type": "HttpApi", "Properties": properties}
    return events


def _dpop_environment(service: ServiceSpec) -> dict[str, str]:
    return {"GATEHOUSE_RESOURCE_DPOP": "on"} if service.dpop else {}


def _service_function(spec: DeploySpec, service: ServiceSpec) -> dict[str, Any]:
    environment = (
        _verifier_environment(spec) | _dpop_environment(service) | dict(service.environment)
    )
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": f"{service.name} ({service.protection.value} protection)",
            "Handler": service.handler,
            # What [[functions]] gives the dev gateway's worker: the same limits on AWS
            # (Lambda takes whole seconds, so a fractional timeout is rounded up).
            "Timeout": math.ceil(service.timeout),
            "MemorySize": service.memory,
            "Environment": {"Variables": environment},
            "Events": _route_events(service),
        },
    }


def _authorizer_function(spec: DeploySpec, service: ServiceSpec) -> dict[str, Any]:
    environment = _verifier_environment(spec) | _dpop_environment(service)
    if service.scopes:
        environment["GATEHOUSE_SCOPES"] = " ".join(service.scopes)
    if spec.status_lists:
        # Every token the service issues then carries a status reference: one without is
        # refused, a revoked one too (draft-ietf-oauth-status-list §8.3).
        environment["GATEHOUSE_STATUS_LISTS"] = "required"
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": f"gatehouse Lambda authorizer for {service.name}",
            "Handler": service.authorizer,
            "Environment": {"Variables": environment},
        },
    }


def _identity(service: ServiceSpec) -> dict[str, list[str]]:
    """The HTTP API authorizer's identity sources (``$request.header.X`` is ``Headers``,
    ``$request.querystring.x`` ``QueryStrings``): what its cache is keyed on, and what a
    request must carry before the authorizer is called, as under ``gatehouse dev``."""
    found: dict[str, list[str]] = {}
    for where, name in service.identity:
        found.setdefault("Headers" if where == "header" else "QueryStrings", []).append(name)
    return found


def _services_api(spec: DeploySpec) -> dict[str, Any]:
    authorizers: dict[str, Any] = {}
    if any(s.protection is Protection.JWT for s in spec.services):
        authorizers[_JWT_AUTHORIZER] = {
            "IdentitySource": "$request.header.Authorization",
            "JwtConfiguration": {"issuer": _ref("IssuerUrl"), "audience": [spec.audience]},
        }
    for service in spec.services:
        if service.protection is not Protection.LAMBDA:
            continue
        authorizers[f"{service.logical_name}Authorizer"] = {
            "FunctionArn": {"Fn::GetAtt": [f"{service.logical_name}AuthorizerFunction", "Arn"]},
            "AuthorizerPayloadFormatVersion": "2.0",
            "EnableSimpleResponses": True,
            # Without it API Gateway may not invoke the authorizer (SAM's default is off).
            "EnableFunctionDefaultPermissions": True,
            # The route is part of the cache key: an Allow for one route never answers
            # for another (see docs/adapters.md, "Caching").
            "Identity": {
                **_identity(service),
                "Context": ["routeKey"],
                # 0 for dpop functions (ServiceSpec holds it): a proof is single-use.
                "ReauthorizeEvery": 0 if service.dpop else service.authorizer_ttl,
            },
        }
    properties: dict[str, Any] = {}
    if authorizers:
        properties["Auth"] = {"Authorizers": authorizers}
    return {"Type": "AWS::Serverless::HttpApi", "Properties": properties}


def _check(spec: DeploySpec) -> None:
    jwt = [s.name for s in spec.services if s.protection is Protection.JWT]
    if jwt and spec.signing_alg not in RSA_ALGORITHMS:
        raise ConfigurationError(
            f"{', '.join(jwt)}: the HTTP API JWT authorizer accepts only RSA keys, and the"
            f" token service would sign with {spec.signing_alg}; deploy with --signing-alg"
            " RS256, or protect them with --authorizer lambda"
        )
    for service in spec.services:
        check_jwt_scopes(service)
        if service.protection is Protection.LAMBDA and service.authorizer_type == "token":
            # TOKEN authorizers belong to REST APIs; the template's services API is an
            # HTTP API, whose Lambda authorizers are all REQUEST-style (payload 2.0).
            raise ConfigurationError(
                f'{service.name}: authorizer_type = "token" is a REST API authorizer, and the'
                " template deploys an HTTP API, which has no TOKEN authorizers; remove"
                " authorizer_type (a REQUEST authorizer reading the same header), or use"
                " gatehouse dev only"
            )
    names = [s.logical_name for s in spec.services]
    if len(set(names)) != len(names):
        raise ConfigurationError("two functions share a name; names must be unique")


def sam_template(spec: DeploySpec) -> dict[str, Any]:
    """The SAM template as a dict (see the module docstring)."""
    _check(spec)
    resources: dict[str, Any] = {
        "TokenApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {}},
        "TokenServiceFunction": _token_service(spec),
    }
    outputs: dict[str, Any] = {
        "TokenApiUrl": {
            "Description": "Map your issuer's custom domain to this API",
            "Value": _sub("https://${TokenApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
        },
        "JwksUrl": {"Value": _sub("${IssuerUrl}/.well-known/jwks.json")},
    }
    if spec.services:
        resources["ServicesApi"] = _services_api(spec)
        outputs["ServicesApiUrl"] = {
            "Value": _sub("https://${ServicesApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}")
        }
    for service in spec.services:
        resources[f"{service.logical_name}Function"] = _service_function(spec, service)
        if service.protection is Protection.LAMBDA:
            resources[f"{service.logical_name}AuthorizerFunction"] = _authorizer_function(
                spec, service
            )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "gatehouse: token service and protected services (gatehouse deploy sam)",
        "Parameters": _parameters(),
        "Conditions": _conditions(),
        "Globals": {
            "Function": {
                "Runtime": spec.runtime,
                "CodeUri": spec.code_uri,
                "Timeout": 10,
                "MemorySize": 256,
                "VpcConfig": {
                    "Fn::If": [
                        "HasVpc",
                        {
                            "SubnetIds": _ref("SubnetIds"),
                            "SecurityGroupIds": _ref("SecurityGroupIds"),
                        },
                        _ref("AWS::NoValue"),
                    ]
                },
            }
        },
        "Resources": resources,
        "Outputs": outputs,
    }


def render_template(template: dict[str, Any]) -> str:
    """JSON text (valid YAML) with a comment saying where it came from."""
    header = (
        "# Generated by `gatehouse deploy sam`; JSON is valid YAML, so SAM reads it as is.\n"
        "# Parameters: IssuerUrl, DatabaseUrl, KeyEncryptionKey, RedisUrl (docs/deploy.md).\n"
    )
    return header + json.dumps(template, indent=2) + "\n"
