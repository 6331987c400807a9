"""The composition root: settings → stores → ``TokenService`` → ASGI app.

The CLI, the local gateway and the Lambda entry point all build the token service
here, so there is one place that decides which store, which KEK and which clock.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.dpop.replay import ReplayCache
from gatehouse.errors import ConfigurationError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.hashing_pool import SPARE_LOGIN_THREADS, HashingPool
from gatehouse.issuer.kek import KEK_ENV, KEK_FILE_ENV, KeyEncryptionKey
from gatehouse.issuer.passwords import PasswordHasher, PasswordProfile
from gatehouse.issuer.service import TokenService
from gatehouse.service.issuer_keys import IssuerKeySource
from gatehouse.service.settings import Settings
from gatehouse.service.store_urls import OpenStores, open_stores
from gatehouse.storage.sql_dpop import SQLReplay

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = [
    "IssuerKeySource",
    "build_app",
    "build_dpop_replay",
    "build_issuer_config",
    "build_kek",
    "build_stores",
    "build_token_service",
]


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
) -> TokenService:
    """A ready ``TokenService`` over ``stores`` (which the caller opened and will close).

    ``bootstrap`` creates the first signing keys if the store has none, so a fresh
    deployment can answer its first request.
    """
    config = build_issuer_config(settings, password_profile=password_profile)
    # One bounded pool per process for argon2 (issue 16 §2): see issuer.hashing_pool.
    # Logins queue as coroutines in the app (hashing_queue); in the pool only the spare
    # login threads can wait.
    pool = HashingPool(settings.http.hashing_workers, SPARE_LOGIN_THREADS)
    hasher = PasswordHasher(config.password_profile, pool=pool)
    service = TokenService(
        config,
        stores.stores,
        build_kek(settings),
        clock=clock,
        hasher=hasher,
        dpop=settings.dpop,
        dpop_replay=build_dpop_replay(settings, stores),
        status_lists=settings.status_list,
    )
    if bootstrap:
        service.bootstrap()
    return service


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
    from gatehouse.service.app import create_app
    from gatehouse.service.cookies import CSRF_KEY_PURPOSE

    opened = build_stores(settings, clock=clock)
    try:
        service = build_token_service(
            settings, opened, clock=clock, password_profile=password_profile
        )
        # Every instance derives the same CSRF key, so any of them checks any session's.
        csrf_key = build_kek(settings).derive(CSRF_KEY_PURPOSE)
    except BaseException:
        opened.close()
        raise
    return create_app(
        service,
        settings.http,
        ping=opened.ping,
        close=opened.close,
        inline=inline,
        csrf_key=csrf_key,
        degraded=opened.degraded,
    )
