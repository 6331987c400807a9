"""The ``[storage]``, ``[keys]``, ``[http]`` and ``[dev]`` tables, each setting declared once.

``setting(default, doc=...)`` makes a field a setting: its name is the TOML key, its
annotation the type, and ``GATEHOUSE_<TABLE>_<KEY>`` its environment variable
(``settings_schema``). ``[issuer]`` is ``gatehouse.issuer.config.IssuerConfig``. Checks
that need only the table's own values live in ``__post_init__``, so every consumer
(service, CLI, gateway, deploy) gets the same refusal.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from gatehouse._distribution import install_hint, requirement
from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.service.settings_schema import setting

__all__ = ["DevSettings", "HttpSettings", "KeysSettings", "StorageSettings"]


@record
class StorageSettings:
    url: str = setting(
        doc="`sqlite:///relative/path.db` (relative to the folder of `gatehouse.toml`; the"
        " working directory when there is no file), `sqlite:////absolute/path.db`,"
        f" `postgresql://user:password@host:5432/db` (needs `{install_hint('postgres')}`),"
        " or `memory:` (development only: everything is lost on exit). Migrations are applied"
        " when the store opens."
    )
    redis_url: str | None = setting(
        None,
        doc="`redis://host:6379/0` (or `rediss://`, `unix://`). When set, the access-token"
        f" deny-list and the failed-login counters live in Redis (needs `{requirement('redis')}`);"
        " accounts, sessions, clients and keys stay in `url`.",
    )
    schema: str = setting(
        "gatehouse",
        doc="PostgreSQL only: the schema holding the tables (created on first start)."
        " Lower-case letters, digits and `_`.",
    )
    pool_size: int = setting(
        10,
        doc="PostgreSQL only: connections per process. Use 1–2 in Lambda, with RDS Proxy or"
        " PgBouncer in front.",
    )
    prepared_statements: bool = setting(
        True, doc="PostgreSQL only: `false` behind PgBouncer in transaction mode."
    )
    statement_timeout: float = setting(
        5.0,
        doc="PostgreSQL only: seconds a statement may run before it is cancelled (the request"
        " then gets 503).",
    )
    lock_timeout: float = setting(
        2.0,
        doc="PostgreSQL only: seconds to wait for a row another transaction holds (503 after"
        " that, nothing written).",
    )
    connect_timeout: float = setting(
        5.0,
        doc="PostgreSQL only: seconds to wait for a connection (0 … 60). Every Lambda cold"
        " start pays it while the database is unreachable: keep it short there.",
    )
    redis_prefix: str = setting(
        "gatehouse:",
        doc="Every Redis key starts with this, so several deployments can share one Redis.",
    )
    base_dir: Path = Path()  # the settings file's folder; not a setting

    def __post_init__(self) -> None:
        if self.pool_size < 1:
            raise ConfigurationError("pool_size must be at least 1")
        for name in ("statement_timeout", "lock_timeout"):
            if not 0 < getattr(self, name) <= 3600:
                raise ConfigurationError(f"{name} must be between 0 and 3600 seconds")
        if not 0 < self.connect_timeout <= 60:
            raise ConfigurationError("connect_timeout must be between 0 and 60 seconds")


@record
class KeysSettings:
    kek_file: str | None = setting(
        None,
        doc="A file holding the KEK, relative to `gatehouse.toml`. It must not be readable by"
        " group or others (mode 0600).",
        env="GATEHOUSE_KEK_FILE",
    )
    kek: str | None = field(
        default=None,
        repr=False,
        metadata={
            "doc": "The KEK itself: from the environment (a secret manager). Written in"
            " `gatehouse.toml` it is refused outside development (the file gets committed).",
            "env": "GATEHOUSE_KEK",
        },
    )


@record
class HttpSettings:
    max_body_bytes: int = setting(
        16 * 1024,
        doc="Larger request bodies are refused with 413 before they are read in full (≥ 1024).",
    )
    refresh_cookie: bool = setting(
        False,
        doc='Allow browser mode: `/login` with `"cookie": true` delivers the refresh token in'
        " an `HttpOnly; Secure; SameSite=Strict` cookie. See `docs/http-api.md`.",
    )
    cookie_path: str = setting(
        "/token",
        doc="The refresh cookie's `Path`: the browser sends it to the token endpoint only.",
    )
    cookie_name: str = setting(
        "__Secure-gatehouse-refresh",
        doc="The refresh cookie's name (`__Secure-` makes browsers insist on `Secure`).",
    )
    csrf_cookie_name: str = setting(
        "__Secure-gatehouse-csrf",
        doc="The CSRF double-submit cookie's name (readable by scripts, `Path=/`).",
    )
    cors_origins: tuple[str, ...] = setting(
        (),
        doc="Origins allowed to call the API from a browser (CORS with credentials; methods"
        " GET/POST; headers `Authorization`, `Content-Type`, `X-CSRF-Token`). Empty: no CORS"
        " headers at all.",
    )
    jwks_max_age: int | None = setting(
        None,
        doc="`Cache-Control: max-age` of the JWKS and metadata documents (default:"
        " `verifier_cache_ttl`). Must not exceed `[issuer] verifier_cache_ttl`, which the"
        " key-retention plan is computed from.",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        doc="Addresses or CIDRs of the reverse proxies in front of the service. Only a"
        " request from one of them has its `X-Forwarded-For` read: the client is the"
        " rightmost address that is not a trusted proxy (the login throttle keys on it)."
        ' Empty: the TCP peer is the client; `"*"` trusts every peer (only behind a'
        " proxy that is the sole way in). `gatehouse serve` passes it to uvicorn too.",
    )

    hashing_workers: int = setting(
        1,
        doc="Password hashes (argon2id, 19 MiB each) computed at once per process. More"
        " finishes a login flood sooner but takes cores from the event loop: on 2 cores a"
        " pool of 2 let refresh p99 reach ~49 ms during a flood, 1 kept it ~2× quiet"
        " (`bench/login_flood.py`). Lambda runs one request at a time: always 1 there.",
    )
    hashing_queue: int = setting(
        64,
        doc="Logins that may wait for a hashing worker; beyond them `/login` answers 503"
        " `temporarily_unavailable` with `Retry-After` at once. A shorter queue refuses"
        " more of a flood (and refusing is work for the loop too); a longer one makes"
        " waiting logins slower. Refresh, JWKS, introspection and `/health` never wait"
        " behind it.",
    )

    def __post_init__(self) -> None:
        if self.hashing_workers < 1 or self.hashing_queue < 0:
            raise ConfigurationError(
                "hashing_workers must be at least 1 and hashing_queue 0 or more"
            )
        if not self.cookie_path.startswith("/"):
            raise ConfigurationError('cookie_path must start with "/", e.g. "/token"')
        if self.max_body_bytes < 1024:
            raise ConfigurationError("max_body_bytes must be at least 1024")
        if "*" in self.trusted_proxies and len(self.trusted_proxies) > 1:
            raise ConfigurationError('trusted_proxies: "*" (trust every peer) stands alone')
        if self.trusted_proxies:
            _check_networks(self.trusted_proxies)


def _check_networks(entries: tuple[str, ...]) -> None:
    import ipaddress  # only when proxies are configured (not on a plain Lambda cold start)

    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"trusted_proxies: {entry!r} is not an address or CIDR, e.g. 10.0.0.0/8"
            ) from None


@record
class DevSettings:
    host: str = setting("127.0.0.1", doc="`gatehouse dev`: the interface to listen on.")
    port: int = setting(
        8000,
        doc="`gatehouse dev`: the port (0 picks a free one). `--port` and `PORT` win over it.",
    )

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigurationError("port must be between 0 and 65535")
