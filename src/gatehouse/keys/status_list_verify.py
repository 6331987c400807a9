"""A fetched (or seeded) status list body to a verified ``StatusListToken``.

draft-ietf-oauth-status-list-20 §8.3 step 3: the token is a JWT validated per RFC 7519 §7.2
with the relying party's own keys and algorithm allow-list (RFC 8725 §3.1). Every failure
about the list is the publisher's, never the presenting client's: token-side errors (a
malformed list, an unknown ``kid``) become ``InvalidStatusListError`` (503), while a key
source outage stays the ``KeySourceError`` it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.errors import GatehouseError, InvalidStatusListError, KeySourceError
from gatehouse.jose.jws import parse_compact
from gatehouse.jose.status_list_token import StatusListToken, verify_status_list_token

if TYPE_CHECKING:
    from gatehouse.clock import Clock
    from gatehouse.keys.base import KeySource
    from gatehouse.keys.status_list_policy import StatusListPolicy

__all__ = ["verified_list"]


def verified_list(
    body: bytes,
    *,
    uri: str | None,
    keys: KeySource,
    algorithms: frozenset[str],
    policy: StatusListPolicy,
    clock: Clock,
) -> StatusListToken:
    """Verify ``body`` as the status list token served at ``uri`` (``None``: a seed)."""
    if len(body) > policy.max_document_size:
        raise InvalidStatusListError(f"status list token exceeds {policy.max_document_size} bytes")
    try:
        jws = parse_compact(body.strip().decode("ascii"), max_size=policy.max_document_size)
        if jws.alg not in algorithms:
            raise InvalidStatusListError(f"status list algorithm {jws.alg!r} is not allowed")
        key = keys.get_key(jws.kid, jws.alg)
    except UnicodeDecodeError:
        raise InvalidStatusListError("a status list token is ASCII") from None
    except KeySourceError:
        raise
    except GatehouseError as exc:
        raise InvalidStatusListError(f"status list token: {exc.code}") from None
    return verify_status_list_token(
        jws,
        key,
        algorithms=algorithms,
        uri=uri,
        now=clock.time(),
        leeway=policy.leeway,
        max_list_bytes=policy.max_list_bytes,
    )
