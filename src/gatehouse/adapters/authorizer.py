"""API Gateway Lambda authorizers: TOKEN and REQUEST (payload 1.0), and HTTP API 2.0.

A 401 is signalled by failing with exactly ``Unauthorized`` (anything else becomes a 500);
a 403 by an explicit Deny (or ``isAuthorized: false``). API Gateway caches the decision for
the identity source (the token) for 300 s by default, *not* for the route: an Allow for
``/stage/*`` cached after a call to a public route would let that token into every route.
So the Allow names exactly the ARN being called unless the caller declares, with
``PolicyScope.STAGE``, that every route behind the authorizer has the same requirement.

DPoP (RFC 9449): given a ``gatehouse.dpop.DPoPVerifier``, REQUEST events (1.0 and 2.0)
are also accepted with ``Authorization: DPoP <token>`` and a ``DPoP`` proof for the
request's method and URL (rebuilt as for the Lambda decorator). A proof is single-use,
but API Gateway's cache would reuse the decision for the next request with the same
identity source: so a DPoP authorizer's cache must be off, or keyed on the ``DPoP``
header too (``gatehouse deploy sam`` writes one of those). A TOKEN authorizer sees no
``DPoP`` header at all: it can only refuse the DPoP scheme. An authorizer cannot set
response headers on a 401, so there is no ``WWW-Authenticate: DPoP`` or ``DPoP-Nonce``
from here (API Gateway's own 401 goes out): nonce policies belong in the function.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.adapters.guard import BearerGuard
from gatehouse.adapters.pathrules import PathRules
from gatehouse.adapters.target_url import lambda_url
from gatehouse.errors import (
    ConfigurationError,
    InsufficientScopeError,
    InvalidRequestError,
    MissingClaimError,
    TokenError,
)

if TYPE_CHECKING:
    from gatehouse.adapters.deny_check import DenyCheck
    from gatehouse.claims import Claims
    from gatehouse.dpop import DPoPVerifier
    from gatehouse.verify import Verifier

__all__ = ["BearerAuthorizer", "PolicyScope", "authorizer_context", "iam_policy"]

UNAUTHORIZED = "Unauthorized"  # the exact message API Gateway turns into a 401


class PolicyScope(enum.Enum):
    """How much of the API an Allow covers (see the module docstring for why it matters)."""

    METHOD = "method"  # exactly the methodArn / routeArn of this call (the safe default)
    STAGE = "stage"  # every method and path of the stage: only if all routes require the same


def _split_arn(arn: str) -> tuple[str, str, str, str]:
    """(``arn:…:{account}:{apiId}``, stage, verb, resource path) of an execute-api ARN."""
    # arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{verb}/{resource...}
    prefix, sep, path = arn.rpartition(":")
    api_id, _, rest = path.partition("/")
    stage, _, rest = rest.partition("/")
    verb, _, resource = rest.partition("/")
    if not (prefix.startswith("arn:") and sep and api_id and stage):
        raise ConfigurationError("the authorizer event's ARN is not an execute-api ARN")
    return f"{prefix}:{api_id}", stage, verb, "/" + resource


def _stage_wide(arn: str) -> str:
    api, stage, _, _ = _split_arn(arn)
    return f"{api}/{stage}/*"


def _request_path(event: Mapping[str, Any], is_v2: bool, arn: str) -> str:
    # REQUEST events name the path; TOKEN events only carry it inside the methodArn.
    path = event.get("rawPath" if is_v2 else "path")
    return path if isinstance(path, str) and path else _split_arn(arn)[3]


def iam_policy(principal_id: str, effect: str, resource: str) -> dict[str, Any]:
    """An authorizer IAM policy document (shape of aws-lambda-go apigw-custom-auth-response)."""
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": ["execute-api:Invoke"], "Effect": effect, "Resource": [resource]}
            ],
        },
    }


def authorizer_context(claims: Claims) -> dict[str, str]:
    """Claims the backend needs, as the string values an authorizer context must hold.

    REST authorizer context values reach the integration as strings, so lists are joined
    with spaces (``scope`` already is one, RFC 9068 §2.2.3). ``act_sub`` is the current
    actor of an exchanged token (RFC 8693 §4.1: the outermost ``act``), so the backend
    knows who calls for ``sub``.
    """
    act = claims.get("act")
    return {
        name: value
        for name, value in (
            ("sub", claims.subject),
            ("scope", " ".join(sorted(claims.scopes))),
            ("client_id", claims.client_id),
            ("sid", claims.session_id),
            ("jti", claims.token_id),
            ("roles", " ".join(claims.roles)),
            ("act_sub", act.get("sub") if isinstance(act, Mapping) else None),
        )
        if isinstance(value, str) and value
    }


class BearerAuthorizer:
    """A Lambda authorizer handler: ``handler = BearerAuthorizer(verifier, scopes=[...])``.

    Accepts TOKEN events (``authorizationToken``), REQUEST events (the ``Authorization``
    header) and HTTP API 2.0 REQUEST events, answering each in its format: an IAM policy,
    or for 2.0 the simple response when ``simple_responses`` (the HTTP API setting
    "enableSimpleResponses") is on. ``path_scopes`` adds scopes under a path prefix, as
    the middlewares do; a simple response names no resource, so with per-path scopes the
    HTTP API's identity source must include ``$context.routeKey`` (or caching be off).
    """

    __slots__ = ("_guard", "_rules", "policy_scope", "simple_responses")

    def __init__(
        self,
        verifier: Verifier | DPoPVerifier,
        *,
        scopes: Iterable[str] = (),
        path_scopes: Mapping[str, Iterable[str]] | None = None,
        deny_list: DenyCheck | None = None,
        policy_scope: PolicyScope = PolicyScope.METHOD,
        simple_responses: bool = True,
    ) -> None:
        if path_scopes and policy_scope is PolicyScope.STAGE:
            # A stage-wide Allow cached for a route needing less would open the others.
            raise ConfigurationError("PolicyScope.STAGE needs one requirement for every route")
        self._guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list)
        self._rules = PathRules(path_scopes or {}, ())
        self.policy_scope = policy_scope
        self.simple_responses = simple_responses

    def __call__(self, event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
        """Authorize one call; raise ``Exception("Unauthorized")`` for a 401."""
        if not isinstance(event, Mapping):
            raise ConfigurationError("an authorizer event must be a JSON object")
        is_v2 = event.get("version") == "2.0"
        arn = event.get("routeArn" if is_v2 else "methodArn")
        if not isinstance(arn, str):
            raise ConfigurationError("the authorizer event has no methodArn/routeArn")
        try:
            claims = self._verify(event, is_v2)
            principal = claims.subject
            if not principal:
                raise MissingClaimError("the token has no subject", claim="sub")
            self._guard.admit(claims, self._rules.scopes_for(_request_path(event, is_v2, arn)))
        except InsufficientScopeError:
            # An explicit Deny on this ARN only: 403, and nothing cached for other routes.
            if is_v2 and self.simple_responses:
                return {"isAuthorized": False}
            return iam_policy(principal or "", "Deny", arn)
        except (TokenError, InvalidRequestError) as error:
            raise Exception(UNAUTHORIZED) from error  # API Gateway's contract for a 401
        allowed = _stage_wide(arn) if self.policy_scope is PolicyScope.STAGE else arn
        context_values = authorizer_context(claims)
        if is_v2 and self.simple_responses:
            return {"isAuthorized": True, "context": context_values}
        response = iam_policy(principal, "Allow", allowed)
        response["context"] = context_values
        return response

    def _verify(self, event: Mapping[str, Any], is_v2: bool) -> Claims:
        if event.get("type") == "TOKEN":
            token = event.get("authorizationToken")
            # No headers, so no proof and no URL: the DPoP scheme is refused here.
            return self._guard.verify_request(
                (token,) if isinstance(token, str) and token else (), url=_no_url
            )
        view = HttpEvent(event, EventFamily.HTTP_V2 if is_v2 else EventFamily.REST_V1)
        return self._guard.verify_request(
            view.header_values("authorization"),
            dpop=view.header_values("dpop"),
            method=view.method,
            url=lambda: lambda_url(view),
        )


def _no_url() -> str:
    raise InvalidRequestError("a TOKEN authorizer event carries no request URL")
