"""JWE compact serialization (RFC 7516 §7.1): encrypt and decrypt, one recipient.

Five base64url segments: protected header, encrypted key, IV, ciphertext, tag. Only the
compact form is accepted (no JSON serialization, no unprotected headers, one recipient),
and only what ``jwe_algorithms`` allows; the caller's two allow-lists, for ``alg`` and
``enc``, decide, never the token (RFC 8725 §3.1). ``zip`` and ``crit`` are refused (RFC
7516 §4.1.3, §4.1.13: we implement no compression and no extensions). Sizes are checked
before anything is decoded, and again on the plaintext.

Every way a token can fail here, from a bad segment to a bad tag, raises the same
``DecryptionError`` with the same message (RFC 7516 §11.5): a recipient that told
"padding" from "MAC" or "unwrap" apart would be an oracle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from gatehouse.errors import DecryptionError, InvalidKeyError
from gatehouse.jose.b64 import b64url_decode_segment, b64url_encode
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT
from gatehouse.jose.jwe_content import CONTENT_ENCRYPTIONS, FAILED, decrypt_content, encrypt_content
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.jwe_keys import Ephemeral, decrypt_cek, encrypt_cek
from gatehouse.jose.jws import DEFAULT_MAX_TOKEN_SIZE
from gatehouse.jose.strict_json import dumps_compact, loads_object

__all__ = [
    "DecryptedJWE",
    "decrypt_compact",
    "encrypt_compact",
    "encrypt_from_parts",
    "encrypt_nested",
    "is_compact_jwe",
]

_STRING_MEMBERS = ("alg", "enc", "kid", "typ", "cty", "apu", "apv")
_PLUS, _SLASH, _EQUALS = b"+/="  # byte values: ``int in bytes`` is one memchr


class DecryptedJWE(NamedTuple):
    """What a JWE held: its protected header, the plaintext and the key that opened it."""

    header: Mapping[str, Any]
    plaintext: bytes
    key: EncryptionKey


def is_compact_jwe(token: str) -> bool:
    """Five segments: a JWE to decrypt first (a JWS has three; RFC 7516 §9)."""
    return token.count(".") == 4


def _parse_header(
    segment: bytes, algorithms: frozenset[str], encryptions: frozenset[str]
) -> dict[str, Any]:
    header = loads_object(b64url_decode_segment(segment))
    for name in _STRING_MEMBERS:
        if name in header and header[name].__class__ is not str:
            raise ValueError(name)
    alg, enc = header.get("alg"), header.get("enc")
    if alg not in algorithms or alg not in KEY_MANAGEMENT:
        raise ValueError("alg")
    if enc not in encryptions or enc not in ENCRYPTIONS:
        raise ValueError("enc")
    if "zip" in header or "crit" in header:
        raise ValueError("zip/crit")
    return header


def decrypt_compact(
    token: str,
    keys: Iterable[EncryptionKey],
    *,
    algorithms: frozenset[str],
    encryptions: frozenset[str],
    max_size: int = DEFAULT_MAX_TOKEN_SIZE,
    max_plaintext: int | None = None,
) -> DecryptedJWE:
    """Decrypt a compact JWE with one of ``keys`` (by ``kid`` when the token names one).

    ``max_plaintext`` (default ``max_size``) bounds what comes out; with no compression
    the plaintext is never longer than the ciphertext, so it is checked on that first.
    """
    limit = max_size if max_plaintext is None else max_plaintext
    if not isinstance(token, str) or len(token) > max_size:
        raise DecryptionError(FAILED)
    try:
        raw = token.encode("ascii")
        segments = raw.split(b".")
        # The three characters base64 has and base64url has not, looked for once over the
        # whole token; the strict decoder of each segment refuses every other stranger.
        if len(segments) != 5 or _PLUS in raw or _SLASH in raw or _EQUALS in raw:
            raise ValueError("segments")
        h, ek, iv, ct, tag = segments
        header = _parse_header(h, algorithms, encryptions)
        decode = b64url_decode_segment
        encrypted_key, iv_b, ciphertext, tag_b = decode(ek), decode(iv), decode(ct), decode(tag)
    except (ValueError, RecursionError):
        raise DecryptionError(FAILED) from None
    if len(ciphertext) > limit + 16:
        raise DecryptionError(FAILED)
    alg, enc, kid = header["alg"], header["enc"], header.get("kid")
    candidates = [k for k in keys if (kid is None or k.kid == kid) and k.fits(alg, "decrypt")]
    # RFC 7516 §5.2 step 15: the AAD is the ASCII of the protected header segment as sent.
    for key in candidates:
        if alg == "dir" and len(key.key) != CONTENT_ENCRYPTIONS[enc].key_len:
            continue
        cek = decrypt_cek(key, alg, enc, header, encrypted_key)
        try:
            plaintext = decrypt_content(enc, cek, iv_b, ciphertext, tag_b, h)
        except DecryptionError:
            continue
        if len(plaintext) > limit:
            break
        return DecryptedJWE(header, plaintext, key)
    raise DecryptionError(FAILED)


def encrypt_compact(
    plaintext: bytes,
    key: EncryptionKey,
    *,
    alg: str,
    enc: str,
    header: Mapping[str, Any] | None = None,
    random: Callable[[int], bytes] = os.urandom,
) -> str:
    """Encrypt ``plaintext`` to ``key``; ``header`` adds members such as ``cty`` or ``typ``.

    The CEK and IV come from ``random``; ECDH-ES makes a fresh ephemeral key per token.
    """
    spec = CONTENT_ENCRYPTIONS.get(enc)
    if alg not in KEY_MANAGEMENT or spec is None:
        raise InvalidKeyError(f"unsupported JWE alg/enc {alg!r}/{enc!r}")
    protected: dict[str, Any] = {"alg": alg, "enc": enc}
    if key.kid is not None:
        protected["kid"] = key.kid
    protected.update(header or {})
    protected.update(alg=alg, enc=enc)
    return encrypt_from_parts(plaintext, key, protected, random(spec.iv_len), random=random)


def encrypt_nested(
    jws: str,
    key: EncryptionKey,
    *,
    alg: str,
    enc: str,
    random: Callable[[int], bytes] = os.urandom,
) -> str:
    """A nested JWT: the signed token ``jws`` encrypted to ``key`` with ``cty: JWT``.

    Sign first, then encrypt (RFC 7519 §11.2): the signature covers the claims and the
    recipient checks it after decrypting, so no one can re-encrypt someone else's claims.
    """
    return encrypt_compact(
        jws.encode("ascii"), key, alg=alg, enc=enc, header={"cty": "JWT"}, random=random
    )


def encrypt_from_parts(
    plaintext: bytes,
    key: EncryptionKey,
    protected: dict[str, Any],
    iv: bytes,
    *,
    random: Callable[[int], bytes] = os.urandom,
    cek: bytes | None = None,
    ephemeral: Ephemeral | None = None,
) -> str:
    """The deterministic core of ``encrypt_compact``: header members in the order given,
    and the IV, CEK and ephemeral key supplied (the seam RFC 7520's examples need)."""
    alg, enc = protected["alg"], protected["enc"]
    if not key.fits(alg, "encrypt") or "zip" in protected:
        raise InvalidKeyError(f"this key may not encrypt with {alg}")
    cek, encrypted_key = encrypt_cek(key, alg, enc, protected, random, cek=cek, ephemeral=ephemeral)
    h = b64url_encode(dumps_compact(protected))
    ciphertext, tag = encrypt_content(enc, cek, iv, plaintext, h.encode("ascii"))
    return ".".join(
        (
            h,
            b64url_encode(encrypted_key),
            b64url_encode(iv),
            b64url_encode(ciphertext),
            b64url_encode(tag),
        )
    )
