"""Encryption keys as JWKs (RFC 7517 §4.2-4.3, RFC 7518 §6, RFC 8037 §2 for X25519).

A key that encrypts is a different thing from a key that signs, and what a JWK says
about itself is binding both ways. An ``EncryptionKey`` must declare itself one
(``use: enc``, or ``key_ops`` naming an encryption operation) and refuses ``use: sig``;
the signing ``JWK`` already refuses any ``use`` other than ``sig``, any ``key_ops``
without ``verify``/``sign`` and any ``alg`` that is not a JWS algorithm. So a signing key
never decrypts and an encryption key never verifies. Weak material is refused at the
door by the same importers the signing keys use (RSA under 2048 bits, points off the
curve); X25519 (``OKP``) is imported here, since signatures have no use for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519

from gatehouse.errors import InvalidKeyError
from gatehouse.jose.algorithms import ALGORITHMS
from gatehouse.jose.b64 import b64url_decode, b64url_encode
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT
from gatehouse.jose.jwk_import import (
    EC_SIZES,
    PRIVATE_MEMBERS,
    common_params,
    curve,
    export_members,
    import_material,
)
from gatehouse.jose.strict_json import dumps_compact

__all__ = ["DECRYPT_OPS", "ENCRYPT_OPS", "EncryptionKey"]

# RFC 7517 §4.3: the operations that are encryption's (deriveKey/deriveBits for ECDH-ES).
ENCRYPT_OPS = frozenset({"encrypt", "wrapKey", "deriveKey", "deriveBits"})
DECRYPT_OPS = frozenset({"decrypt", "unwrapKey", "deriveKey", "deriveBits"})
_THUMBPRINT = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def _x25519_members(data: Mapping[str, Any], has_private: bool) -> tuple[Any, dict[str, str]]:
    try:
        x = b64url_decode(data.get("x") or "")
        d = b64url_decode(data["d"]) if has_private and isinstance(data.get("d"), str) else None
    except ValueError:
        raise InvalidKeyError("X25519 JWK members must be canonical base64url") from None
    if len(x) != 32 or (has_private and (d is None or len(d) != 32)):
        raise InvalidKeyError("X25519 JWK x and d must be 32 bytes")
    if d is None:
        return x25519.X25519PublicKey.from_public_bytes(x), {}
    key = x25519.X25519PrivateKey.from_private_bytes(d)
    if key.public_key().public_bytes(*_RAW) != x:
        raise InvalidKeyError("X25519 JWK d does not match x")
    return key, {"d": data["d"]}


class EncryptionKey:
    """A JWE recipient key (public: encrypt to it; private or oct: decrypt with it)."""

    __slots__ = ("alg", "crv", "key", "key_ops", "kid", "kty", "members", "private", "use")

    def __init__(self, data: Mapping[str, Any], *, private_allowed: bool = False) -> None:
        if not isinstance(data, Mapping):
            raise InvalidKeyError("a JWK must be a JSON object")
        kty = data.get("kty")
        if not isinstance(kty, str) or kty not in PRIVATE_MEMBERS:
            raise InvalidKeyError("JWK kty must be one of EC, OKP, RSA, oct")
        params = common_params(data)
        self.kid: str | None = params["kid"]
        self.alg: str | None = params["alg"]
        self.use: str | None = params["use"]
        self.key_ops: frozenset[str] | None = params["key_ops"]
        if self.use not in (None, "enc"):
            raise InvalidKeyError("a key with use other than enc never encrypts or decrypts")
        ops = self.key_ops
        if (self.use is None and ops is None) or (
            ops is not None and not ops & (ENCRYPT_OPS | DECRYPT_OPS)
        ):
            raise InvalidKeyError("an encryption key must say so (use: enc or encryption key_ops)")
        if self.alg in ALGORITHMS:
            # A JWS alg: a signing key (another alg we do not implement just never fits).
            raise InvalidKeyError("a key whose alg is a signature algorithm never decrypts")
        has_private = any(m in data for m in PRIVATE_MEMBERS[kty])
        if has_private and not private_allowed:
            raise InvalidKeyError("a public key set must not contain private key members")
        self.kty = kty
        self.private: dict[str, str] | None
        self.key: Any
        if kty == "OKP":
            if data.get("crv") != "X25519":
                raise InvalidKeyError("OKP encryption keys must be X25519")
            self.key, private = _x25519_members(data, has_private)
            self.private = private or None
            self.crv: str | None = "X25519"
            self.members: dict[str, str] = {"crv": "X25519", "x": str(data["x"])}
        else:
            material = import_material(data, has_private)
            self.key, self.members, self.crv = material.key, material.members, material.crv
            self.private = material.private

    # --- make and export ------------------------------------------------------------

    @classmethod
    def generate(cls, alg: str, *, crv: str = "P-256", kid: str | None = None) -> EncryptionKey:
        """A new private key for ``alg`` (EC ``crv`` or X25519; RSA 2048; oct as sized)."""
        spec = KEY_MANAGEMENT.get(alg)
        if spec is None:
            raise InvalidKeyError(f"unsupported JWE algorithm {alg!r}")
        key: Any
        if spec.mode == "kw":
            import secrets

            key = secrets.token_bytes(spec.kw_bytes)
        elif spec.mode == "rsa-oaep":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif spec.mode == "dir":
            raise InvalidKeyError("a dir key is the CEK itself: make it for its enc")
        elif crv == "X25519":
            key = x25519.X25519PrivateKey.generate()
        elif crv in EC_SIZES:
            key = ec.generate_private_key(curve(crv))
        else:
            raise InvalidKeyError("ECDH-ES keys are on P-256, P-384, P-521 or X25519")
        return cls.from_crypto_key(key, alg=alg, kid=kid)

    @classmethod
    def from_crypto_key(cls, key: Any, *, alg: str, kid: str | None = None) -> EncryptionKey:
        """Wrap a ``cryptography`` key (or AES key bytes); ``kid`` defaults to the thumbprint."""
        if isinstance(key, x25519.X25519PrivateKey | x25519.X25519PublicKey):
            pub = key.public_key() if isinstance(key, x25519.X25519PrivateKey) else key
            data: dict[str, Any] = {"kty": "OKP", "crv": "X25519"}
            data["x"] = b64url_encode(pub.public_bytes(*_RAW))
            if isinstance(key, x25519.X25519PrivateKey):
                raw = key.private_bytes(
                    *_RAW[:1], serialization.PrivateFormat.Raw, serialization.NoEncryption()
                )
                data["d"] = b64url_encode(raw)
        else:
            data = export_members(key)
        data.update(alg=alg, use="enc")
        made = cls(data, private_allowed=True)
        made.kid = kid if kid is not None else made.thumbprint()
        return made

    @property
    def is_private(self) -> bool:
        return self.private is not None

    def to_dict(self, private: bool = False) -> dict[str, Any]:
        """The JWK as a JSON-able dict; private members (and oct keys) only when asked."""
        out: dict[str, Any] = {"kty": self.kty}
        for name in ("kid", "use", "alg"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.key_ops is not None:
            out["key_ops"] = sorted(self.key_ops)
        if self.kty != "oct" or private:
            out.update(self.members)
        if private:
            if self.private is None:
                raise InvalidKeyError("this JWK has no private part")
            out.update(self.private)
        return out

    def public(self) -> EncryptionKey:
        """The public half, to publish in a JWKS (oct keys have none)."""
        if self.kty == "oct":
            raise InvalidKeyError("a symmetric key has no public half")
        return EncryptionKey(self.to_dict())

    def thumbprint(self) -> str:
        """RFC 7638 §3 SHA-256 thumbprint of the required members."""
        members = {**self.members, **(self.private or {}), "kty": self.kty}
        names = _THUMBPRINT.get(self.kty, ("k", "kty"))
        digest = hashlib.sha256(dumps_compact({n: members[n] for n in names})).digest()
        return b64url_encode(digest)

    # --- use --------------------------------------------------------------------------

    def fits(self, alg: str, operation: str) -> bool:
        """May this key serve ``alg`` for ``operation`` ("encrypt" or "decrypt")?"""
        spec = KEY_MANAGEMENT.get(alg)
        if spec is None or self.kty not in spec.kty:
            return False
        if (
            self.alg is not None
            and self.alg != alg
            and not (alg == "dir" and self.alg in ENCRYPTIONS)
        ):
            return False
        wanted = ENCRYPT_OPS if operation == "encrypt" else DECRYPT_OPS
        if self.key_ops is not None and not self.key_ops & wanted:
            return False
        if operation == "decrypt" and self.kty != "oct" and self.private is None:
            return False
        if spec.mode == "kw":
            return len(self.key) == spec.kw_bytes
        return True

    def __repr__(self) -> str:
        kind = "private" if self.is_private else "public"
        return f"<EncryptionKey {self.kty} {self.crv or ''} alg={self.alg} kid={self.kid!r} {kind}>"
