"""Every part's settings: read once from ``gatehouse.toml`` and an injected environ.

The one reader of the file for the token service, the CLI, ``gatehouse dev`` and
``gatehouse deploy``. Its tables are ``[issuer]`` (``IssuerConfig`` itself), ``[storage]``,
``[keys]``, ``[http]``, ``[dpop]`` (``DPoPConfig``), ``[dev]`` and ``[[functions]]``;
anything else, and any unknown key in any of them, is an error naming the file, the
table, the key and the nearest known name. Each setting is declared once, as a field
(``settings_schema``): to add one, add a field with ``setting(default, doc=...)`` to its
table's class (``settings_tables``, or ``IssuerConfig``), and use it. A new table is its
class, one line in ``TABLES`` and one field of ``Settings`` (a test holds the two equal),
plus its block in the docs page.

Every setting can be overridden from the environment as ``GATEHOUSE_<TABLE>_<KEY>``
(``GATEHOUSE_STORAGE_URL``), plus three short names: ``GATEHOUSE_KEK``,
``GATEHOUSE_KEK_FILE`` and ``GATEHOUSE_DEVELOPMENT``. Nothing is read from ``os.environ``
behind the caller's back (starlette ``Config`` idea).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.issuer.config import SIGNING_ALGORITHMS, IssuerConfig
from gatehouse.issuer.dpop_config import DPoPConfig
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.service.settings_schema import (
    from_environment,
    from_toml,
    refuse_unknown_variables,
    setting,
    settings_of,
    unknown_key,
)
from gatehouse.service.settings_tables import (
    DevSettings,
    HttpSettings,
    KeysSettings,
    StorageSettings,
)

__all__ = [
    "CONFIG_ENV",
    "SIGNING_ALGORITHMS",
    "TABLES",
    "DevSettings",
    "HttpSettings",
    "IssuerSettings",
    "KeysSettings",
    "Settings",
    "StorageSettings",
    "follow_dev_port",
    "load_settings",
    "setting",
]

CONFIG_ENV = "GATEHOUSE_CONFIG"
MAX_CONFIG_BYTES = 1024 * 1024
IssuerSettings = IssuerConfig
"""``[issuer]`` is the domain's own config: one declaration, no mapping."""

TABLES: dict[str, type] = {
    "issuer": IssuerConfig,
    "storage": StorageSettings,
    "keys": KeysSettings,
    "http": HttpSettings,
    "dpop": DPoPConfig,
    "status_list": StatusListConfig,
    "dev": DevSettings,
}
_ARRAYS = ("functions", "encryption")  # [[encryption]]: service.settings_encryption
_SHARED_PREFIXES = frozenset({"dev"})
"""Tables whose ``GATEHOUSE_<TABLE>_`` prefix other variables share (``gatehouse dev`` gives
its functions ``GATEHOUSE_DEV_URL``), so an unknown variable there is not a typo."""

if TYPE_CHECKING:  # the functions model is imported only when a file has [[functions]]
    from gatehouse.functions.spec import ServiceSpec


@record
class Settings:
    """Everything the parts need; one immutable value per process."""

    issuer: IssuerConfig
    storage: StorageSettings
    keys: KeysSettings = field(default_factory=KeysSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    dpop: DPoPConfig = field(default_factory=DPoPConfig)
    status_list: StatusListConfig = field(default_factory=StatusListConfig)
    dev: DevSettings = field(default_factory=DevSettings)
    functions: tuple[ServiceSpec, ...] = ()
    source: Path | None = None  # the settings file, if there was one


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


def _table(document: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"[{name}] must be a table, e.g. [{name}] on a line of its own")
    return from_toml(source, name, TABLES[name], table)


def _build(cls: type, table: str, values: Mapping[str, Any], **extra: Any) -> Any:
    """``cls(**values)``; a missing required setting or a refused value names the table."""
    for item in settings_of(table, cls).values():
        if item.required and item.attribute not in values:
            env = item.env[0]
            raise ConfigurationError(f"[{table}] {item.key} is required; set it or {env}")
    try:
        return cls(**values, **extra)
    except ConfigurationError as exc:
        raise ConfigurationError(f"[{table}] {exc.message}") from exc


def _default_audience(issuer: Mapping[str, Any]) -> str:
    audiences = issuer.get("audiences", ())
    if len(audiences) == 1:
        return str(next(iter(audiences)))
    raise ConfigurationError(
        '[issuer] default_audience is required; set default_audience = "https://api.example.com"'
    )


def _refuse_inline_kek(document: Mapping[str, Any], source: str, development: bool) -> None:
    """The file is what people commit: outside development the KEK lives elsewhere."""
    keys = document.get("keys")
    if development or not isinstance(keys, Mapping) or "kek" not in keys:
        return
    raise ConfigurationError(
        f"{source}: [keys] kek is written in the settings file, which is usually committed;"
        " outside development put the key in the environment (GATEHOUSE_KEK, from a secret"
        " manager) or in a file readable by its owner only (kek_file, mode 0600)"
    )


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
    source = str(path) if path is not None else ""
    for name in document:
        if name not in TABLES and name not in _ARRAYS:
            raise unknown_key(source, "table", name, [*TABLES, *_ARRAYS], "unknown table")
    values = {name: _table(document, name, source) for name in TABLES}
    for name, cls in TABLES.items():
        if name not in _SHARED_PREFIXES:
            refuse_unknown_variables(name, cls, env)
        values[name].update(from_environment(name, cls, env))
    issuer = values["issuer"]
    if "default_audience" not in issuer:
        issuer["default_audience"] = _default_audience(issuer)
    development = bool(issuer.get("development", False))
    _refuse_inline_kek(document, source, development)
    base_dir = Path(path).resolve().parent if path is not None else Path.cwd()
    functions: tuple[ServiceSpec, ...] = ()
    if "functions" in document:
        from gatehouse.functions.table import services_from_document

        functions = services_from_document(document, source)
    extra: dict[str, dict[str, Any]] = {"storage": {"base_dir": base_dir}}
    if "encryption" in document:  # nested JWTs per audience (docs/jwe.md)
        from gatehouse.service.settings_encryption import (
            audience_encryption,
            encryption_from_document,
        )

        entries = encryption_from_document(document, source)
        extra["issuer"] = {"encryption": audience_encryption(entries, base_dir)}
    built = {
        name: _build(cls, name, values[name], **extra.get(name, {})) for name, cls in TABLES.items()
    }
    return Settings(**built, functions=functions, source=Path(path) if path else None)


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def follow_dev_port(settings: Settings, port: int) -> Settings:
    """In development, an ``http://`` loopback issuer is on the port ``gatehouse dev``
    serves (``--port``, ``PORT``, ``[dev] port``), so ``iss``, discovery and
    ``/openapi.json`` name the port that answers; any other issuer is left as written."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.issuer.url)
    if not settings.issuer.development or parts.scheme != "http" or port == 0:
        return settings
    if parts.hostname not in _LOOPBACK or parts.path not in ("", "/") or parts.port == port:
        return settings
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    issuer = dataclasses.replace(settings.issuer, issuer=f"http://{host}:{port}")
    return dataclasses.replace(settings, issuer=issuer)
