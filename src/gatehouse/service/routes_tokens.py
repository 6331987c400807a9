"""Getting and ending sessions: ``POST /login``, ``POST /token``, ``POST /logout``.

``/login`` is a first-party JSON endpoint: RFC 9700 §2.4 says an authorization server
must not offer the resource owner password credentials grant, so ``/token`` refuses
``grant_type=password`` and only the service's own login page posts passwords, here.
The token service is synchronous (argon2, the store), so every call to it runs in a
worker thread and never blocks the event loop. A grant makes one such call, whatever it
needs: client authentication, the DPoP proof check and the grant itself run in turn in
the same thread, because each hand-off to a worker thread and back costs a thread
wake-up (0.1-0.3 ms on a small shared machine), more than the proof check itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.adapters.bearer import read_credentials
from gatehouse.errors import (
    InvalidClientError,
    InvalidRequestError,
    TokenError,
    UnsupportedGrantTypeError,
)
from gatehouse.issuer.clients import TOKEN_EXCHANGE
from gatehouse.issuer.scopes import requested_target
from gatehouse.service.client_auth import presented_client
from gatehouse.service.context import ServiceContext, context_of, remote_addr
from gatehouse.service.cookies import (
    clear_cookies,
    refresh_from_cookie,
    set_refresh_cookies,
)
from gatehouse.service.dpop_errors import dpop_answers
from gatehouse.service.errors import guarded, json_response
from gatehouse.service.forms import (
    FORM,
    JSON,
    optional_bool,
    optional_str,
    read_params,
    required_str,
)
from gatehouse.service.web import Request, Response

if TYPE_CHECKING:
    from gatehouse.issuer.exchange import ExchangedToken, ExchangeRequest
    from gatehouse.issuer.results import AccessTokenResponse, TokenPair
    from gatehouse.service.client_auth import PresentedClient

__all__ = ["login", "logout", "token"]


def _pair_response(
    ctx: ServiceContext, request: Request, body: dict[str, object], *, cookie: bool
) -> Response:
    if not cookie:
        return json_response(body)
    refresh = str(body.pop("refresh_token"))
    response = json_response(body)
    set_refresh_cookies(
        response,
        ctx.http,
        refresh,
        max_age=ctx.refresh_cookie_max_age,
        csrf_key=ctx.csrf_key,
    )
    return response


def _checked_jkt(ctx: ServiceContext, proofs: list[str], path: str) -> str | None:
    """The key of the request's checked DPoP proof, None without one (RFC 9449 §5).
    ``path`` is the route's own (its ``htu`` is the issuer URL + path, as advertised),
    never the request's, which a proxy or a stage prefix may have changed. Blocking (the
    replay store): call it on the grant's worker thread."""
    return ctx.service.check_dpop_proof(proofs, path=path) if proofs else None


async def _dpop_jkt(ctx: ServiceContext, request: Request, path: str) -> str | None:
    """``_checked_jkt`` on a worker thread of its own, for ``/login``, whose hash runs on
    the login threads (``ServiceContext.call_login``)."""
    dpop = request.headers.getlist("dpop")
    if not dpop:
        return None
    return await ctx.call(ctx.service.check_dpop_proof, dpop, path=path)


@guarded
@dpop_answers
async def login(request: Request) -> Response:
    ctx = context_of(request)
    params = await read_params(request, ctx.http.max_body_bytes, accept=(JSON,))
    username = required_str(params, "username")
    password = required_str(params, "password")
    cookie = optional_bool(params, "cookie")
    if cookie and not ctx.http.refresh_cookie:
        raise InvalidRequestError("cookie mode is off ([http] refresh_cookie = false)")
    jkt = await _dpop_jkt(ctx, request, "/login")
    pair = await ctx.call_login(
        ctx.service.login,
        username,
        password,
        audience=optional_str(params, "audience"),
        scope=optional_str(params, "scope"),
        remote_addr=remote_addr(request),
        dpop_jkt=jkt,
    )
    return _pair_response(ctx, request, pair.to_dict(), cookie=cookie)


def _client_id(ctx: ServiceContext, client: PresentedClient | None) -> str:
    """The authenticated client, or the first-party client when none is presented.
    Blocking (the client's secret is checked against the store)."""
    if client is None:
        return ctx.service.config.first_party_client_id
    return ctx.service.authenticate_client(client.client_id, client.client_secret).client_id


async def _refresh_grant(
    ctx: ServiceContext, request: Request, params: dict[str, object]
) -> Response:
    token = optional_str(params, "refresh_token")
    from_cookie = False
    if token is None and ctx.http.refresh_cookie:
        token = refresh_from_cookie(request, ctx.http, ctx.csrf_key)
        from_cookie = token is not None
    if token is None:
        raise InvalidRequestError("refresh_token is required")
    presented_token = token
    client = presented_client(request, params)
    proofs = request.headers.getlist("dpop")
    scope = optional_str(params, "scope")

    def grant() -> TokenPair:
        client_id = _client_id(ctx, client)
        jkt = _checked_jkt(ctx, proofs, "/token")
        return ctx.service.refresh(presented_token, scope=scope, client_id=client_id, dpop_jkt=jkt)

    pair = await ctx.call(grant)
    return _pair_response(ctx, request, pair.to_dict(), cookie=from_cookie)


