"""From a storage URL to an open store: ``sqlite:///…``, ``postgresql://…``, ``redis://…``.

Drivers are imported only for the scheme in use, so a SQLite deployment never loads
psycopg or redis; a missing driver is a ConfigurationError naming the extra to install.
PostgreSQL keeps its tables in ``[storage] schema`` (default ``gatehouse``) with a pool
of ``pool_size`` connections per process; Redis keys start with ``redis_prefix``.
``sqlite:///relative.db`` is relative to the settings file's folder and
``sqlite:////abs/path.db`` is absolute (the SQLAlchemy convention).
"""

from __future__ import annotations

from pathlib import Path

from gatehouse._record import record
from gatehouse.clock import Clock
from gatehouse.errors import ConfigurationError, StorageError
from gatehouse.service.settings import StorageSettings
from gatehouse.storage.ports import DenyList, FullStore, StoreLifecycle, Stores, ThrottleStore

__all__ = ["OpenStores", "open_stores", "sqlite_path"]

_POSTGRES = ("postgresql://", "postgres://")
_REDIS = ("redis://", "rediss://", "unix://")


@record
class OpenStores:
    """The ports for ``TokenService`` and the adapters behind them (to ping and close)."""

    stores: Stores
    parts: tuple[StoreLifecycle, ...]
    optional: tuple[tuple[str, StoreLifecycle], ...] = ()
    """Parts the service runs without, by name (Redis: the throttle falls back)."""

    def ping(self) -> None:
        """Raise ``StorageUnavailableError`` if a backend the service needs does not answer."""
        spare = {id(part) for _, part in self.optional}
        for part in self.parts:
            if id(part) not in spare:
                part.ping()

    def degraded(self) -> tuple[str, ...]:
        """The optional parts that do not answer now (``/health`` names them)."""
        down = []
        for name, part in self.optional:
            try:
                part.ping()
            except StorageError:
                down.append(name)
        return tuple(down)

    def close(self) -> None:
        for part in self.parts:
            part.close()

    def __enter__(self) -> OpenStores:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def sqlite_path(url: str, base_dir: Path) -> Path:
    rest = url[len("sqlite:///") :]
    if not rest:
        raise ConfigurationError('[storage] url: give a file, e.g. "sqlite:///gatehouse.db"')
    path = Path(rest)
    return path if path.is_absolute() else base_dir / path


def _main_store(settings: StorageSettings, clock: Clock, development: bool) -> FullStore:
    url = settings.url
    if url.startswith("sqlite:///"):
        from gatehouse.storage.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path(url, settings.base_dir), clock=clock)
    if url.startswith(_POSTGRES):
        # The adapter module raises ConfigurationError itself when psycopg is missing.
        from gatehouse.storage.postgres import PostgresStore

        # pool_size and the timeouts were checked when the settings were read.
        return PostgresStore(
            url,
            schema=settings.schema,
            pool_size=settings.pool_size,
            prepared_statements=settings.prepared_statements,
            statement_timeout=settings.statement_timeout,
            lock_timeout=settings.lock_timeout,
            connect_timeout=settings.connect_timeout,
            clock=clock,
        )
    if url in ("memory:", "memory://"):
        if not development:
            raise ConfigurationError(
                "[storage] url = memory: loses every account on restart; use it only with"
                " [issuer] development = true"
            )
        from gatehouse.storage.memory import MemoryStore

        return MemoryStore()
    raise ConfigurationError(
        '[storage] url: expected "sqlite:///path.db" or "postgresql://user@host/db"'
    )


def open_stores(settings: StorageSettings, *, clock: Clock, development: bool) -> OpenStores:
    """Open the main store (migrations applied) and, if configured, Redis beside it."""
    if settings.redis_url is not None and not settings.redis_url.startswith(_REDIS):
        raise ConfigurationError('[storage] redis_url: expected "redis://host:6379/0"')
    main = _main_store(settings, clock, development)
    if settings.redis_url is None:
        return OpenStores(Stores.single(main), (main,))
    try:
        from gatehouse.storage.redis_counters import RedisCounters

        redis = RedisCounters(settings.redis_url, prefix=settings.redis_prefix)
    except BaseException:
        main.close()
        raise
    from gatehouse.storage.throttle_fallback import FallbackThrottle

    deny_list: DenyList = redis
    # Redis down: the main store's counters keep logins throttled (issue 16 §4).
    throttle: ThrottleStore = FallbackThrottle(redis, main, clock=clock)
    return OpenStores(
        Stores.single(main, deny_list=deny_list, throttle=throttle),
        (main, redis),
        (("redis", redis),),
    )
