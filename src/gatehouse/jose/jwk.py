"""JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2) and thumbprints (RFC 7638).

A ``JWK`` is an imported, validated key. What a JWK says about itself is binding:
``alg`` pins the one algorithm it may be used with, ``use`` must be ``sig`` and
``key_ops`` must name the operation (RFC 7517 §4.2-4.4). Weak keys are refused at
import (``jwk_import``: RSA under 2048 bits or with the ROCA fingerprint, HMAC keys
shorter than the hash, points off the curve), so nothing downstream has to remember
to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.errors import InvalidKeyError
from gatehouse.jose.algorithms import (
    ALGORITHMS,
    AlgSpec,
    SignatureCheck,
    Signer,
    make_signer,
    make_verifier,
)
from gatehouse.jose.b64 import b64url_encode
from gatehouse.jose.jwk_import import (
    MIN_RSA_BITS,
    PRIVATE_MEMBERS,
    KeyMaterial,
    common_params,
    curve,
    export_members,
    import_material,
)
from gatehouse.jose.strict_json import dumps_compact

__all__ = ["JWK", "MIN_RSA_BITS"]

# RFC 7638 §3.2: the required members, in lexicographic order.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
}
_GENERATE_DEFAULT_CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


class JWK:
    """An imported key with its JOSE parameters; immutable after construction."""

    __slots__ = (
        "_fits",
        "_key",
        "_members",
        "_private",
        "_signers",
        "_verifiers",
        "alg",
        "crv",
        "key_ops",
        "kid",
        "kty",
        "use",
    )

    kty: str
    kid: str | None
    alg: str | None
    use: str | None
    key_ops: frozenset[str] | None
    crv: str | None

    def __init__(
        self,
        *,
        kty: str,
        key: Any,
        members: dict[str, str],
        private: dict[str, str] | None = None,
        kid: str | None = None,
        alg: str | None = None,
        use: str | None = None,
        key_ops: frozenset[str] | None = None,
        crv: str | None = None,
    ) -> None:
        self.kty = kty
        self._key = key
        self._members = members
        self._private = private
        self.kid = kid
        self.alg = alg
        self.use = use
        self.key_ops = key_ops
        self.crv = crv
        self._verifiers: dict[str, SignatureCheck] = {}
        self._signers: dict[str, Signer] = {}
        self._fits: dict[tuple[str, str], bool] = {}
        if alg is not None:
            spec = ALGORITHMS.get(alg)
            if spec is not None and not self._material_fits(spec):
                raise InvalidKeyError(f"JWK material does not fit its own alg {alg!r}")

    # --- import ---------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, private_allowed: bool = False) -> JWK:
        """Import a JWK; private members are refused unless ``private_allowed``."""
        if not isinstance(data, Mapping):
            raise InvalidKeyError("a JWK must be a JSON object")
        kty = data.get("kty")
        if not isinstance(kty, str) or kty not in PRIVATE_MEMBERS:
            raise InvalidKeyError("JWK kty must be one of EC, OKP, RSA, oct")
        has_private = any(m in data for m in PRIVATE_MEMBERS[kty])
        if has_private and not private_allowed:
            raise InvalidKeyError("a public key set must not contain private key members")
        params = common_params(data)
        return cls._from_material(import_material(data, has_private), params)

    @classmethod
    def from_secret(cls, secret: bytes, *, alg: str, kid: str | None = None) -> JWK:
        """An HMAC key from raw bytes (RFC 7518 §3.2); refuses anything that looks like a
        public key, so a PEM cannot be misused as an HMAC secret (RFC 8725 §2.1)."""
        spec = ALGORITHMS.get(alg)
        if spec is None or spec.family != "HMAC":
            raise InvalidKeyError("from_secret is for HS256, HS384 and HS512")
        stripped = secret.lstrip()
        if stripped.startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-")):
            raise InvalidKeyError("that secret looks like an asymmetric key, not an HMAC secret")
        material = import_material({"kty": "oct", "k": b64url_encode(secret)}, True)
        return cls._from_material(material, {"kid": kid, "alg": alg, "use": "sig"})

    @classmethod
    def _from_material(cls, material: KeyMaterial, params: dict[str, Any]) -> JWK:
        return cls(
            kty=material.kty,
            key=material.key,
            members=material.members,
            private=material.private,
            crv=material.crv,
            **params,
        )

    @classmethod
    def generate(cls, alg: str, *, rsa_bits: int = 2048, kid: str | None = None) -> JWK:
        """A new private key for ``alg``; its ``kid`` defaults to the RFC 7638 thumbprint."""
        spec = ALGORITHMS.get(alg)
        if spec is None:
            raise InvalidKeyError(f"unsupported algorithm {alg!r}")
        key: Any
        if spec.family == "HMAC":
            import secrets

            key = secrets.token_bytes(spec.min_key_bytes)
        elif spec.family == "EdDSA":
            from cryptography.hazmat.primitives.asymmetric import ed25519

            key = ed25519.Ed25519PrivateKey.generate()
        elif spec.family == "EC":
            from cryptography.hazmat.primitives.asymmetric import ec

            key = ec.generate_private_key(curve(_GENERATE_DEFAULT_CRV[alg]))
        else:
            if rsa_bits < MIN_RSA_BITS:
                raise InvalidKeyError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        return cls.from_crypto_key(key, alg=alg, kid=kid)

    @classmethod
    def from_crypto_key(cls, key: Any, *, alg: str, kid: str | None = None) -> JWK:
        """Wrap a ``cryptography`` key object (or HMAC bytes); kid defaults to the thumbprint."""
        data = export_members(key)
        data["alg"] = alg
        data["use"] = "sig"
        jwk = cls.from_dict(data, private_allowed=True)
        jwk.kid = kid if kid is not None else jwk.thumbprint()
        return jwk

    @classmethod
    def from_pem(cls, pem: bytes, *, alg: str, password: bytes | None = None) -> JWK:
        """Import a PEM private or public key (PKCS#8, SPKI, or traditional formats)."""
        from cryptography.hazmat.primitives import serialization

        try:
            if b"PRIVATE KEY" in pem:
                key: Any = serialization.load_pem_private_key(pem, password=password)
            else:
                key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as exc:
            raise InvalidKeyError("the PEM data is not a usable key") from exc
        return cls.from_crypto_key(key, alg=alg)

    # --- export ---------------------------------------------------------------------

    @property
    def is_private(self) -> bool:
        return self._private is not None

    def to_dict(self, private: bool = False) -> dict[str, Any]:
        """The JWK as a JSON-able dict; private members only when asked for."""
        out: dict[str, Any] = {"kty": self.kty}
        if self.kid is not None:
            out["kid"] = self.kid
        if self.use is not None:
            out["use"] = self.use
        if self.key_ops is not None:
            out["key_ops"] = sorted(self.key_ops)
        if self.alg is not None:
            out["alg"] = self.alg
        if self.kty != "oct" or private:
            out.update(self._members)
        if private:
            if self._private is None:
                raise InvalidKeyError("this JWK has no private part")
            out.update(self._private)
        return out

    def public(self) -> JWK:
        """The public half (for oct keys there is none: refused)."""
        if self.kty == "oct":
            raise InvalidKeyError("a symmetric key has no public half")
        key = self._key.public_key() if self._private is not None else self._key
        return JWK(
            kty=self.kty,
            key=key,
            members=dict(self._members),
            kid=self.kid,
            alg=self.alg,
            use=self.use,
            key_ops=self.key_ops,
            crv=self.crv,
        )

    def thumbprint(self, hash_name: str = "sha256") -> str:
        """RFC 7638 §3: base64url hash of the required members, sorted, no whitespace."""
        import hashlib

        members = {**self._members, **(self._private or {}), "kty": self.kty}
        if self.crv is not None:
            members["crv"] = self.crv
        canonical = {name: members[name] for name in _THUMBPRINT_MEMBERS[self.kty]}
        return b64url_encode(hashlib.new(hash_name, dumps_compact(canonical)).digest())

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM for a private key (encrypted when a password is given), SPKI otherwise."""
        from cryptography.hazmat.primitives import serialization

        if self.kty == "oct":
            raise InvalidKeyError("a symmetric key has no PEM form")
        if self._private is not None:
            enc: Any = (
                serialization.BestAvailableEncryption(password)
                if password
                else serialization.NoEncryption()
            )
            return self._key.private_bytes(  # type: ignore[no-any-return]
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
            )
        return self._key.public_bytes(  # type: ignore[no-any-return]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    # --- use --------------------------------------------------------------------------

    def _material_fits(self, spec: AlgSpec) -> bool:
        if spec.kty != self.kty:
            return False
        if spec.crv is not None and spec.crv != self.crv:
            return False
        if spec.family == "HMAC":
            return len(self._key) >= spec.min_key_bytes
        return True

    def fits(self, alg: str, operation: str = "verify") -> bool:
        """May this key be used for ``operation`` ("verify" or "sign") with ``alg``?"""
        cached = self._fits.get((alg, operation))
        if cached is not None:
            return cached
        spec = ALGORITHMS.get(alg)
        ok = (
            spec is not None
            and (self.alg is None or self.alg == alg)
            and self.use in (None, "sig")
            and (self.key_ops is None or operation in self.key_ops)
            and (operation == "verify" or self._private is not None)
            and self._material_fits(spec)
        )
        self._fits[(alg, operation)] = ok
        return ok

    def verifier(self, alg: str) -> SignatureCheck:
        """The signature check for ``alg`` with this key; refuses a key that does not fit."""
        fn = self._verifiers.get(alg)
        if fn is None:
            if not self.fits(alg, "verify"):
                raise InvalidKeyError(f"this key may not verify {alg}")
            key = (
                self._key if self.kty == "oct" or self._private is None else self._key.public_key()
            )
            try:
                fn = make_verifier(ALGORITHMS[alg], key)
            except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                # The material is not what a cryptography key of this type must be: the
                # key is unusable (ours to fix), whatever token is being checked.
                raise InvalidKeyError(f"this key cannot be prepared to verify {alg}") from exc
            self._verifiers[alg] = fn
        return fn

    def signer(self, alg: str) -> Signer:
        """The signing function for ``alg`` with this (private) key."""
        fn = self._signers.get(alg)
        if fn is None:
            if not self.fits(alg, "sign"):
                raise InvalidKeyError(f"this key may not sign {alg}")
            try:
                fn = make_signer(ALGORITHMS[alg], self._key)
            except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                raise InvalidKeyError(f"this key cannot be prepared to sign {alg}") from exc
            self._signers[alg] = fn
        return fn

    def __repr__(self) -> str:
        # Never key material: kid, type and whether it is private.
        kind = "private" if self.is_private else "public"
        return f"<JWK {self.kty} {self.crv or ''} alg={self.alg} kid={self.kid!r} {kind}>"