async def _client_credentials_grant(
    ctx: ServiceContext, request: Request, params: dict[str, object]
) -> Response:
    client = presented_client(request, params)
    if client is None or client.client_secret is None:
        raise InvalidClientError("client authentication is required for client_credentials")
    client_id, secret = client.client_id, client.client_secret
    audience = requested_target(optional_str(params, "audience"), optional_str(params, "resource"))
    scope = optional_str(params, "scope")
    proofs = request.headers.getlist("dpop")

    def grant() -> AccessTokenResponse:
        jkt = _checked_jkt(ctx, proofs, "/token")
        return ctx.service.client_credentials(
            client_id, secret, audience=audience, scope=scope, dpop_jkt=jkt
        )

    result = await ctx.call(grant)
    return json_response(result.to_dict())


async def _token_exchange_grant(
    ctx: ServiceContext, request: Request, params: dict[str, object]
) -> Response:
    """RFC 8693 §2.1: the authenticated client (the actor) trades a subject token."""
    client = presented_client(request, params)
    if client is None or client.client_secret is None:
        raise InvalidClientError("client authentication is required for token exchange")
    client_id, secret = client.client_id, client.client_secret
    proofs = request.headers.getlist("dpop")

    def grant() -> ExchangedToken:
        record = ctx.service.authenticate_client(client_id, secret)
        exchange = _exchange_request(params)  # checked after the client, as before
        jkt = _checked_jkt(ctx, proofs, "/token")
        return ctx.service.exchange_token(record, exchange, dpop_jkt=jkt)

    result = await ctx.call(grant)
    return json_response(result.to_dict())


def _exchange_request(params: dict[str, object]) -> ExchangeRequest:
    from gatehouse.issuer.exchange import ExchangeRequest  # the rules load with the grant

    # Required for this grant only (RFC 8693 §2.1), so not required_str: the OpenAPI
    # document's TokenRequest requires only what every grant needs.
    subject_token = optional_str(params, "subject_token")
    subject_token_type = optional_str(params, "subject_token_type")
    if subject_token is None or subject_token_type is None:
        raise InvalidRequestError("subject_token and subject_token_type are required")
    return ExchangeRequest(
        subject_token=subject_token,
        subject_token_type=subject_token_type,
        audience=requested_target(
            optional_str(params, "audience"), optional_str(params, "resource")
        ),
        scope=optional_str(params, "scope"),
        requested_token_type=optional_str(params, "requested_token_type"),
        actor_token=optional_str(params, "actor_token"),
        actor_token_type=optional_str(params, "actor_token_type"),
        request_context=optional_str(params, "request_context"),
        request_details=optional_str(params, "request_details"),
    )


@guarded
@dpop_answers
async def token(request: Request) -> Response:
    ctx = context_of(request)
    params = await read_params(request, ctx.http.max_body_bytes, accept=(FORM,))
    grant_type = optional_str(params, "grant_type")
    if grant_type is None:
        raise InvalidRequestError("grant_type is required")
    if grant_type == "refresh_token":
        return await _refresh_grant(ctx, request, params)
    if grant_type == "client_credentials":
        return await _client_credentials_grant(ctx, request, params)
    if grant_type == TOKEN_EXCHANGE:
        return await _token_exchange_grant(ctx, request, params)
    if grant_type == "password":
        raise UnsupportedGrantTypeError(
            "the password grant is not offered (RFC 9700 §2.4); first-party apps use /login"
        )
    raise UnsupportedGrantTypeError("the grant_type is not supported")


async def _sid_from_bearer(ctx: ServiceContext, request: Request) -> str | None:
    credentials = read_credentials(request.headers.getlist("authorization"))
    if credentials is None:
        return None
    answer = await ctx.call(ctx.service.introspect, credentials[1])
    sid = answer.get("sid") if answer.get("active") else None
    if not isinstance(sid, str) or answer.get("token_type") != "Bearer":
        raise TokenError("the access token is not active")
    return sid


@guarded
async def logout(request: Request) -> Response:
    """End this session (named by a refresh token, the refresh cookie or an access token),
    or every session of its account with ``all=true``."""
    ctx = context_of(request)
    params = await read_params(request, ctx.http.max_body_bytes, accept=(JSON, FORM))
    all_sessions = optional_bool(params, "all")
    token = optional_str(params, "refresh_token")
    if token is None and ctx.http.refresh_cookie:
        token = refresh_from_cookie(request, ctx.http, ctx.csrf_key)
    sid = await _sid_from_bearer(ctx, request) if token is None else None
    if token is None and sid is None:
        raise InvalidRequestError(
            "name the session: refresh_token, the refresh cookie or a Bearer access token"
        )
    revoked = await ctx.call(
        ctx.service.logout, refresh_token=token, sid=sid, all_sessions=all_sessions
    )
    response = json_response({"revoked": revoked})
    if ctx.http.refresh_cookie:
        clear_cookies(response, ctx.http)
    return response
