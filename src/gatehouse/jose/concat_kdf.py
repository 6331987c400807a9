"""The Concat KDF of ECDH-ES key agreement (RFC 7518 §4.6.2, NIST SP 800-56A §5.8.1).

The shared secret ``Z`` of one ECDH is never a key by itself: it is stretched, with the
algorithm it will serve and the parties' ``apu``/``apv`` bound in, by SHA-256 in the
single-step KDF. ``cryptography``'s ``ConcatKDFHash`` does the hashing; this module only
lays out ``OtherInfo`` the way §4.6.2 says, so the derived key differs whenever any
input that names its purpose differs.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

__all__ = ["concat_kdf", "other_info"]

_SHA256 = hashes.SHA256()  # a stateless algorithm descriptor, shared


def _length_prefixed(data: bytes) -> bytes:
    # §4.6.2: AlgorithmID, PartyUInfo and PartyVInfo are each a 32-bit big-endian length
    # followed by the octets (an absent apu/apv is the empty string: length 0).
    return len(data).to_bytes(4, "big") + data


@lru_cache(maxsize=64)  # the same few (alg, size, apu, apv) on every token; bounded
def other_info(algorithm_id: str, key_bits: int, apu: bytes, apv: bytes) -> bytes:
    """``AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo`` (``SuppPrivInfo`` empty).

    ``algorithm_id`` is the ``enc`` value for direct key agreement and the ``alg`` value
    when the derived key wraps a CEK (§4.6.2, AlgorithmID); ``SuppPubInfo`` is the key
    length in bits as a 32-bit big-endian integer.
    """
    return (
        _length_prefixed(algorithm_id.encode("ascii"))
        + _length_prefixed(apu)
        + _length_prefixed(apv)
        + key_bits.to_bytes(4, "big")
    )


def concat_kdf(z: bytes, algorithm_id: str, key_bits: int, apu: bytes, apv: bytes) -> bytes:
    """``key_bits`` of key material derived from the shared secret ``z`` (§4.6.2)."""
    kdf = ConcatKDFHash(
        algorithm=_SHA256,
        length=key_bits // 8,
        otherinfo=other_info(algorithm_id, key_bits, apu, apv),
    )
    return kdf.derive(z)
