"""Reading ``[[functions]]`` of ``gatehouse.toml`` as ``ServiceSpec`` values, strictly.

The same table drives ``gatehouse dev`` (the local gateway) and ``gatehouse deploy sam``,
so what runs locally is what gets deployed; ``gatehouse.service.settings.load_settings``
calls this once for both. ``auth`` is ``none`` (the handler verifies), ``jwt`` or
``lambda``, written flat or as a ``[functions.auth]`` table. Every key is checked: a typo
such as ``scope = ["admin"]`` would otherwise leave the route open to any valid token,
so an unknown key is an error naming the nearest known one. ``dpop = true`` declares
that the routes take DPoP-bound tokens (RFC 9449); their authorizer then never caches.
``timeout`` (seconds, Lambda's default 3) and ``memory`` (MB, default 128) are what the
dev gateway enforces on the function's worker; ``authorizer_type = "token"`` makes a REST
(``event = "v1"``) Lambda authorizer a TOKEN one, and ``identity_sources`` (default
``["Authorization"]``) names what API Gateway keys the authorizer's cache on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gatehouse.errors import ConfigurationError, UnknownSettingError
from gatehouse.functions.spec import (
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    Protection,
    Route,
    ServiceSpec,
    parse_route,
)

__all__ = ["check_unique_routes", "services_from_document"]

_KEYS = frozenset(
    {
        "name",
        "handler",
        "routes",
        "route",
        "event",
        "auth",
        "scopes",
        "authorizer",
        "authorizer_ttl",
        "ttl",
        "environment",
        "dpop",
        "timeout",
        "memory",
        "authorizer_type",
        "identity_sources",
    }
)
# Written flat or in [functions.auth].
_AUTH_FLAT = (
    "scopes",
    "authorizer",
    "authorizer_ttl",
    "ttl",
    "authorizer_type",
    "identity_sources",
)
_AUTH_KEYS = frozenset({"type", *_AUTH_FLAT})


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where} {key}: expected a list of strings")
    return tuple(value)


def _auth(entry: Mapping[str, Any], where: str, source: str) -> dict[str, Any]:
    """The auth settings, flat or from ``[functions.auth]`` (not both)."""
    auth = entry.get("auth", "none")
    flat = {k: entry[k] for k in _AUTH_FLAT if k in entry}
    if not isinstance(auth, Mapping):
        return {"type": auth, **flat}
    for key in auth:
        if key not in _AUTH_KEYS:
            raise UnknownSettingError.naming(
                source, f"{where} auth", key, list(_AUTH_KEYS), "unknown key"
            )
    if flat:
        raise ConfigurationError(
            f"{where}: {', '.join(flat)} written both flat and in [functions.auth]; keep one"
        )
    return {"type": "none", **auth}


def _ttl(auth: Mapping[str, Any], where: str) -> int:
    value = auth.get("authorizer_ttl", auth.get("ttl", 300))
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigurationError(f"{where} authorizer_ttl: expected a whole number of seconds")
    return value


def _number(entry: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = entry.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ConfigurationError(f"{where} {key}: expected a number")
    return value


def _runtime(entry: Mapping[str, Any], auth: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Lambda's per-function settings: timeout (s), memory (MB), the authorizer's kind and
    identity sources (what its cache is keyed on)."""
    memory = _number(entry, "memory", DEFAULT_MEMORY, where)
    if not isinstance(memory, int):
        raise ConfigurationError(f"{where} memory: expected a whole number of MB")
    kind = auth.get("authorizer_type", "request")
    if not isinstance(kind, str):
        raise ConfigurationError(f'{where} authorizer_type: expected "request" or "token"')
    sources = _strings(auth.get("identity_sources", ["Authorization"]), "identity_sources", where)
    return {
        "timeout": float(_number(entry, "timeout", DEFAULT_TIMEOUT, where)),
        "memory": memory,
        "authorizer_type": kind,
        "identity_sources": sources,
    }


