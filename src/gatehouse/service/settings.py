"""The token service's settings: read once from ``gatehouse.toml`` and an injected environ.

The file holds four tables this module owns (``[issuer]``, ``[storage]``, ``[keys]``,
``[http]``); other tables (the gateway's ``[[functions]]`` and ``[dev]``) are left alone.
Every key of these tables can be overridden from the environment as
``GATEHOUSE_<TABLE>_<KEY>`` (``GATEHOUSE_STORAGE_URL``, ``GATEHOUSE_ISSUER_ACCESS_TOKEN_TTL``),
plus three short names: ``GATEHOUSE_KEK``, ``GATEHOUSE_KEK_FILE`` and
``GATEHOUSE_DEVELOPMENT``. A mistake is one ``ConfigurationError`` naming the key and the fix;
nothing is read from ``os.environ`` behind the caller's back (starlette ``Config`` idea).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatehouse.errors import ConfigurationError
from gatehouse.service.settings_values import SCHEMA, coerce, env_overrides

__all__ = [
    "CONFIG_ENV",
    "HttpSettings",
    "IssuerSettings",
    "KeysSettings",
    "Settings",
    "StorageSettings",
    "load_settings",
]

CONFIG_ENV = "GATEHOUSE_CONFIG"
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class IssuerSettings:
    url: str
    default_audience: str
    audiences: tuple[str, ...] = ()
    access_token_ttl: int = 600
    refresh_idle_timeout: int = 14 * 86400
    refresh_absolute_lifetime: int = 30 * 86400
    refresh_reuse_grace: float = 10.0
    signing_alg: str = "ES256"
    verifier_cache_ttl: int = 300
    first_party_client_id: str = "gatehouse"
    development: bool = False


@dataclass(frozen=True, slots=True)
class StorageSettings:
    url: str
    redis_url: str | None = None
    schema: str = "gatehouse"
    pool_size: int = 10
    prepared_statements: bool = True
    statement_timeout: float = 5.0
    lock_timeout: float = 2.0
    redis_prefix: str = "gatehouse:"
    base_dir: Path = Path()


@dataclass(frozen=True, slots=True)
class KeysSettings:
    kek_file: str | None = None
    kek: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    max_body_bytes: int = 16 * 1024
    refresh_cookie: bool = False
    cookie_path: str = "/token"
    cookie_name: str = "__Secure-gatehouse-refresh"
    csrf_cookie_name: str = "__Secure-gatehouse-csrf"
    cors_origins: tuple[str, ...] = ()
    jwks_max_age: int | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the composition root needs; one immutable value per process."""

    issuer: IssuerSettings
    storage: StorageSettings
    keys: KeysSettings = field(default_factory=KeysSettings)
    http: HttpSettings = field(default_factory=HttpSettings)


def _read_file(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file: a Lambda configured by environment skips it

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read {path}: {exc.strerror}; run `gatehouse init` or set {CONFIG_ENV}"
        ) from exc
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigurationError(f"{path} is larger than 1 MiB; is it the right file?")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc


def _table(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"[{name}] must be a table, e.g. [{name}] on a line of its own")
    allowed = SCHEMA[name]
    for key in table:
        if key not in allowed:
            raise ConfigurationError(
                f"[{name}] {key}: unknown setting; expected one of {', '.join(sorted(allowed))}"
            )
    return {key: coerce(name, key, value) for key, value in table.items()}


def load_settings(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from ``path`` (or ``$GATEHOUSE_CONFIG``, or none) with env overrides.

    ``environ`` defaults to an empty mapping, not ``os.environ``: the caller decides.
    """
    env: Mapping[str, str] = {} if environ is None else environ
    if path is None and env.get(CONFIG_ENV):
        path = env[CONFIG_ENV]
    document: dict[str, Any] = _read_file(Path(path)) if path is not None else {}
    base_dir = Path(path).resolve().parent if path is not None else Path.cwd()
    tables = {name: _table(document, name) for name in SCHEMA}
    for (name, key), value in env_overrides(env).items():
        tables[name][key] = value
    return _build(tables, base_dir)


def _required(tables: Mapping[str, Mapping[str, Any]], name: str, key: str, example: str) -> Any:
    if key not in tables[name]:
        env = f"GATEHOUSE_{name.upper()}_{key.upper()}"
        raise ConfigurationError(f"[{name}] {key} is required; set {example} or {env}")
    return tables[name][key]


def _build(tables: dict[str, dict[str, Any]], base_dir: Path) -> Settings:
    issuer = dict(tables["issuer"])
    issuer["url"] = _required(tables, "issuer", "url", 'url = "https://auth.example.com"')
    if "default_audience" not in issuer:
        issuer["default_audience"] = _default_audience(issuer)
    storage = dict(tables["storage"])
    storage["url"] = _required(tables, "storage", "url", 'url = "sqlite:///gatehouse.db"')
    http = HttpSettings(**tables["http"])
    if not http.cookie_path.startswith("/"):
        raise ConfigurationError('[http] cookie_path must start with "/", e.g. "/token"')
    if http.max_body_bytes < 1024:
        raise ConfigurationError("[http] max_body_bytes must be at least 1024")
    return Settings(
        issuer=IssuerSettings(**issuer),
        storage=StorageSettings(**storage, base_dir=base_dir),
        keys=KeysSettings(**tables["keys"]),
        http=http,
    )


def _default_audience(issuer: Mapping[str, Any]) -> str:
    audiences = issuer.get("audiences", ())
    if len(audiences) == 1:
        return str(audiences[0])
    raise ConfigurationError(
        '[issuer] default_audience is required; set default_audience = "https://api.example.com"'
    )
