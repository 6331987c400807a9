"""Token Status Lists over HTTP (draft-ietf-oauth-status-list-20 §8.1-§8.2, §9).

``GET /statuslists/{id}`` answers the status list token as ``application/statuslist+jwt``
(§8.2), ``Cache-Control: public, max-age=<ttl>`` so a CDN and verifiers may keep it for
its ``ttl`` (§13.7), and a strong ``ETag`` naming the list's content version and the
token's ``iat``: ``If-None-Match`` with it answers ``304 Not Modified`` with no body
(RFC 9110 §13.1.2, weak comparison as that section requires for GET). The token is built
once per content version by the issuer (``TokenService.status_list_token``), so a request
costs one indexed read. An unknown or retired id is a JSON 404. ``GET /statuslists`` is the
Status List Aggregation (§9.3), which discovery names as
``status_list_aggregation_endpoint`` (§9.1).
"""

from __future__ import annotations

import re

from gatehouse.jose.status_list_token import MEDIA_TYPE
from gatehouse.service.context import context_of
from gatehouse.service.errors import guarded, json_response
from gatehouse.service.web import Request, Response

__all__ = ["AGGREGATION_PATH", "status_list", "status_lists"]

AGGREGATION_PATH = "/statuslists"
_ID = re.compile(r"[1-9][0-9]{0,15}")  # list numbers fit a BIGINT with room to spare
_NOT_FOUND = {"error": "not_found", "error_description": "no such status list"}


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag weakly equal to ``etag``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in if_none_match[:4096].split(","))
    return etag in tags


@guarded
async def status_list(request: Request) -> Response:
    ctx = context_of(request)
    raw = request.path_params.get("list_id", "")
    if not _ID.fullmatch(raw):
        return json_response(_NOT_FOUND, status=404)
    served = await ctx.call(ctx.service.status_list_token, int(raw))
    if served is None:
        return json_response(_NOT_FOUND, status=404)
    headers = {"Cache-Control": f"public, max-age={served.ttl}", "ETag": served.etag}
    if _not_modified(request.headers.get("if-none-match"), served.etag):
        return Response(status_code=304, headers=headers)
    return Response(served.token, media_type=MEDIA_TYPE, headers=headers)


@guarded
async def status_lists(request: Request) -> Response:
    ctx = context_of(request)
    document = await ctx.call(ctx.service.status_list_aggregation)
    if document is None:
        return json_response(_NOT_FOUND, status=404)
    ttl = ctx.service.status_list_metadata(AGGREGATION_PATH).get("status_list_ttl", 0)
    return json_response(document, headers={"Cache-Control": f"public, max-age={ttl}"})
