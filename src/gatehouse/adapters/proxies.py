"""The URL a client addressed, behind an ASGI or WSGI server (RFC 9449 §4.3 ``htu``).

A server sees its own scheme, the ``Host`` header and the path; behind a reverse proxy
that terminates TLS the scheme (and perhaps the host) the client used are only in the
proxy's ``X-Forwarded-Proto`` / ``X-Forwarded-Host``. Those headers are anyone's to
send, so they are read only when the peer is a configured trusted proxy, and then
only their last value (the one that proxy wrote, RFC 7239 §5 explains the chain).
``origin`` pins ``scheme://host[:port]`` outright, for a service reachable under one
public name (the Host header is the client's to choose).

ASGI: ``root_path`` is where the app is mounted; servers differ on whether ``path``
already includes it (the ASGI spec says it does since 2023), so it is prefixed only
when missing. WSGI: PEP 3333's URL reconstruction (``SCRIPT_NAME`` + ``PATH_INFO``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from gatehouse.adapters.target_url import build_url, check_host
from gatehouse.errors import ConfigurationError

__all__ = ["TrustedProxies", "asgi_url", "wsgi_url"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The peers whose ``X-Forwarded-Proto``/``-Host`` are believed: addresses or CIDRs."""

    __slots__ = ("_networks",)

    def __init__(self, networks: Iterable[str] = ()) -> None:
        parsed: list[_Network] = []
        for entry in (networks,) if isinstance(networks, str) else networks:
            try:
                parsed.append(ipaddress.ip_network(entry, strict=False))
            except ValueError as exc:
                raise ConfigurationError(
                    f"trusted proxy {entry!r} is not an address or CIDR, e.g. 10.0.0.0/8"
                ) from exc
        self._networks = tuple(parsed)

    def trusts(self, peer: object) -> bool:
        """True when ``peer`` (an address string) is one of the trusted proxies."""
        if not self._networks or not isinstance(peer, str):
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._networks)


def _last(value: str | None) -> str | None:
    if not value:
        return None
    last = value.rpartition(",")[2].strip()
    return last or None


def _origin(origin: str | None) -> tuple[str, str] | None:
    if origin is None:
        return None
    scheme, sep, host = origin.rstrip("/").partition("://")
    if not sep:
        raise ConfigurationError("origin is scheme://host[:port], e.g. https://api.example.com")
    return scheme, check_host(host)


def asgi_url(
    scope: Mapping[str, Any], proxies: TrustedProxies, *, origin: str | None = None
) -> str:
    """The URL the client addressed for an ASGI HTTP or WebSocket ``scope``."""
    headers: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        if name in (b"host", b"x-forwarded-proto", b"x-forwarded-host"):
            headers[name] = value.decode("latin-1")  # repeats: the last one counts
    pinned = _origin(origin)
    if pinned is not None:
        scheme, host = pinned
    else:
        scheme = str(scope.get("scheme") or "http")
        host = headers.get(b"host") or ""
        if not host and scope.get("server"):
            server_host, server_port = scope["server"][0], scope["server"][1]
            host = f"{server_host}:{server_port}" if server_port else str(server_host)
        client = scope.get("client")
        if proxies.trusts(client[0] if client else None):
            scheme = _last(headers.get(b"x-forwarded-proto")) or scheme
            host = _last(headers.get(b"x-forwarded-host")) or host
    root = str(scope.get("root_path") or "")
    path = str(scope.get("path") or "/")
    if root and not (path == root or path.startswith(root.rstrip("/") + "/")):
        path = root.rstrip("/") + path
    return build_url(scheme, host, path)


def _wsgi_text(value: object) -> str:
    # PEP 3333: environ strings are bytes decoded as latin-1; the path's bytes are UTF-8.
    if not isinstance(value, str):
        return ""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def wsgi_url(
    environ: MutableMapping[str, Any], proxies: TrustedProxies, *, origin: str | None = None
) -> str:
    """The URL the client addressed for a WSGI ``environ`` (PEP 3333, URL reconstruction)."""
    pinned = _origin(origin)
    if pinned is not None:
        scheme, host = pinned
    else:
        scheme = str(environ.get("wsgi.url_scheme") or "http")
        host = str(environ.get("HTTP_HOST") or "")
        if not host:
            name, port = str(environ.get("SERVER_NAME") or ""), str(environ.get("SERVER_PORT"))
            host = f"{name}:{port}" if port and port != "None" else name
        if proxies.trusts(environ.get("REMOTE_ADDR")):
            scheme = _last(environ.get("HTTP_X_FORWARDED_PROTO")) or scheme
            host = _last(environ.get("HTTP_X_FORWARDED_HOST")) or host
    path = _wsgi_text(environ.get("SCRIPT_NAME")) + _wsgi_text(environ.get("PATH_INFO"))
    return build_url(scheme, host, path or "/")
