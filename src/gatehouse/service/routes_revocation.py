"""``POST /revoke`` (RFC 7009) and ``POST /introspect`` (RFC 7662)."""

from __future__ import annotations

from gatehouse.errors import InvalidClientError
from gatehouse.service.client_auth import presented_client
from gatehouse.service.context import context_of
from gatehouse.service.errors import NO_STORE, guarded, json_response
from gatehouse.service.forms import FORM, optional_str, read_params, required_str
from gatehouse.service.web import Request, Response

__all__ = ["introspect", "revoke"]


@guarded
async def revoke(request: Request) -> Response:
    """RFC 7009 §2.2: 200 whether or not the token was known (nothing to learn from it).

    A presented client is authenticated (§2.1) and may only revoke its own tokens; with
    no client, only tokens of the first-party client can be revoked.
    """
    ctx = context_of(request)
    params = await read_params(request, ctx.http.max_body_bytes, accept=(FORM,))
    token = required_str(params, "token")
    client = presented_client(request, params)
    client_id = ctx.service.config.first_party_client_id
    if client is not None:
        record = await ctx.call(
            ctx.service.authenticate_client, client.client_id, client.client_secret
        )
        client_id = record.client_id
    await ctx.call(
        ctx.service.revoke,
        token,
        token_type_hint=optional_str(params, "token_type_hint"),
        client_id=client_id,
    )
    return Response(status_code=200, headers=NO_STORE)


@guarded
async def introspect(request: Request) -> Response:
    """RFC 7662 §2.1: only an authenticated confidential client may ask (§4)."""
    ctx = context_of(request)
    params = await read_params(request, ctx.http.max_body_bytes, accept=(FORM,))
    client = presented_client(request, params)
    if client is None or client.client_secret is None:
        raise InvalidClientError("introspection needs client authentication")
    await ctx.call(ctx.service.authenticate_client, client.client_id, client.client_secret)
    token = required_str(params, "token")
    answer = await ctx.call(
        ctx.service.introspect, token, token_type_hint=optional_str(params, "token_type_hint")
    )
    return json_response(answer)
