"""The JWE algorithm registry gatehouse implements, and the ones it refuses forever.

``alg`` (key management, RFC 7518 §4) and ``enc`` (content encryption, §5) are separate
allow-lists, both mandatory: the token never chooses for the recipient (RFC 8725 §3.1).
Some registered values are refused whatever a caller asks for (RFC 8725 §3.2, §3.3 and
draft-ietf-oauth-rfc8725bis): ``RSA1_5`` (Bleichenbacher's padding oracle, RFC 7516
§11.5, 8725 §3.2), ``PBES2-*`` (an attacker-chosen ``p2c`` costs unbounded work, 8725bis)
and ``none``. Compression (``zip``) is refused at the header: inflating attacker data
before it is authenticated is a decompression bomb (jwcrypto CVE-2024-28102).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from gatehouse.errors import ConfigurationError
from gatehouse.jose.jwe_content import CONTENT_ENCRYPTIONS

__all__ = [
    "DEFAULT_ALGORITHMS",
    "DEFAULT_ENCRYPTIONS",
    "ENCRYPTIONS",
    "KEY_MANAGEMENT",
    "REFUSED_ALGORITHMS",
    "KeyManagementSpec",
    "allow_lists",
]


class KeyManagementSpec(NamedTuple):
    """One ``alg``: its mode, the key types it takes, and the AES-KW key size if any."""

    mode: str  # "dir", "kw", "rsa-oaep", "ecdh-es" (direct) or "ecdh-es-kw"
    kty: frozenset[str]
    kw_bytes: int  # AES key wrap key length (RFC 3394), 0 when no wrap is involved


_OCT = frozenset({"oct"})
_ECDH = frozenset({"EC", "OKP"})
KEY_MANAGEMENT: dict[str, KeyManagementSpec] = {
    "dir": KeyManagementSpec("dir", _OCT, 0),  # §4.5
    "A128KW": KeyManagementSpec("kw", _OCT, 16),  # §4.4
    "A256KW": KeyManagementSpec("kw", _OCT, 32),
    "RSA-OAEP-256": KeyManagementSpec("rsa-oaep", frozenset({"RSA"}), 0),  # §4.3
    "ECDH-ES": KeyManagementSpec("ecdh-es", _ECDH, 0),  # §4.6, RFC 8037 §3.2 (X25519)
    "ECDH-ES+A128KW": KeyManagementSpec("ecdh-es-kw", _ECDH, 16),
    "ECDH-ES+A256KW": KeyManagementSpec("ecdh-es-kw", _ECDH, 32),
}
ENCRYPTIONS = frozenset(CONTENT_ENCRYPTIONS)
REFUSED_ALGORITHMS = frozenset(
    {"none", "RSA1_5", "PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW"}
)
# What a recipient accepts when it configures nothing: the modern pair the token
# service issues (elliptic-curve agreement + AES key wrap, AES-GCM content).
DEFAULT_ALGORITHMS = frozenset({"ECDH-ES+A256KW", "ECDH-ES", "RSA-OAEP-256"})
DEFAULT_ENCRYPTIONS = frozenset({"A256GCM", "A128GCM"})


def allow_lists(
    algorithms: Iterable[str], encryptions: Iterable[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """Both allow-lists checked once, at configuration: empty, refused or unknown names
    are a ``ConfigurationError`` naming them (nothing secret in them)."""
    algs, encs = frozenset(algorithms), frozenset(encryptions)
    if not algs or not encs:
        raise ConfigurationError("JWE needs at least one alg and one enc to allow")
    refused = sorted(algs & REFUSED_ALGORITHMS)
    if refused:
        raise ConfigurationError(f"JWE alg {', '.join(refused)} is never accepted (RFC 8725)")
    unknown = sorted((algs - KEY_MANAGEMENT.keys()) | (encs - ENCRYPTIONS))
    if unknown:
        raise ConfigurationError(f"unsupported JWE alg/enc: {', '.join(unknown)}")
    return algs, encs
