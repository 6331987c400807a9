"""JWE key management (RFC 7518 §4): how the content encryption key reaches the recipient.

``dir`` (§4.5) uses the shared key as the CEK; ``A128KW``/``A256KW`` (§4.4, RFC 3394)
wrap a fresh CEK; ``RSA-OAEP-256`` (§4.3) encrypts it to an RSA key; ``ECDH-ES`` (§4.6)
derives it from an ephemeral-static key agreement through the Concat KDF, directly or
as the key that wraps it (``+A128KW``/``+A256KW``), on P-256/P-384/P-521 or X25519
(RFC 8037 §3.2).

Two rules from the RFCs shape the decrypting side:
- the ephemeral key ``epk`` must be a point on the recipient key's own curve, or an
  invalid-curve attack recovers the private key (RFC 7516 §11.1 cites it; Wycheproof
  tests it): ``cryptography`` checks the point as it loads it, and X25519 refuses a
  small-order point by refusing the all-zero shared secret;
- a failed unwrap is not reported: a random CEK takes its place and the content tag
  fails instead (RFC 7516 §11.5), so the two failures cannot be told apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, x25519
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from gatehouse.errors import DecryptionError, InvalidKeyError
from gatehouse.jose.b64 import b64url_decode
from gatehouse.jose.concat_kdf import concat_kdf
from gatehouse.jose.jwe_algorithms import KEY_MANAGEMENT
from gatehouse.jose.jwe_content import CONTENT_ENCRYPTIONS, FAILED
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.jwk_import import EC_SIZES, curve

__all__ = ["Ephemeral", "decrypt_cek", "encrypt_cek"]

Ephemeral = ec.EllipticCurvePrivateKey | x25519.X25519PrivateKey
Random = Callable[[int], bytes]
_OAEP_256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _party_info(header: Mapping[str, Any], name: str) -> bytes:
    # §4.6.1.2-3: apu/apv are base64url strings in the header (absent: empty).
    value = header.get(name)
    if value is None:
        return b""
    if value.__class__ is not str:
        raise DecryptionError(FAILED)
    try:
        return b64url_decode(value)
    except ValueError:
        raise DecryptionError(FAILED) from None


def _peer_key(epk: Any, key: EncryptionKey) -> Any:
    """The ``epk`` header as a public key on the recipient's curve, or DecryptionError."""
    # A parsed header's objects are dicts: the exact-class test spares the ABC check.
    if (epk.__class__ is not dict and not isinstance(epk, Mapping)) or "d" in epk:
        raise DecryptionError(FAILED)
    if epk.get("crv") != key.crv:
        raise DecryptionError(FAILED)
    try:
        x = b64url_decode(epk["x"])
        if epk.get("kty") == "OKP" and key.kty == "OKP":
            if len(x) != 32:
                raise DecryptionError(FAILED)
            return x25519.X25519PublicKey.from_public_bytes(x)
        if epk.get("kty") != "EC" or key.kty != "EC":
            raise DecryptionError(FAILED)
        y = b64url_decode(epk["y"])
        size = EC_SIZES[key.crv or ""]
        if len(x) != size or len(y) != size:
            raise DecryptionError(FAILED)
        # from_encoded_point refuses a point that is not on the curve (ValueError).
        return ec.EllipticCurvePublicKey.from_encoded_point(curve(key.crv or ""), b"\x04" + x + y)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DecryptionError(FAILED) from None


def _agree(private: Any, peer: Any) -> bytes:
    try:
        if isinstance(private, x25519.X25519PrivateKey):
            return private.exchange(peer)  # ValueError on the all-zero secret (RFC 7748 §6.1)
        return bytes(private.exchange(ec.ECDH(), peer))
    except (ValueError, TypeError):
        raise DecryptionError(FAILED) from None


