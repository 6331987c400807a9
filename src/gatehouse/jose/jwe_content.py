"""Content encryption for JWE (RFC 7518 §5): AES-GCM and AES-CBC with HMAC-SHA-2.

Each ``enc`` is an AEAD over the plaintext with the protected header as associated data.
AES-GCM (§5.3) is ``cryptography``'s AEAD, tag checked inside it. AES_CBC_HMAC_SHA2
(§5.2) is composed here from ``cryptography`` primitives exactly as §5.2.2 lays it out:
the CEK splits into MAC_KEY || ENC_KEY, the tag is the HMAC of AAD || IV || ciphertext ||
AL truncated to T_LEN, and on the way back the tag is compared in constant time BEFORE
anything is decrypted (§5.2.2.2), so a padding check never runs on forged ciphertext and
cannot become an oracle. Every failure is the one ``DecryptionError``.
"""

from __future__ import annotations

from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.constant_time import bytes_eq

from gatehouse.errors import DecryptionError

__all__ = ["CONTENT_ENCRYPTIONS", "ContentSpec", "decrypt_content", "encrypt_content"]

FAILED = "the token could not be decrypted"


class ContentSpec(NamedTuple):
    """Sizes of one ``enc`` in bytes: CEK, IV and authentication tag."""

    key_len: int
    iv_len: int
    tag_len: int
    cbc_hash: type[hashes.HashAlgorithm] | None  # None: AES-GCM


# RFC 7518 §5.1 names, sizes from §5.2.3, §5.2.5 and §5.3 (96-bit IV, 128-bit tag).
CONTENT_ENCRYPTIONS: dict[str, ContentSpec] = {
    "A128GCM": ContentSpec(16, 12, 16, None),
    "A256GCM": ContentSpec(32, 12, 16, None),
    "A128CBC-HS256": ContentSpec(32, 16, 16, hashes.SHA256),
    "A256CBC-HS512": ContentSpec(64, 16, 32, hashes.SHA512),
}


def _cbc_tag(
    hash_type: type[hashes.HashAlgorithm],
    tag_len: int,
    mac_key: bytes,
    aad: bytes,
    iv: bytes,
    ciphertext: bytes,
) -> bytes:
    # §5.2.2.1 steps 4-5: AL is the AAD length in bits as a 64-bit big-endian integer.
    mac = hmac.HMAC(mac_key, hash_type())
    mac.update(aad + iv + ciphertext + (len(aad) * 8).to_bytes(8, "big"))
    return mac.finalize()[:tag_len]


def encrypt_content(
    enc: str, cek: bytes, iv: bytes, plaintext: bytes, aad: bytes
) -> tuple[bytes, bytes]:
    """``(ciphertext, tag)`` of ``plaintext`` under ``cek`` (sizes already checked)."""
    spec = CONTENT_ENCRYPTIONS[enc]
    if len(cek) != spec.key_len or len(iv) != spec.iv_len:
        raise ValueError("CEK or IV has the wrong length for enc")
    if spec.cbc_hash is None:
        sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
        return sealed[: -spec.tag_len], sealed[-spec.tag_len :]
    half = spec.key_len // 2
    mac_key, enc_key = cek[:half], cek[half:]
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    return ciphertext, _cbc_tag(spec.cbc_hash, spec.tag_len, mac_key, aad, iv, ciphertext)


def decrypt_content(
    enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes
) -> bytes:
    """The plaintext, or ``DecryptionError`` for any wrong size, tag or padding."""
    spec = CONTENT_ENCRYPTIONS[enc]
    if len(cek) != spec.key_len or len(iv) != spec.iv_len or len(tag) != spec.tag_len:
        raise DecryptionError(FAILED)
    if spec.cbc_hash is None:
        try:
            return AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
        except InvalidTag:
            raise DecryptionError(FAILED) from None
    if not ciphertext or len(ciphertext) % 16:
        raise DecryptionError(FAILED)
    half = spec.key_len // 2
    mac_key, enc_key = cek[:half], cek[half:]
    # §5.2.2.2: the MAC first. The tag is truncated (T_LEN < hash length), so
    # HMAC.verify, which wants the whole digest, cannot compare it: bytes_eq is
    # cryptography's constant-time comparison.
    if not bytes_eq(_cbc_tag(spec.cbc_hash, spec.tag_len, mac_key, aad, iv, ciphertext), tag):
        raise DecryptionError(FAILED)
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionError(FAILED) from None
