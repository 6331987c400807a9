"""The composition root: settings → stores → ``TokenService`` → context → ASGI app.

The CLI, the local gateway and the Lambda entry point all build the token service
here, so there is one place that decides which store, which KEK and which clock.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.hashing_pool import SPARE_LOGIN_THREADS, HashingPool
from gatehouse.issuer.kek import KEK_ENV, KEK_FILE_ENV, KeyEncryptionKey
from gatehouse.issuer.passwords import PasswordHasher, PasswordProfile
from gatehouse.issuer.service import TokenService
from gatehouse.service.settings import Settings
from gatehouse.service.store_urls import OpenStores, open_stores
from gatehouse.storage.sql_dpop import SQLReplay

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from gatehouse.dpop.replay import ReplayCache
    from gatehouse.service.context import ServiceContext
    from gatehouse.service.issuer_keys import IssuerKeySource

__all__ = [
    "IssuerKeySource",
    "build_app",
    "build_context",
    "build_dpop_replay",
    "build_issuer_config",
    "build_kek",
    "build_stores",
    "build_token_service",
]


def __getattr__(name: str) -> type[IssuerKeySource]:
    """``IssuerKeySource`` (for the gateway), imported on first use: it brings asyncio,
    which the token service itself, and a Lambda cold start, do not need."""
    if name == "IssuerKeySource":
        from gatehouse.service.issuer_keys import IssuerKeySource

        return IssuerKeySource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_issuer_config(
    settings: Settings, *, password_profile: PasswordProfile | None = None
) -> IssuerConfig:
    """``[issuer]`` is already the domain's ``IssuerConfig`` (validated when it was read);
    only what is not a setting (a test's cheap argon2 profile) is filled in here."""
    if password_profile is None:
        return settings.issuer
    return dataclasses.replace(settings.issuer, password_profile=password_profile)


def build_kek(settings: Settings) -> KeyEncryptionKey:
    """The KEK from ``[keys]`` (or ``GATEHOUSE_KEK[_FILE]``); development may fall back."""
    source = {}
    if settings.keys.kek:
        source[KEK_ENV] = settings.keys.kek
    if settings.keys.kek_file:
        source[KEK_FILE_ENV] = str(settings.storage.base_dir / settings.keys.kek_file)
    try:
        return KeyEncryptionKey.from_environ(source, development=settings.issuer.development)
    except ConfigurationError as exc:
        raise ConfigurationError(f"[keys] {exc.message}") from exc


def build_stores(settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> OpenStores:
    """Open the stores the URLs name; migrations are applied on open."""
    return open_stores(settings.storage, clock=clock, development=settings.issuer.development)


def build_dpop_replay(settings: Settings, stores: OpenStores) -> ReplayCache | None:
    """Where the token endpoint remembers used DPoP proofs (``[dpop] replay``, RFC 9449
    §11.1): the main SQL store's ``dpop_replay`` table (shared by every instance on that
    database), Redis, or None (this process's memory; also for a ``memory:`` store)."""
    choice = settings.dpop.replay
    if choice == "storage":
        main = stores.stores.sessions
        return main if isinstance(main, SQLReplay) else None
    if choice == "redis":
        if settings.storage.redis_url is None:
            raise ConfigurationError('[dpop] replay = "redis" needs [storage] redis_url')
        from gatehouse.storage.redis_dpop import RedisReplayCache

        return RedisReplayCache(settings.storage.redis_url, prefix=settings.storage.redis_prefix)
    return None  # "memory"; "off" is applied by the token service itself


def build_token_service(
    settings: Settings,
    stores: OpenStores,
    *,
    clock: Clock = SYSTEM_CLOCK,
    password_profile: PasswordProfile | None = None,
    bootstrap: bool = True,
    kek: KeyEncryptionKey | None = None,
    hashing_pool: bool = True,
) -> TokenService:
    """A ready ``TokenService`` over ``stores`` (which the caller opened and will close).

    ``bootstrap`` creates the first signing keys if the store has none, so a fresh
    deployment can answer its first request. ``kek``: one already built from
    ``settings`` (``build_kek``). ``hashing_pool=False`` is for Lambda, where one request
    at a time leaves the pool nothing to bound.
    """
    config = build_issuer_config(settings, password_profile=password_profile)
    # One bounded pool per process for argon2 (issue 16 §2): see issuer.hashing_pool.
    # Logins queue as coroutines in the app (hashing_queue); in the pool only the spare
    # login threads can wait.
    pool = HashingPool(settings.http.hashing_workers, SPARE_LOGIN_THREADS) if hashing_pool else None
    hasher = PasswordHasher(config.password_profile, pool=pool)
    service = TokenService(
        config,
        stores.stores,
        kek or build_kek(settings),
        clock=clock,
        hasher=hasher,
        dpop=settings.dpop,
        dpop_replay=build_dpop_replay(settings, stores),
        status_lists=settings.status_list,
    )
    if bootstrap:
        service.bootstrap()
    return service


def build_context(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    password_profile: PasswordProfile | None = None,
    inline: bool = False,
) -> tuple[ServiceContext, OpenStores]:
    """What the handlers need (``ServiceContext``) and the stores under it, which the
    caller closes. ``inline=True`` is for Lambda: see ``service_context``."""
    from gatehouse.service.context import service_context
    from gatehouse.service.cookies import CSRF_KEY_PURPOSE

    opened = build_stores(settings, clock=clock)
    try:
        kek = build_kek(settings)
        service = build_token_service(
            settings,
            opened,
            clock=clock,
            password_profile=password_profile,
            kek=kek,
            hashing_pool=not inline,
        )
        # Every instance derives the same CSRF key, so any of them checks any session's.
        csrf_key = kek.derive(CSRF_KEY_PURPOSE)
    except BaseException:
        opened.close()
        raise
    login_threads = None
    if not inline:
        import anyio

        login_threads = anyio.CapacityLimiter(settings.http.hashing_workers + SPARE_LOGIN_THREADS)
    ctx = service_context(
        service,
        settings.http,
        ping=opened.ping,
        inline=inline,
        csrf_key=csrf_key,
        degraded=opened.degraded,
        login_threads=login_threads,
    )
    return ctx, opened


def build_app(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    password_profile: PasswordProfile | None = None,
    inline: bool = False,
) -> Starlette:
    """The token service as an ASGI app; its lifespan closes the stores on shutdown.

    ``inline=True`` is for Lambda: see ``create_app``.
    """
    from gatehouse.service.app import app_for_context

    ctx, opened = build_context(
        settings, clock=clock, password_profile=password_profile, inline=inline
    )
    return app_for_context(ctx, close=opened.close)
