"""What every endpoint needs, built once per app: the token service and HTTP settings."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from gatehouse._record import record
from gatehouse.errors import ConfigurationError, LoginBusyError
from gatehouse.service.settings import HttpSettings

if TYPE_CHECKING:
    import anyio

    from gatehouse.issuer.service import TokenService
    from gatehouse.service.web import Request

__all__ = ["ServiceContext", "context_of", "remote_addr", "service_context"]

T = TypeVar("T")


@record
class ServiceContext:
    """The token service, the HTTP settings and what answers ``/health``, for a handler."""

    service: TokenService
    http: HttpSettings
    ping: Callable[[], None]
    jwks_max_age: int
    inline: bool = False
    login_threads: anyio.CapacityLimiter | None = None
    csrf_key: bytes = b""
    """Keys the CSRF token to the session (``service.cookies``)."""
    degraded: Callable[[], tuple[str, ...]] = tuple
    """The optional backends down now (``/health``)."""

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking token-service call: in a worker thread under a server, so the
        event loop keeps serving; inline under Lambda, where one container handles one
        request at a time and a thread would only add latency (and outlive the call)."""
        if self.inline:
            return fn(*args, **kwargs)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(fn, *args, **kwargs)

    async def call_login(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Like ``call``, for a call that hashes a password: on threads of its own
        (``hashing_workers`` + ``SPARE_LOGIN_THREADS``), so a login flood never takes the
        threads refresh, JWKS and introspection run on (issue 16 §2). At most
        ``hashing_queue`` more wait, as coroutines; beyond that, 503 at once. The
        hashing pool inside the issuer bounds the hashes themselves."""
        if self.inline:
            return fn(*args, **kwargs)
        import anyio.to_thread

        limiter = self.login_threads
        if limiter is None or (
            limiter.available_tokens < 1
            and limiter.statistics().tasks_waiting >= self.http.hashing_queue
        ):
            raise LoginBusyError(
                "too many logins are being checked right now; retry shortly", retry_after=1
            )
        return await anyio.to_thread.run_sync(
            functools.partial(fn, *args, **kwargs), limiter=limiter
        )

    @property
    def refresh_cookie_max_age(self) -> int:
        return self.service.config.refresh_absolute_lifetime


def _jwks_max_age(service: TokenService, http: HttpSettings) -> int:
    """The JWKS cache time: the verifiers' cache time the rotation plan assumes, or less."""
    planned = service.config.verifier_cache_ttl
    chosen = planned if http.jwks_max_age is None else http.jwks_max_age
    if not 0 <= chosen <= planned:
        raise ConfigurationError(
            f"[http] jwks_max_age must be between 0 and [issuer] verifier_cache_ttl ({planned}):"
            " retired keys stay published only that long beyond the access-token lifetime"
        )
    return chosen


def service_context(
    service: TokenService,
    http: HttpSettings | None = None,
    *,
    ping: Callable[[], None],
    inline: bool = False,
    csrf_key: bytes | None = None,
    degraded: Callable[[], tuple[str, ...]] = tuple,
    login_threads: anyio.CapacityLimiter | None = None,
) -> ServiceContext:
    """The context both front doors share (the ASGI app and the Lambda dispatch).

    ``inline=True`` runs token-service calls on the caller's thread instead of in worker
    threads: right for Lambda (one request per container at a time), wrong for a server.
    """
    settings = http or HttpSettings()
    # The CSRF key must be the same in every instance: compose derives it from the KEK.
    # Without one (tests, a single process) a random key serves this context alone.
    key = csrf_key if csrf_key is not None else secrets.token_bytes(32)
    return ServiceContext(
        service,
        settings,
        ping,
        _jwks_max_age(service, settings),
        inline,
        login_threads,
        key,
        degraded,
    )


def context_of(request: Request) -> ServiceContext:
    return request.context


def remote_addr(request: Request) -> str | None:
    """The client address for throttling: the peer (API Gateway's sourceIp under Lambda),
    or behind ``[http] trusted_proxies`` the hop they forwarded (``client_address``)."""
    peer = request.client_host
    trusted = request.context.http.trusted_proxies
    if not trusted:
        return peer
    from gatehouse.service.client_address import client_address

    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
