"""The one seam where a remote key set meets the network.

``RemoteJWKS`` never opens a socket itself: it asks a ``Fetcher`` for the bytes and the
``Cache-Control`` header, so tests and unusual hosts (a proxy-aware client, an in-house HTTP
stack) swap the transport without touching the cache logic. The default, ``UrllibFetcher``,
uses only the standard library and imports it lazily: ``urllib.request`` drags in ``http``,
``ssl`` and ``email``, which a cold serverless start should not pay for when the key set was
seeded and no fetch ever happens.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from gatehouse.errors import JWKSFetchError, KeySourceError

if TYPE_CHECKING:
    import email.message
    import http.client
    import ssl
    import urllib.request

__all__ = ["FetchResult", "Fetcher", "UrllibFetcher"]

_CHUNK = 64 * 1024


class FetchResult:
    """What came back: the status, at most ``max_size + 1`` body bytes, and the caching hint."""

    # A plain slotted class, not a dataclass: ``dataclasses`` costs milliseconds of import
    # (it pulls in ``inspect``) that the verifier side otherwise never pays.
    __slots__ = ("body", "cache_control", "status")

    def __init__(self, status: int, body: bytes, cache_control: str | None = None) -> None:
        self.status = status
        self.body = body
        self.cache_control = cache_control

    def __repr__(self) -> str:
        return f"FetchResult(status={self.status}, body=<{len(self.body)} bytes>)"


class Fetcher(Protocol):
    """Fetches a URL without following redirects.

    Raise ``JWKSFetchError`` when no response arrived (connection refused, timeout, TLS
    failure). Any HTTP status, including 3xx and 5xx, is a ``FetchResult``: the caller
    decides what a status means. Read at most ``max_size + 1`` bytes so an oversized body is
    detected without being held in memory.
    """

    def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult: ...


class UrllibFetcher:
    """The default fetcher: stdlib ``urllib``, redirects refused, certificates verified."""

    __slots__ = ("_opener", "_ssl_context", "_user_agent")

    def __init__(
        self, *, ssl_context: ssl.SSLContext | None = None, user_agent: str = "gatehouse"
    ) -> None:
        self._ssl_context = ssl_context
        self._user_agent = user_agent
        self._opener: urllib.request.OpenerDirector | None = None

    def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult:
        # The URL was checked by RemoteJWKS.
        status, body, headers = self._get(
            url, {"Accept": "application/json"}, timeout, max_size, JWKSFetchError, "JWKS"
        )
        return FetchResult(status, body, headers.get("Cache-Control"))

    def _get(
        self,
        url: str,
        headers: dict[str, str],
        timeout: float,
        max_size: int,
        failure: type[KeySourceError],
        what: str,
    ) -> tuple[int, bytes, email.message.Message]:
        """One GET through the hardened opener: the status, at most ``max_size + 1`` body
        bytes and the response headers, whatever the status. No response at all (refused,
        timeout for the whole exchange, TLS) is ``failure`` naming ``what`` was fetched.
        Key sets and status lists (``keys.status_fetch``) both come through here."""
        import http.client
        import urllib.error
        import urllib.request

        request = urllib.request.Request(  # noqa: S310 - the caller checked the URL
            url, headers={**headers, "User-Agent": self._user_agent}
        )
        deadline = time.monotonic() + timeout
        try:
            with self._build_opener().open(request, timeout=timeout) as response:
                return (
                    response.status,
                    _read_bounded(response, max_size, deadline),
                    response.headers,
                )
        except urllib.error.HTTPError as exc:
            # 3xx (no redirect handler is installed), 304, 4xx and 5xx all land here.
            with exc:
                return exc.code, b"", exc.headers
        except TimeoutError as exc:
            raise failure(f"{what} fetch timed out after {timeout:g} s") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            if isinstance(reason, TimeoutError):
                raise failure(f"{what} fetch timed out after {timeout:g} s") from exc
            raise failure(f"{what} fetch failed: {type(reason).__name__}") from exc

    def _build_opener(self) -> urllib.request.OpenerDirector:
        if self._opener is None:
            import ssl
            import urllib.request

            context = self._ssl_context or ssl.create_default_context()
            # Only the handlers we want: no redirects (a JWKS URL is pinned configuration,
            # a 3xx could hand key selection to whoever controls the Location), no file:,
            # ftp: or data: schemes. Proxies come from the environment as usual.
            opener = urllib.request.OpenerDirector()
            for handler in (
                urllib.request.ProxyHandler(),
                urllib.request.HTTPHandler(),
                urllib.request.HTTPSHandler(context=context),
                urllib.request.HTTPDefaultErrorHandler(),
                urllib.request.HTTPErrorProcessor(),
            ):
                opener.add_handler(handler)
            self._opener = opener
        return self._opener


def _read_bounded(response: http.client.HTTPResponse, max_size: int, deadline: float) -> bytes:
    """Read at most ``max_size + 1`` bytes, giving up at ``deadline``.

    The socket timeout bounds each read, not the whole body; a server dripping one byte at
    a time would otherwise hold every caller waiting on this fetch.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= max_size:
        chunk = response.read1(min(_CHUNK, max_size + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError("body not received in time")
    return b"".join(chunks)