def _ecdh_key(z: bytes, alg: str, enc: str, header: Mapping[str, Any]) -> bytes:
    spec = KEY_MANAGEMENT[alg]
    direct = spec.mode == "ecdh-es"
    bits = (CONTENT_ENCRYPTIONS[enc].key_len if direct else spec.kw_bytes) * 8
    # §4.6.2 AlgorithmID: the enc value for direct agreement, the alg value for key wrap.
    algorithm_id = enc if direct else alg
    return concat_kdf(z, algorithm_id, bits, _party_info(header, "apu"), _party_info(header, "apv"))


def _ephemeral_for(key: EncryptionKey) -> Ephemeral:
    if key.kty == "OKP":
        return x25519.X25519PrivateKey.generate()
    return ec.generate_private_key(curve(key.crv or ""))


def _epk_members(ephemeral: Ephemeral, key: EncryptionKey) -> dict[str, str]:
    members = EncryptionKey.from_crypto_key(ephemeral.public_key(), alg="ECDH-ES", kid="").members
    return {"kty": key.kty, **members}


def encrypt_cek(
    key: EncryptionKey,
    alg: str,
    enc: str,
    header: MutableMapping[str, Any],
    random: Random,
    *,
    cek: bytes | None = None,
    ephemeral: Ephemeral | None = None,
) -> tuple[bytes, bytes]:
    """``(cek, encrypted_key)`` for one recipient; sets ``epk`` in ``header`` for ECDH-ES.

    ``cek`` and ``ephemeral`` are the deterministic seam for test vectors; left out,
    they are drawn from ``random`` and a fresh key pair.
    """
    mode = KEY_MANAGEMENT[alg].mode
    key_len = CONTENT_ENCRYPTIONS[enc].key_len
    if mode == "dir":
        if len(key.key) != key_len:
            raise InvalidKeyError(f"a dir key for {enc} must be {key_len} bytes")
        return bytes(key.key), b""
    public = key.key.public_key() if key.kty != "oct" and key.is_private else key.key
    wrap_key = key.key
    if mode.startswith("ecdh-es"):
        eph = ephemeral if ephemeral is not None else _ephemeral_for(key)
        header["epk"] = _epk_members(eph, key)
        wrap_key = _ecdh_key(_agree(eph, public), alg, enc, header)
        if mode == "ecdh-es":
            return wrap_key, b""
    cek = cek if cek is not None else random(key_len)
    if mode == "rsa-oaep":
        return cek, bytes(public.encrypt(cek, _OAEP_256))
    return cek, aes_key_wrap(wrap_key, cek)


def decrypt_cek(
    key: EncryptionKey,
    alg: str,
    enc: str,
    header: Mapping[str, Any],
    encrypted_key: bytes,
    random: Random = os.urandom,
) -> bytes:
    """The CEK for this token: a random one if unwrapping failed (RFC 7516 §11.5)."""
    mode = KEY_MANAGEMENT[alg].mode
    key_len = CONTENT_ENCRYPTIONS[enc].key_len
    # RFC 7516 §5.2 step 10: with direct encryption or agreement the encrypted key is
    # empty; with key wrapping or encryption it is not.
    if (mode in ("dir", "ecdh-es")) == bool(encrypted_key):
        raise DecryptionError(FAILED)
    if mode == "dir":
        return bytes(key.key)
    wrap_key = key.key
    if mode.startswith("ecdh-es"):
        peer = _peer_key(header.get("epk"), key)
        wrap_key = _ecdh_key(_agree(key.key, peer), alg, enc, header)
        if mode == "ecdh-es":
            return wrap_key
    try:
        if mode == "rsa-oaep":
            cek = bytes(key.key.decrypt(encrypted_key, _OAEP_256))
        else:
            cek = aes_key_unwrap(wrap_key, encrypted_key)
    except (InvalidUnwrap, ValueError):
        cek = b""
    # A failed unwrap or a CEK of the wrong size goes on as a random key: the tag then
    # fails like any forgery, with no earlier exit to time (RFC 7516 §11.5).
    return cek if len(cek) == key_len else random(key_len)
