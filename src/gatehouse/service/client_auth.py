"""Who the client says it is: ``client_secret_basic`` or ``client_secret_post``.

RFC 6749 §2.3.1: with HTTP Basic the id and secret are first form-url-encoded, then
joined by a colon and base64-encoded, so a secret may hold a colon or any character.
RFC 6749 §2.3: a client must not use more than one authentication method at once.
Checking the secret is the ``TokenService``'s job; this module only reads the request.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from dataclasses import field
from typing import Any
from urllib.parse import unquote_plus

from gatehouse._record import record
from gatehouse.adapters.bearer import read_credentials
from gatehouse.errors import InvalidClientError, InvalidRequestError, TokenError
from gatehouse.service.forms import optional_str
from gatehouse.service.web import Request

__all__ = ["BASIC", "NONE", "POST", "PresentedClient", "presented_client"]

BASIC = "client_secret_basic"
POST = "client_secret_post"
NONE = "none"
MAX_CREDENTIAL_CHARS = 2048


@record
class PresentedClient:
    """Credentials as presented, not yet checked."""

    client_id: str
    client_secret: str | None = field(repr=False)
    method: str


def _basic(encoded: str) -> PresentedClient:
    if len(encoded) > MAX_CREDENTIAL_CHARS:
        raise InvalidClientError("the Basic credentials are too long")
    try:
        decoded = binascii.a2b_base64(encoded.encode("ascii"), strict_mode=True).decode("utf-8")
        raw_id, sep, raw_secret = decoded.partition(":")
        if not sep:
            raise ValueError("no colon")
        client_id = unquote_plus(raw_id, errors="strict")
        secret = unquote_plus(raw_secret, errors="strict")
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidClientError("the Basic credentials are malformed") from None
    if not client_id:
        raise InvalidClientError("the Basic credentials name no client")
    return PresentedClient(client_id, secret, BASIC)


def presented_client(request: Request, params: Mapping[str, Any]) -> PresentedClient | None:
    """The client credentials in the request, or None if it presents none."""
    try:
        credentials = read_credentials(request.headers.getlist("authorization"), schemes=("basic",))
    except TokenError as exc:  # RFC 6749 §5.2: failed client authentication
        raise InvalidClientError("the Basic credentials are malformed") from exc
    basic = _basic(credentials[1]) if credentials is not None else None
    form_id = optional_str(params, "client_id")
    form_secret = optional_str(params, "client_secret")
    if basic is not None:
        if form_secret is not None or (form_id is not None and form_id != basic.client_id):
            raise InvalidRequestError("use one client authentication method, not two")
        return basic
    if form_secret is not None:
        if form_id is None:
            raise InvalidRequestError("client_secret needs client_id")
        return PresentedClient(form_id, form_secret, POST)
    if form_id is not None:
        return PresentedClient(form_id, None, NONE)  # a public client names itself
    return None
