"""JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2) and thumbprints (RFC 7638).

A ``JWK`` is an imported, validated key. What a JWK says about itself is binding:
``alg`` pins the one algorithm it may be used with, ``use`` must be ``sig`` and
``key_ops`` must name the operation (RFC 7517 §4.2-4.4). Weak keys are refused at
import (RSA under 2048 bits, HMAC keys shorter than the hash, points off the curve),
so nothing downstream has to remember to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.errors import InvalidKeyError
from gatehouse.jose.algorithms import (
    ALGORITHMS,
    AlgSpec,
    Signer,
    Verifier,
    make_signer,
    make_verifier,
)
from gatehouse.jose.b64 import b64url_decode, b64url_encode
from gatehouse.jose.strict_json import dumps_compact

__all__ = ["JWK", "MIN_RSA_BITS"]

MIN_RSA_BITS = 2048
_EC_SIZES = {"P-256": 32, "P-384": 48, "P-521": 66}
_PRIVATE_MEMBERS = {
    "EC": ("d",),
    "OKP": ("d",),
    "RSA": ("d", "p", "q", "dp", "dq", "qi", "oth"),
    "oct": ("k",),
}
# RFC 7638 §3.2: the required members, in lexicographic order.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
}
_GENERATE_DEFAULT_CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


# The ROCA detector (Nemec et al., CCS 2017; CVE-2017-15361): a vulnerable modulus is, modulo
# each of these primes, a power of 65537. A random modulus passes all 38 with negligible odds.
_ROCA_PRIMES = (
    3,
    5,
    7,
    11,
    13,
    17,
    19,
    23,
    29,
    31,
    37,
    41,
    43,
    47,
    53,
    59,
    61,
    67,
    71,
    73,
    79,
    83,
    89,
    97,
    101,
    103,
    107,
    109,
    113,
    127,
    131,
    137,
    139,
    149,
    151,
    157,
    163,
    167,
)


def _has_roca_fingerprint(n: int) -> bool:
    for p in _ROCA_PRIMES:
        residue, power = n % p, 1
        for _ in range(p):
            if power == residue:
                break
            power = power * 65537 % p
        else:
            return False
    return True


def _member_bytes(data: Mapping[str, Any], name: str) -> bytes:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidKeyError(f"JWK member {name!r} must be a base64url string")
    try:
        return b64url_decode(value)
    except ValueError:
        raise InvalidKeyError(f"JWK member {name!r} is not canonical base64url") from None


def _member_int(data: Mapping[str, Any], name: str) -> int:
    raw = _member_bytes(data, name)
    if not raw:
        raise InvalidKeyError(f"JWK member {name!r} is empty")
    return int.from_bytes(raw, "big")


def _int_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(size, "big"))


def _curve(crv: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    if crv == "P-256":
        return ec.SECP256R1()
    if crv == "P-384":
        return ec.SECP384R1()
    return ec.SECP521R1()


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
        self._verifiers: dict[str, Verifier] = {}
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
        if not isinstance(kty, str) or kty not in _PRIVATE_MEMBERS:
            raise InvalidKeyError("JWK kty must be one of EC, OKP, RSA, oct")
        has_private = any(m in data for m in _PRIVATE_MEMBERS[kty])
        if has_private and not private_allowed:
            raise InvalidKeyError("a public key set must not contain private key members")
        params = _common_params(data)
        if kty == "EC":
            return _import_ec(data, has_private, params)
        if kty == "OKP":
            return _import_okp(data, has_private, params)
        if kty == "RSA":
            return _import_rsa(data, has_private, params)
        return _import_oct(data, params)

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
        return _import_oct(
            {"kty": "oct", "k": b64url_encode(secret), "alg": alg}, _params(kid, alg)
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

            key = ec.generate_private_key(_curve(_GENERATE_DEFAULT_CRV[alg]))
        else:
            if rsa_bits < MIN_RSA_BITS:
                raise InvalidKeyError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        return cls.from_crypto_key(key, alg=alg, kid=kid)

    @classmethod
    def from_crypto_key(cls, key: Any, *, alg: str, kid: str | None = None) -> JWK:
        """Wrap a ``cryptography`` key object (or HMAC bytes); kid defaults to the thumbprint."""
        data = _export(key)
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

    def verifier(self, alg: str) -> Verifier:
        """The signature check for ``alg`` with this key; refuses a key that does not fit."""
        fn = self._verifiers.get(alg)
        if fn is None:
            if not self.fits(alg, "verify"):
                raise InvalidKeyError(f"this key may not verify {alg}")
            key = (
                self._key if self.kty == "oct" or self._private is None else self._key.public_key()
            )
            fn = self._verifiers[alg] = make_verifier(ALGORITHMS[alg], key)
        return fn

    def signer(self, alg: str) -> Signer:
        """The signing function for ``alg`` with this (private) key."""
        fn = self._signers.get(alg)
        if fn is None:
            if not self.fits(alg, "sign"):
                raise InvalidKeyError(f"this key may not sign {alg}")
            fn = self._signers[alg] = make_signer(ALGORITHMS[alg], self._key)
        return fn

    def __repr__(self) -> str:
        # Never key material: kid, type and whether it is private.
        kind = "private" if self.is_private else "public"
        return f"<JWK {self.kty} {self.crv or ''} alg={self.alg} kid={self.kid!r} {kind}>"


# --- import helpers -------------------------------------------------------------------


def _params(kid: str | None, alg: str | None) -> dict[str, Any]:
    return {"kid": kid, "alg": alg, "use": "sig", "key_ops": None}


def _common_params(data: Mapping[str, Any]) -> dict[str, Any]:
    kid, alg, use, ops = data.get("kid"), data.get("alg"), data.get("use"), data.get("key_ops")
    if kid is not None and not isinstance(kid, str):
        raise InvalidKeyError("JWK kid must be a string")
    if alg is not None and not isinstance(alg, str):
        raise InvalidKeyError("JWK alg must be a string")
    if use is not None and not isinstance(use, str):
        raise InvalidKeyError("JWK use must be a string")
    key_ops: frozenset[str] | None = None
    if ops is not None:
        # RFC 7517 §4.3: an array of unique strings.
        if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
            raise InvalidKeyError("JWK key_ops must be an array of strings")
        if len(set(ops)) != len(ops):
            raise InvalidKeyError("JWK key_ops must not repeat a value")
        key_ops = frozenset(ops)
    return {"kid": kid, "alg": alg, "use": use, "key_ops": key_ops}


def _import_ec(data: Mapping[str, Any], has_private: bool, params: dict[str, Any]) -> JWK:
    from cryptography.hazmat.primitives.asymmetric import ec

    crv = data.get("crv")
    if not isinstance(crv, str) or crv not in _EC_SIZES:
        raise InvalidKeyError("EC JWK crv must be P-256, P-384 or P-521")
    size = _EC_SIZES[crv]
    x, y = _member_bytes(data, "x"), _member_bytes(data, "y")
    # RFC 7518 §6.2.1.2: coordinates are the full size of the field, no more, no less.
    if len(x) != size or len(y) != size:
        raise InvalidKeyError("EC JWK coordinates have the wrong length for the curve")
    curve = _curve(crv)
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
    except ValueError:
        raise InvalidKeyError("EC JWK point is not on the curve") from None
    members = {"crv": crv, "x": data["x"], "y": data["y"]}
    key: Any = public
    private = None
    if has_private:
        d = _member_bytes(data, "d")
        if len(d) != size:
            raise InvalidKeyError("EC JWK d has the wrong length for the curve")
        try:
            key = ec.derive_private_key(int.from_bytes(d, "big"), curve)
        except ValueError:
            raise InvalidKeyError("EC JWK d is out of range") from None
        if key.public_key().public_numbers() != public.public_numbers():
            raise InvalidKeyError("EC JWK d does not match x and y")
        private = {"d": data["d"]}
    return JWK(kty="EC", key=key, members=members, private=private, crv=crv, **params)


def _import_okp(data: Mapping[str, Any], has_private: bool, params: dict[str, Any]) -> JWK:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    if data.get("crv") != "Ed25519":
        raise InvalidKeyError("OKP JWK crv must be Ed25519 for signatures")
    x = _member_bytes(data, "x")
    if len(x) != 32:
        raise InvalidKeyError("Ed25519 JWK x must be 32 bytes")
    try:
        key: Any = ed25519.Ed25519PublicKey.from_public_bytes(x)
    except ValueError:
        raise InvalidKeyError("Ed25519 JWK x is not a valid public key") from None
    private = None
    if has_private:
        d = _member_bytes(data, "d")
        if len(d) != 32:
            raise InvalidKeyError("Ed25519 JWK d must be 32 bytes")
        key = ed25519.Ed25519PrivateKey.from_private_bytes(d)
        derived = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if derived != x:
            raise InvalidKeyError("Ed25519 JWK d does not match x")
        private = {"d": data["d"]}
    members = {"crv": "Ed25519", "x": data["x"]}
    return JWK(kty="OKP", key=key, members=members, private=private, crv="Ed25519", **params)


def _import_rsa(data: Mapping[str, Any], has_private: bool, params: dict[str, Any]) -> JWK:
    from cryptography.hazmat.primitives.asymmetric import rsa

    n, e = _member_int(data, "n"), _member_int(data, "e")
    if n.bit_length() < MIN_RSA_BITS:
        raise InvalidKeyError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
    if _has_roca_fingerprint(n):
        raise InvalidKeyError("RSA key has the ROCA fingerprint (CVE-2017-15361)")
    numbers = rsa.RSAPublicNumbers(e, n)
    members = {"n": _int_b64(n), "e": _int_b64(e)}
    private = None
    try:
        key: Any = numbers.public_key()
        if has_private:
            if "oth" in data:
                raise InvalidKeyError("multi-prime RSA keys (oth) are not supported")
            d = _member_int(data, "d")
            if all(m in data for m in ("p", "q", "dp", "dq", "qi")):
                p, q = _member_int(data, "p"), _member_int(data, "q")
                dp, dq, qi = (
                    _member_int(data, "dp"),
                    _member_int(data, "dq"),
                    _member_int(data, "qi"),
                )
            else:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
                dp, dq, qi = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
            key = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, numbers).private_key()
            private = {
                "d": _int_b64(d),
                "p": _int_b64(p),
                "q": _int_b64(q),
                "dp": _int_b64(dp),
                "dq": _int_b64(dq),
                "qi": _int_b64(qi),
            }
    except ValueError:
        raise InvalidKeyError("RSA JWK parameters are inconsistent or invalid") from None
    return JWK(kty="RSA", key=key, members=members, private=private, **params)


def _import_oct(data: Mapping[str, Any], params: dict[str, Any]) -> JWK:
    k = _member_bytes(data, "k")
    if not k:
        raise InvalidKeyError("oct JWK k must not be empty")
    return JWK(kty="oct", key=k, members={}, private={"k": data["k"]}, **params)


def _export(key: Any) -> dict[str, Any]:
    """JWK members of a ``cryptography`` key object (or HMAC secret bytes)."""
    if isinstance(key, bytes | bytearray):
        return {"kty": "oct", "k": b64url_encode(bytes(key))}
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        pub = key.public_key() if isinstance(key, ed25519.Ed25519PrivateKey) else key
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        out = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        if isinstance(key, ed25519.Ed25519PrivateKey):
            d = key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            out["d"] = b64url_encode(d)
        return out
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(key.curve.name)
        if crv is None:
            raise InvalidKeyError("unsupported EC curve")
        size = _EC_SIZES[crv]
        pn = (
            key.public_key().public_numbers()
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else key.public_numbers()
        )
        out = {"kty": "EC", "crv": crv, "x": _int_b64(pn.x, size), "y": _int_b64(pn.y, size)}
        if isinstance(key, ec.EllipticCurvePrivateKey):
            out["d"] = _int_b64(key.private_numbers().private_value, size)
        return out
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        rn = (
            key.public_key().public_numbers()
            if isinstance(key, rsa.RSAPrivateKey)
            else key.public_numbers()
        )
        out = {"kty": "RSA", "n": _int_b64(rn.n), "e": _int_b64(rn.e)}
        if isinstance(key, rsa.RSAPrivateKey):
            pv = key.private_numbers()
            out.update(
                d=_int_b64(pv.d),
                p=_int_b64(pv.p),
                q=_int_b64(pv.q),
                dp=_int_b64(pv.dmp1),
                dq=_int_b64(pv.dmq1),
                qi=_int_b64(pv.iqmp),
            )
        return out
    raise InvalidKeyError("unsupported key type")
