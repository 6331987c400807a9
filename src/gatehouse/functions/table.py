"""Reading ``[[functions]]`` from ``gatehouse.toml`` as ``ServiceSpec`` values.

The same table drives ``gatehouse dev`` (the local gateway) and ``gatehouse deploy sam``,
so what runs locally is what gets deployed. Only the keys a deployment needs are read;
``auth`` is ``none`` (the handler verifies), ``jwt`` or ``lambda``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, ServiceSpec, parse_route

__all__ = ["read_functions", "services_from_document"]


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, ())
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where} {key}: expected a list of strings")
    return tuple(value)


def _protection(entry: Mapping[str, Any], where: str) -> Protection:
    auth = entry.get("auth", "none")
    if isinstance(auth, Mapping):  # [functions.auth] type = "jwt", scopes = [...]
        auth = auth.get("type", "none")
    try:
        return Protection(auth)
    except ValueError:
        raise ConfigurationError(f'{where} auth: expected "none", "jwt" or "lambda"') from None


def _auth_value(entry: Mapping[str, Any], key: str) -> Any:
    auth = entry.get("auth")
    if isinstance(auth, Mapping) and key in auth:
        return auth[key]
    return entry.get(key)


def _service(entry: Any, index: int) -> ServiceSpec:
    where = f"[[functions]] #{index + 1}"
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"{where}: expected a table")
    name, handler = entry.get("name"), entry.get("handler")
    if not isinstance(name, str) or not isinstance(handler, str) or not name or not handler:
        raise ConfigurationError(
            f'{where}: name and handler are required, e.g. handler = "pkg.mod.fn"'
        )
    where = f"[[functions]] {name}"
    routes = _strings(entry, "routes", where) or _strings(entry, "route", where)
    scopes = _auth_value(entry, "scopes") or ()
    authorizer = _auth_value(entry, "authorizer")
    ttl = _auth_value(entry, "authorizer_ttl")
    if ttl is None:
        ttl = _auth_value(entry, "ttl")
    environment = entry.get("environment", {})
    if not isinstance(environment, Mapping):
        raise ConfigurationError(f"{where} environment: expected a table of strings")
    event = entry.get("event", "v2")
    payload = {"v1": "1.0", "1.0": "1.0", "v2": "2.0", "2.0": "2.0"}.get(str(event))
    if payload is None:
        raise ConfigurationError(f'{where} event: expected "v1" (REST) or "v2" (HTTP API)')
    return ServiceSpec(
        name=name,
        handler=handler.replace(":", "."),
        routes=tuple(parse_route(r) for r in routes),
        protection=_protection(entry, where),
        scopes=_strings({"scopes": scopes}, "scopes", where),
        authorizer=authorizer.replace(":", ".") if isinstance(authorizer, str) else None,
        authorizer_ttl=300 if ttl is None else int(ttl),
        environment=tuple((str(k), str(v)) for k, v in environment.items()),
        payload=payload,
    )


def services_from_document(document: Mapping[str, Any]) -> tuple[ServiceSpec, ...]:
    entries = document.get("functions", [])
    if not isinstance(entries, list):
        raise ConfigurationError("functions must be an array of tables: [[functions]]")
    return tuple(_service(entry, i) for i, entry in enumerate(entries))


def read_functions(path: Path) -> tuple[ServiceSpec, ...]:
    """The ``[[functions]]`` of a settings file (already validated by ``load_settings``)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read [[functions]] from {path}: {exc}") from exc
    return services_from_document(document)
