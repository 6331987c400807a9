"""What every endpoint needs, built once per app: the token service and HTTP settings."""

from __future__ import annotations

import functools
import os
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from gatehouse._record import record
from gatehouse.errors import ConfigurationError, LoginBusyError
from gatehouse.service.settings import HttpSettings

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from gatehouse.issuer.service import TokenService
    from gatehouse.service.web import Request

__all__ = ["ServiceContext", "context_of", "remote_addr", "service_context"]

T = TypeVar("T")

CALL_THREADS = 40
"""Worker threads for token-service calls in one server process: as many as Starlette's
``run_in_threadpool`` allowed (AnyIO's default limiter), so as many calls may wait on the
database at once as before."""

_calls: ThreadPoolExecutor | None = None
_calls_lock = threading.Lock()


def _call_threads() -> ThreadPoolExecutor:
    """The process's pool for ``ServiceContext.call``, made on the first call (a Lambda
    container, inline, never makes it; nor imports ``concurrent.futures``)."""
    global _calls
    if _calls is None:
        from concurrent.futures import ThreadPoolExecutor

        with _calls_lock:
            if _calls is None:
                _calls = ThreadPoolExecutor(CALL_THREADS, thread_name_prefix="gatehouse-call")
    return _calls


def _forget_call_threads() -> None:
    """A forked child (gunicorn ``--preload``, a fork server) has none of its parent's
    threads: a pool it inherited would queue calls no thread ever runs. It makes its own."""
    global _calls
    _calls = None


os.register_at_fork(after_in_child=_forget_call_threads)


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
        request at a time and a thread would only add latency (and outlive the call).

        The thread is asyncio's ``run_in_executor`` on a pool of ``CALL_THREADS``, not
        Starlette's ``run_in_threadpool``: AnyIO's hop (a capacity limiter, its own
        worker queue) cost ~90 µs of CPU per call with 8 in flight against ~40 µs, on a
        refresh that costs ~1.3 ms in all (issue 15 §4). Under another event loop than
        asyncio's (AnyIO on trio) it is Starlette's hop after all."""
        if self.inline:
            return fn(*args, **kwargs)
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(fn, *args, **kwargs)
        return await loop.run_in_executor(_call_threads(), functools.partial(fn, *args, **kwargs))

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