def _service(entry: Any, index: int, source: str) -> ServiceSpec:
    where = f"[[functions]] #{index + 1}"
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"{where}: expected a table")
    name, handler = entry.get("name"), entry.get("handler")
    if isinstance(name, str) and name:
        where = f"[[functions]] {name}"
    for key in entry:
        if key not in _KEYS:
            raise UnknownSettingError.naming(source, where, key, list(_KEYS), "unknown key")
    if not isinstance(name, str) or not isinstance(handler, str) or not name or not handler:
        raise ConfigurationError(
            f'{where}: name and handler are required, e.g. handler = "pkg.mod.fn"'
        )
    if "routes" in entry and "route" in entry:
        raise ConfigurationError(f"{where}: write routes or route, not both")
    routes = _strings(entry.get("routes", entry.get("route", ())), "routes", where)
    auth = _auth(entry, where, source)
    try:
        protection = Protection(auth["type"])
    except ValueError:
        raise ConfigurationError(f'{where} auth: expected "none", "jwt" or "lambda"') from None
    scopes = _strings(auth.get("scopes", ()), "scopes", where)
    if scopes and protection is not Protection.JWT and protection is not Protection.LAMBDA:
        raise ConfigurationError(
            f'{where} scopes: only auth = "jwt" or "lambda" checks scopes; with auth = "none"'
            " the handler checks them (@require_token(scopes=...))"
        )
    authorizer = auth.get("authorizer")
    if authorizer is not None and not isinstance(authorizer, str):
        raise ConfigurationError(f'{where} authorizer: expected "package.module.function"')
    environment = entry.get("environment", {})
    if not isinstance(environment, Mapping) or not all(
        isinstance(v, str) for v in environment.values()
    ):
        raise ConfigurationError(f"{where} environment: expected a table of strings")
    dpop = entry.get("dpop", False)
    if not isinstance(dpop, bool):
        raise ConfigurationError(f"{where} dpop: expected true or false")
    ttl = _ttl(auth, where)
    if dpop and not any(k in auth for k in ("authorizer_ttl", "ttl")):
        ttl = 0  # RFC 9449: a proof is single-use, so a DPoP route's authorizer never caches
    event = entry.get("event", "v2")
    payload = {"v1": "1.0", "1.0": "1.0", "v2": "2.0", "2.0": "2.0"}.get(str(event))
    if payload is None:
        raise ConfigurationError(f'{where} event: expected "v1" (REST) or "v2" (HTTP API)')
    return ServiceSpec(
        name=name,
        handler=handler.replace(":", "."),
        routes=tuple(parse_route(r) for r in routes),
        protection=protection,
        scopes=scopes,
        authorizer=authorizer.replace(":", ".") if authorizer else None,
        authorizer_ttl=ttl,
        environment=tuple((str(k), v) for k, v in environment.items()),
        payload=payload,
        dpop=dpop,
        **_runtime(entry, auth, where),
    )


def _route_key(route: Route) -> tuple[str, str]:
    """API Gateway's identity of a route: parameter names do not count (``{id}`` = ``{x}``)."""
    return route.method, re.sub(r"\{[^}+]+\}", "{}", re.sub(r"\{[^}]+\+\}", "{+}", route.path))


def check_unique_routes(services: tuple[ServiceSpec, ...]) -> None:
    """Two functions (or one, twice) on the same route: only one could ever answer."""
    seen: dict[tuple[str, str], str] = {}
    for service in services:
        for route in service.routes:
            method, path = _route_key(route)
            for other_method in {method, "ANY"} if method != "ANY" else {"ANY"}:
                owner = seen.get((other_method, path))
                if owner is not None:
                    raise ConfigurationError(
                        f"[[functions]] {service.name}: {route.method} {route.path} is already"
                        f" routed to {owner}; each route belongs to one function"
                    )
            if method == "ANY":
                for (m, p), owner in seen.items():
                    if p == path:
                        raise ConfigurationError(
                            f"[[functions]] {service.name}: ANY {route.path} overlaps {m}"
                            f" {route.path} of {owner}; each route belongs to one function"
                        )
            seen[(method, path)] = service.name
    names = [s.logical_name for s in services]
    if len(set(names)) != len(names):
        raise ConfigurationError("[[functions]]: two functions share a name; names must be unique")


def services_from_document(
    document: Mapping[str, Any], source: str = ""
) -> tuple[ServiceSpec, ...]:
    """The ``[[functions]]`` of a parsed settings file; ``source`` names it in errors."""
    entries = document.get("functions", [])
    if not isinstance(entries, list):
        raise ConfigurationError("functions must be an array of tables: [[functions]]")
    services = tuple(_service(entry, i, source) for i, entry in enumerate(entries))
    check_unique_routes(services)
    return services
