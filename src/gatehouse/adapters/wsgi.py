"""WSGI: a middleware for any WSGI app, and ``@require_token`` for Flask views.

Both leave the verified ``Claims`` in ``environ["gatehouse.claims"]`` (in Flask:
``request.environ``, or ``current_claims()``). Flask is imported only when a decorated
view runs, never by importing this module.

DPoP (RFC 9449): pass a ``gatehouse.dpop.DPoPVerifier`` as ``verifier``; the request URL
for the proof's ``htu`` is PEP 3333's reconstruction, with ``X-Forwarded-Proto``/``-Host``
read only from ``trusted_proxies``, or a pinned ``origin`` (see ``proxies``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from gatehouse.adapters.guard import DEFAULT_REALM, BearerGuard
from gatehouse.adapters.pathrules import PathRules
from gatehouse.adapters.proxies import TrustedProxies, wsgi_url
from gatehouse.adapters.rejection import ANSWERABLE, Rejection
from gatehouse.claims import Claims
from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from gatehouse.adapters.deny_check import DenyCheck
    from gatehouse.adapters.txn_check import TxnTokenCheck
    from gatehouse.dpop import DPoPVerifier
    from gatehouse.verify import Verifier

__all__ = ["CLAIMS_KEY", "TXN_KEY", "BearerAuthMiddleware", "current_claims", "require_token"]

CLAIMS_KEY = "gatehouse.claims"  # PEP 3333: extension keys are namespaced with a dot
TXN_KEY = "gatehouse.txn"  # the verified Txn-Token's claims (adapters.txn_check)

P = ParamSpec("P")
R = TypeVar("R")


def _authorization(environ: Mapping[str, Any]) -> tuple[str, ...]:
    # PEP 3333 folds repeated headers into one comma-joined value, which then fails the
    # b64token syntax: two tokens are refused, never silently reduced to one.
    value = environ.get("HTTP_AUTHORIZATION")
    return (value,) if isinstance(value, str) else ()


def _verify(
    guard: BearerGuard,
    environ: WSGIEnvironment,
    proxies: TrustedProxies,
    origin: str | None,
    extra: Sequence[str] = (),
) -> Claims:
    proof = environ.get("HTTP_DPOP")  # two DPoP headers fold into one value: refused
    claims = guard.verify_request(
        _authorization(environ),
        dpop=(proof,) if isinstance(proof, str) else (),
        method=str(environ.get("REQUEST_METHOD") or "GET"),
        url=lambda: wsgi_url(environ, proxies, origin=origin),
    )
    return guard.admit(claims, extra)


def _status_line(rejection: Rejection) -> str:
    return f"{rejection.status} {rejection.reason}"


def _adding(start_response: StartResponse, headers: Mapping[str, str]) -> StartResponse:
    """``start_response`` that adds ``headers`` unless the app set them."""

    def adding(status: str, response_headers: list[tuple[str, str]], *args: Any) -> Any:
        present = {name.lower() for name, _ in response_headers}
        added = [(k, v) for k, v in headers.items() if k.lower() not in present]
        return start_response(status, [*response_headers, *added], *args)

    return adding


class BearerAuthMiddleware:
    """Require a valid bearer token on every request but public ones.

    ``scopes`` apply everywhere; ``path_scopes`` adds scopes under a ``PATH_INFO`` prefix
    (the longest matching prefix wins); ``public_paths`` (prefixes) skip authentication.
    With a ``DPoPVerifier``: ``trusted_proxies`` (addresses or CIDRs) whose forwarding
    headers are believed, or ``origin`` (``https://api.example.com``) pinned.
    """

    __slots__ = ("_guard", "_origin", "_proxies", "_rules", "_txn", "app")

    def __init__(
        self,
        app: WSGIApplication,
        verifier: Verifier | DPoPVerifier,
        *,
        scopes: Iterable[str] = (),
        path_scopes: Mapping[str, Iterable[str]] | None = None,
        public_paths: Iterable[str] = (),
        deny_list: DenyCheck | None = None,
        realm: str = DEFAULT_REALM,
        trusted_proxies: Iterable[str] = (),
        origin: str | None = None,
        txn_token: TxnTokenCheck | None = None,
    ) -> None:
        self.app = app
        self._txn = txn_token
        self._guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list, realm=realm)
        self._rules = PathRules(path_scopes or {}, public_paths)
        self._proxies = TrustedProxies(trusted_proxies)
        self._origin = origin

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if self._rules.is_public(path):
            return self.app(environ, start_response)
        extra = self._rules.scopes_for(path)
        try:
            claims = _verify(self._guard, environ, self._proxies, self._origin, extra)
            txn = None
            if self._txn is not None:
                # PEP 3333 folds repeated headers into one comma-joined value: refused.
                value = environ.get("HTTP_TXN_TOKEN")
                txn = self._txn.check((value,) if isinstance(value, str) else ())
        except ANSWERABLE as error:
            rejection = self._guard.reject(error, extra, _authorization(environ))
            body = rejection.body.encode("utf-8")
            headers = [*rejection.headers.items(), ("Content-Length", str(len(body)))]
            start_response(_status_line(rejection), headers)
            return [body]
        environ[CLAIMS_KEY] = claims
        if self._txn is not None:
            environ[TXN_KEY] = txn
        extra_headers = self._guard.success_headers(_authorization(environ))
        if extra_headers:
            start_response = _adding(start_response, extra_headers)
        return self.app(environ, start_response)


def require_token(
    verifier: Verifier | DPoPVerifier,
    *,
    scopes: Iterable[str] = (),
    deny_list: DenyCheck | None = None,
    realm: str = DEFAULT_REALM,
    trusted_proxies: Iterable[str] = (),
    origin: str | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R | tuple[str, int, dict[str, str]]]]:
    """Decorate a Flask view to run only for an acceptable token with ``scopes``.

    Behind ``BearerAuthMiddleware`` it reuses the claims already verified and checks only
    the deny list and its own scopes. A refusal is returned as Flask's ``(body, status,
    headers)`` tuple with the RFC 6750 challenge.
    """
    guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list, realm=realm)
    proxies = TrustedProxies(trusted_proxies)

    def decorate(view: Callable[P, R]) -> Callable[P, R | tuple[str, int, dict[str, str]]]:
        @functools.wraps(view)
        def protected(*args: P.args, **kwargs: P.kwargs) -> R | tuple[str, int, dict[str, str]]:
            from flask import request

            environ = request.environ
            existing = environ.get(CLAIMS_KEY)
            try:
                if isinstance(existing, Claims):
                    claims = guard.admit(existing)
                else:
                    claims = _verify(guard, environ, proxies, origin)
            except ANSWERABLE as error:
                rejection = guard.reject(error, (), _authorization(environ))
                return rejection.body, rejection.status, rejection.headers
            environ[CLAIMS_KEY] = claims
            return view(*args, **kwargs)

        return protected

    return decorate


def current_claims() -> Claims:
    """The verified claims of the Flask request being handled."""
    from flask import request

    claims = request.environ.get(CLAIMS_KEY)
    if not isinstance(claims, Claims):
        raise ConfigurationError("this view is not protected by gatehouse")
    return claims
