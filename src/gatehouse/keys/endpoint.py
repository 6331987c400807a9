"""Which JWKS URLs a verifier may be pointed at.

Keys fetched over plain HTTP can be swapped by anyone on the path, so only ``https`` is
accepted, except for loopback hosts where the traffic never leaves the machine (the local
dev stack). The check is deliberately narrow string work, not ``urllib.parse``: it runs at
cold start, and refusing anything unusual in the authority (user info, backslashes, odd
characters) leaves no room for two URL parsers to disagree about the host.
"""

from __future__ import annotations

from gatehouse.errors import ConfigurationError

__all__ = ["LOOPBACK_HOSTS", "check_jwks_url"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_IPV6_CHARS = frozenset("0123456789abcdef:.")
_MAX_URL = 2048


def check_jwks_url(url: str) -> str:
    """Return ``url`` unchanged if it is an acceptable JWKS location, else raise."""
    if not isinstance(url, str) or not url or len(url) > _MAX_URL:
        raise ConfigurationError("the JWKS URL must be a non-empty string of at most 2048 chars")
    if not url.isascii() or not url.isprintable() or " " in url:
        raise ConfigurationError("the JWKS URL must be printable ASCII without spaces")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("https", "http"):
        raise ConfigurationError("the JWKS URL must be an https:// URL")
    if "#" in rest or "\\" in rest:
        raise ConfigurationError("the JWKS URL must not contain a fragment or a backslash")
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    host = _host_of(rest[:end].lower())
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        # Key sets must be fetched with integrity protection (as RFC 7515 §4.1.2 demands
        # for jku): plain HTTP lets anyone on the path substitute the keys.
        raise ConfigurationError(
            f"refusing http:// for JWKS host {host!r}: use https (http is for loopback only)"
        )
    return url


def _host_of(authority: str) -> str:
    if "@" in authority:
        raise ConfigurationError("the JWKS URL must not carry user info (credentials)")
    if authority.startswith("["):
        close = authority.find("]")
        host, port = authority[: close + 1], authority[close + 1 :]
        valid = close > 1 and set(host[1:-1]) <= _IPV6_CHARS
    else:
        host, _, port = authority.partition(":")
        port = ":" + port if _ else ""
        valid = bool(host) and set(host) <= _HOST_CHARS
    if not valid:
        raise ConfigurationError("the JWKS URL has no valid host")
    if port and not (port.startswith(":") and port[1:].isdigit() and len(port) <= 6):
        raise ConfigurationError("the JWKS URL has an invalid port")
    return host
