"""The shape of each settings table, and turning TOML or environment values into it.

One schema serves both sources, so a key that works in ``gatehouse.toml`` works as
``GATEHOUSE_<TABLE>_<KEY>`` too, with the same validation and the same error text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.errors import ConfigurationError

__all__ = ["ALIASES", "SCHEMA", "coerce", "env_overrides"]

SCHEMA: dict[str, dict[str, str]] = {
    "issuer": {
        "url": "str",
        "default_audience": "str",
        "audiences": "strs",
        "access_token_ttl": "int",
        "refresh_idle_timeout": "int",
        "refresh_absolute_lifetime": "int",
        "refresh_reuse_grace": "float",
        "signing_alg": "str",
        "verifier_cache_ttl": "int",
        "first_party_client_id": "str",
        "development": "bool",
    },
    "storage": {
        "url": "str",
        "redis_url": "str",
        "schema": "str",
        "pool_size": "int",
        "prepared_statements": "bool",
        "statement_timeout": "float",
        "lock_timeout": "float",
        "redis_prefix": "str",
    },
    "keys": {"kek_file": "str", "kek": "str"},
    "http": {
        "max_body_bytes": "int",
        "refresh_cookie": "bool",
        "cookie_path": "str",
        "cookie_name": "str",
        "csrf_cookie_name": "str",
        "cors_origins": "strs",
        "jwks_max_age": "int",
    },
}

ALIASES: dict[str, tuple[str, str]] = {
    "GATEHOUSE_KEK": ("keys", "kek"),
    "GATEHOUSE_KEK_FILE": ("keys", "kek_file"),
    "GATEHOUSE_DEVELOPMENT": ("issuer", "development"),
}

_EXAMPLES = {
    "str": '"text"',
    "strs": '["a", "b"] (or a comma-separated environment value)',
    "int": "a whole number, e.g. 600",
    "float": "a number, e.g. 10.0",
    "bool": "true or false",
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _wrong(table: str, key: str, kind: str) -> ConfigurationError:
    return ConfigurationError(f"[{table}] {key}: expected {_EXAMPLES[kind]}")


def coerce(table: str, key: str, value: Any) -> Any:
    """A TOML value checked against the schema (bool is not an int here)."""
    kind = SCHEMA[table][key]
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "strs" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _wrong(table, key, kind)


def _from_text(table: str, key: str, text: str) -> Any:
    kind = SCHEMA[table][key]
    value = text.strip()
    if kind == "str":
        return value
    if kind == "strs":
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if kind == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise _wrong(table, key, kind)
    try:
        return int(value) if kind == "int" else float(value)
    except ValueError:
        raise _wrong(table, key, kind) from None


def env_overrides(environ: Mapping[str, str]) -> dict[tuple[str, str], Any]:
    """``{(table, key): value}`` for every ``GATEHOUSE_*`` variable naming a setting."""
    found: dict[tuple[str, str], Any] = {}
    for name, text in environ.items():
        if not name.startswith("GATEHOUSE_"):
            continue
        target = ALIASES.get(name)
        if target is None:
            table, _, key = name[len("GATEHOUSE_") :].lower().partition("_")
            if table not in SCHEMA or key not in SCHEMA[table]:
                continue  # other parts (the CLI, the gateway) have their own variables
            target = (table, key)
        found[target] = _from_text(*target, text)
    return found
