"""``@require_token``: protect a Lambda function behind API Gateway, ALB or a Function URL.

One decorator for every HTTP event family (see ``events``): it reads
``Authorization: Bearer`` (RFC 6750 §2.1), verifies the token with the required scopes,
and calls the handler with the verified ``Claims`` as the keyword argument ``claims``. A
refusal never reaches the handler: it is answered with 401/403 and a ``WWW-Authenticate``
challenge (RFC 6750 §3), or 503 when keys cannot be fetched, in the event's own response
format. Importing this module pulls in nothing heavier than stdlib ``json``.

DPoP (RFC 9449): pass a ``gatehouse.dpop.DPoPVerifier`` as ``verifier`` and the
decorator also accepts ``Authorization: DPoP <token>`` with a ``DPoP`` proof for the
event's method and the URL the client addressed (``target_url.lambda_url``: stage
prefixes, custom domains, ALB, Function URLs), answering ``WWW-Authenticate: DPoP``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gatehouse.adapters.events import HttpEvent
from gatehouse.adapters.guard import DEFAULT_REALM, BearerGuard

if TYPE_CHECKING:
    from gatehouse.adapters.deny_check import DenyCheck
    from gatehouse.adapters.txn_check import TxnTokenCheck
    from gatehouse.claims import Claims
    from gatehouse.dpop import DPoPVerifier
    from gatehouse.errors import GatehouseError
    from gatehouse.verify import Verifier

__all__ = ["ProtectedHandler", "require_token"]

R_co = TypeVar("R_co", covariant=True)


class ProtectedHandler(Protocol[R_co]):
    """A Lambda handler that receives the verified claims."""

    def __call__(self, event: dict[str, Any], context: Any, *, claims: Claims) -> R_co: ...


def require_token(
    verifier: Verifier | DPoPVerifier,
    *,
    scopes: Iterable[str] = (),
    deny_list: DenyCheck | None = None,
    realm: str = DEFAULT_REALM,
    trust_upstream: bool = False,
    txn_token: TxnTokenCheck | None = None,
) -> Callable[[ProtectedHandler[R_co]], Callable[[dict[str, Any], Any], R_co | dict[str, Any]]]:
    """Decorate ``handler(event, context, *, claims)`` to run only for an acceptable token.

    ``trust_upstream=True`` accepts the claims an API Gateway authorizer already verified
    (``upstream``) instead of verifying again; only the deny list and scopes are then
    checked here. Leave it off unless every route to the function has that authorizer
    (with DPoP, that authorizer must check the proof: ``BearerAuthorizer`` given a
    ``DPoPVerifier`` does).

    ``txn_token=TxnTokenCheck(...)`` also verifies the ``Txn-Token`` header and passes its
    claims (or None when optional and absent) as the keyword argument ``txn``.
    """
    guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list, realm=realm)
    # Imported only when asked for: a Bearer-only function's cold start never loads them.
    trusted_claims = _upstream_reader() if trust_upstream else None

    def decorate(
        handler: ProtectedHandler[R_co],
    ) -> Callable[[dict[str, Any], Any], R_co | dict[str, Any]]:
        @functools.wraps(handler)
        def protected(event: dict[str, Any], context: Any) -> R_co | dict[str, Any]:
            view = HttpEvent.from_dict(event)
            authorization = view.header_values("authorization")
            try:
                trusted = trusted_claims(view) if trusted_claims is not None else None
                if trusted is not None:
                    claims = guard.admit(trusted)
                else:
                    verified = guard.verify_request(
                        authorization,
                        dpop=view.header_values("dpop"),
                        method=view.method,
                        url=lambda: _target_url(view),
                    )
                    claims = guard.admit(verified)
                extra: dict[str, Any] = {}
                if txn_token is not None:
                    extra["txn"] = txn_token.check(view.header_values("txn-token"))
            except _answerable() as error:  # evaluated only when something was raised
                from gatehouse.adapters.rejection import lambda_response

                return lambda_response(view, guard.reject(error, (), authorization))
            result = handler(event, context, claims=claims, **extra)
            extra = guard.success_headers(authorization)
            if extra and isinstance(result, dict) and isinstance(result.get("headers"), dict):
                for name, value in extra.items():  # RFC 9449 §8.2: the current nonce
                    result["headers"].setdefault(name, value)
            return result

        return protected

    return decorate


def _answerable() -> tuple[type[GatehouseError], ...]:
    """The errors answered with a refusal (``rejection.ANSWERABLE``), imported by the first
    request that raises one: an ``except`` clause's expression is evaluated only then, so
    a cold start that serves a valid token never loads the refusal code."""
    from gatehouse.adapters.rejection import ANSWERABLE

    return ANSWERABLE


def _upstream_reader() -> Callable[[HttpEvent], Claims | None]:
    from gatehouse.adapters.upstream import upstream_claims

    return upstream_claims


def _target_url(view: HttpEvent) -> str:
    """The URL the client addressed, for a DPoP proof's ``htu`` (RFC 9449 §4.3): computed,
    and its module imported, only for a request that presents a DPoP proof."""
    from gatehouse.adapters.target_url import lambda_url

    return lambda_url(view)
