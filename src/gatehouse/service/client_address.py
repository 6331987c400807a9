"""Which address a request comes from, for the login throttle: the TCP peer, or, only when
the peer is a trusted proxy, the rightmost ``X-Forwarded-For`` hop that is not one.

Behind a load balancer every request's peer is the balancer, so keying the throttle on
the peer would lock every user out together. ``X-Forwarded-For`` is a list each proxy
appends to (the de-facto form of RFC 7239 §5.2 ``for=``); everything left of the hop the
first trusted proxy appended is written by the client and can be forged. So the list is
read right to left, skipping trusted proxies, and the first other address is the client
(the rule MDN and RFC 7239 §7.4 describe). Nothing is read when the peer is not trusted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["MAX_HOPS", "client_address"]

MAX_HOPS = 32
"""Hops examined, from the right; a longer chain is cut (bounded work for any header)."""
_MAX_HEADER = 4096

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The trusted networks; ``None`` means every peer (``"*"``)."""
    if "*" in trusted:
        return None
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(text: str) -> Address | None:
    """An address as proxies write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80`` or ``::1``."""
    value = text.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address: Address, networks: tuple[Network, ...] | None) -> bool:
    if networks is None:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: tuple[str, ...]
) -> str | None:
    """The client's address; ``forwarded_for`` is every ``X-Forwarded-For`` header value."""
    if not trusted or peer is None:
        return peer
    networks = _networks(trusted)
    nearest = _address(peer)
    if nearest is None or not _is_trusted(nearest, networks):
        return peer
    joined = ",".join(forwarded_for)[-_MAX_HEADER:]
    hops = [hop for hop in joined.split(",") if hop.strip()][-MAX_HOPS:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: what a trusted proxy wrote ends here
            break
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)
