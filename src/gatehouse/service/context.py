"""What every endpoint needs, hung on the app once: the token service and HTTP settings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from gatehouse.errors import LoginBusyError
from gatehouse.issuer.service import TokenService
from gatehouse.service.settings import HttpSettings

__all__ = ["ServiceContext", "context_of", "remote_addr"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServiceContext:
    service: TokenService
    http: HttpSettings
    ping: Callable[[], None]
    jwks_max_age: int
    inline: bool = False
    login_threads: anyio.CapacityLimiter | None = None
    csrf_key: bytes = b""
    degraded: Callable[[], tuple[str, ...]] = tuple
    """The optional backends down now (``/health``)."""
    """Keys the CSRF token to the session (``service.cookies``); set by ``create_app``."""

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a blocking token-service call: in a worker thread under a server, so the
        event loop keeps serving; inline under Lambda, where one container handles one
        request at a time and a thread would only add latency (and outlive the call)."""
        if self.inline:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)

    async def call_login(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Like ``call``, for a call that hashes a password: on threads of its own
        (``hashing_workers`` + ``SPARE_LOGIN_THREADS``), so a login flood never takes the
        threads refresh, JWKS and introspection run on (issue 16 §2). At most
        ``hashing_queue`` more wait, as coroutines; beyond that, 503 at once. The
        hashing pool inside the issuer bounds the hashes themselves."""
        if self.inline:
            return fn(*args, **kwargs)
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


def context_of(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.gatehouse
    return ctx


def remote_addr(request: Request) -> str | None:
    """The client address for throttling: the peer (API Gateway's sourceIp under Lambda),
    or behind ``[http] trusted_proxies`` the hop they forwarded (``client_address``)."""
    peer = request.client.host if request.client is not None else None
    trusted = context_of(request).http.trusted_proxies
    if not trusted:
        return peer
    from gatehouse.service.client_address import client_address

    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
