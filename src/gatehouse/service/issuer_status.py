"""Status lists for a verifier in the token service's own process (the local gateway).

``gatehouse dev`` runs the token service and the protected functions in one process;
its JWT authorizer checks tokens with ``IssuerKeySource`` and, through the fetcher here,
status lists answered by ``TokenService.status_list_token`` with no HTTP round trip but
with the same ETag / 304 exchange and the same verification (``RemoteStatusLists``), so a
logout is seen by the gateway as it will be by a deployed service: within the list's ttl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.keys.status_fetch import StatusListResponse
from gatehouse.keys.status_lists import RemoteStatusLists

if TYPE_CHECKING:
    from gatehouse.issuer.service import TokenService

__all__ = ["IssuerStatusListFetcher", "issuer_status_lists"]


class IssuerStatusListFetcher:
    """A ``StatusListFetcher`` answering ``<issuer>/statuslists/<n>`` from the service."""

    def __init__(self, service: TokenService) -> None:
        self._service = service
        self._prefix = service.config.issuer.rstrip("/") + "/statuslists/"

    def fetch(
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse:
        number = url.removeprefix(self._prefix)
        if not url.startswith(self._prefix) or not number.isdigit() or len(number) > 16:
            return StatusListResponse(404)
        served = self._service.status_list_token(int(number))
        if served is None:
            return StatusListResponse(404)
        if etag is not None and etag == served.etag:
            return StatusListResponse(304, b"", served.etag)
        return StatusListResponse(200, served.token.encode()[: max_size + 1], served.etag)


def issuer_status_lists(
    service: TokenService, *, clock: Clock = SYSTEM_CLOCK
) -> RemoteStatusLists | None:
    """The status source for an in-process Verifier; None when the service issues no
    ``status`` claims (then there is nothing to check)."""
    if not service.status_lists_enabled:
        return None
    return RemoteStatusLists(fetcher=IssuerStatusListFetcher(service), clock=clock)
