"""base64url without padding, canonical only (RFC 7515 §2, RFC 4648 §5).

A JWS segment has exactly one valid encoding. Accepting padding, the standard
alphabet, whitespace or non-zero trailing bits would let one token have many
spellings, which breaks caches keyed on the token string and hides tampering.
"""

from __future__ import annotations

import binascii

__all__ = ["ALPHABET", "b64url_decode", "b64url_decode_segment", "b64url_encode"]

_TO_STD = bytes.maketrans(b"-_", b"+/")
_TO_URL = bytes.maketrans(b"+/", b"-_")
ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# For a final group of 2 characters only the top 2 bits of the last one carry data, for 3
# characters the top 4 bits: the rest must be zero in the canonical encoding (RFC 4648 §3.5).
_CANONICAL_LAST_2 = frozenset(c for i, c in enumerate(ALPHABET) if i & 0x0F == 0)
_CANONICAL_LAST_3 = frozenset(c for i, c in enumerate(ALPHABET) if i & 0x03 == 0)
_PAD = (b"", b"", b"==", b"=")


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode canonical unpadded base64url; raise ``ValueError`` on anything else."""
    raw = text.encode("ascii") if isinstance(text, str) else bytes(text)
    n = len(raw)
    rem = n & 3
    if rem == 1:
        raise ValueError("invalid base64url length")
    if rem == 2:
        if raw[-1] not in _CANONICAL_LAST_2:
            raise ValueError("non-canonical base64url")
    elif rem == 3 and raw[-1] not in _CANONICAL_LAST_3:
        raise ValueError("non-canonical base64url")
    if raw.translate(None, ALPHABET):
        # Anything left after deleting the alphabet: padding, '+', '/', whitespace, junk.
        raise ValueError("base64url has a character outside its alphabet")
    return binascii.a2b_base64(raw.translate(_TO_STD) + _PAD[rem], strict_mode=True)


def b64url_decode_segment(raw: bytes) -> bytes:
    """``b64url_decode`` for a segment of a token already checked free of '+', '/' and '='.

    The compact-JWS parser looks for those three once over the whole token (memchr
    fast); ``strict_mode`` then refuses every other character outside the alphabet.
    """
    rem = len(raw) & 3
    if rem:
        if rem == 1:
            raise ValueError("invalid base64url length")
        if raw[-1] not in (_CANONICAL_LAST_2 if rem == 2 else _CANONICAL_LAST_3):
            raise ValueError("non-canonical base64url")
    return binascii.a2b_base64(raw.translate(_TO_STD) + _PAD[rem], strict_mode=True)
