"""The JWS algorithms gatehouse knows (RFC 7518 §3, RFC 8037 §3.1, RFC 9864 §2).

Each algorithm is bound to exactly one key type (and curve), so a key can never be
used with an algorithm of another family: the RS256-key-as-HS256-secret confusion
(RFC 8725 §2.1) cannot be expressed. ``none`` is not here and cannot be added: the
table is a read-only mapping of immutable specs, and no spec may be named ``none``.

Signature code is built per key and cached by the key, and ``cryptography`` modules
are imported only when a key of that type is first used: a verifier that only ever
sees ES256 never imports RSA or Ed25519 code (cold start).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from gatehouse.jose.ecdsa import ECDSABuilder, ecdsa_algorithm, ecdsa_constructor

__all__ = [
    "ALGORITHMS",
    "HMAC_ALGORITHMS",
    "AlgSpec",
    "SignatureCheck",
    "Signer",
    "make_signer",
    "make_verifier",
]

SignatureCheck = Callable[[bytes, bytes], bool]
"""``check(signature, signing_input) -> bool``: True only for a valid signature."""
Signer = Callable[[bytes], bytes]


class AlgSpec:
    """What an algorithm needs from a key, and how long its signature is; immutable."""

    __slots__ = ("crv", "family", "hash", "kty", "min_key_bytes", "name", "sig_len")

    name: str
    family: str
    kty: str
    crv: str | None
    hash: str | None
    sig_len: int | None
    min_key_bytes: int

    def __init__(
        self,
        name: str,
        family: str,
        kty: str,
        *,
        crv: str | None = None,
        hash: str | None = None,
        sig_len: int | None = None,
        min_key_bytes: int = 0,
    ) -> None:
        if name.lower() == "none":
            # RFC 7518 §3.6 / RFC 8725 §3.1: an unsecured JWS is never a signature algorithm.
            raise ValueError("'none' is not a signature algorithm")
        for slot, value in (
            ("name", name),
            ("family", family),
            ("kty", kty),
            ("crv", crv),
            ("hash", hash),
            ("sig_len", sig_len),
            ("min_key_bytes", min_key_bytes),
        ):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("an AlgSpec is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("an AlgSpec is immutable")

    def __repr__(self) -> str:
        return f"<AlgSpec {self.name}>"


ALGORITHMS: Mapping[str, AlgSpec] = MappingProxyType(
    {
        # RFC 8037 §3.1 (EdDSA) and RFC 9864 §2 (its fully specified name, Ed25519).
        "EdDSA": AlgSpec("EdDSA", "EdDSA", "OKP", crv="Ed25519", sig_len=64),
        "Ed25519": AlgSpec("Ed25519", "EdDSA", "OKP", crv="Ed25519", sig_len=64),
        # RFC 7518 §3.4: R || S, each exactly the coordinate size.
        "ES256": AlgSpec("ES256", "EC", "EC", crv="P-256", hash="sha256", sig_len=64),
        "ES384": AlgSpec("ES384", "EC", "EC", crv="P-384", hash="sha384", sig_len=96),
        "ES512": AlgSpec("ES512", "EC", "EC", crv="P-521", hash="sha512", sig_len=132),
        # RFC 7518 §3.3 and §3.5.
        "RS256": AlgSpec("RS256", "RSA", "RSA", hash="sha256"),
        "RS384": AlgSpec("RS384", "RSA", "RSA", hash="sha384"),
        "RS512": AlgSpec("RS512", "RSA", "RSA", hash="sha512"),
        "PS256": AlgSpec("PS256", "PSS", "RSA", hash="sha256"),
        "PS384": AlgSpec("PS384", "PSS", "RSA", hash="sha384"),
        "PS512": AlgSpec("PS512", "PSS", "RSA", hash="sha512"),
        # RFC 7518 §3.2: a key of at least the hash size.
        "HS256": AlgSpec("HS256", "HMAC", "oct", hash="sha256", sig_len=32, min_key_bytes=32),
        "HS384": AlgSpec("HS384", "HMAC", "oct", hash="sha384", sig_len=48, min_key_bytes=48),
        "HS512": AlgSpec("HS512", "HMAC", "oct", hash="sha512", sig_len=64, min_key_bytes=64),
    }
)

HMAC_ALGORITHMS = frozenset(name for name, s in ALGORITHMS.items() if s.family == "HMAC")


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    if name == "sha256":
        return hashes.SHA256()
    if name == "sha384":
        return hashes.SHA384()
    return hashes.SHA512()


def _ecdsa_for(hash_alg: Any, builder: ECDSABuilder | None) -> Any:
    """The ECDSA parameter object from ``builder`` (default: the proven cheapest one).

    Whatever goes wrong in a builder, raising or building an object for another hash, the
    public constructor answers instead: a key's check must never depend on a private detail.
    """
    try:
        algorithm = (builder or ecdsa_algorithm)(hash_alg)
    except Exception:  # see the docstring: any failure falls back
        return ecdsa_constructor(hash_alg)
    if getattr(algorithm, "algorithm", None) is not hash_alg:
        return ecdsa_constructor(hash_alg)
    return algorithm


def make_verifier(spec: AlgSpec, key: Any, *, ecdsa: ECDSABuilder | None = None) -> SignatureCheck:
    """A fast ``check(signature, signing_input)`` for this algorithm and key.

    ``ecdsa`` builds the ``ec.ECDSA`` parameter object for ES* keys; by default the cheapest
    way proven on this installation (``gatehouse.jose.ecdsa``).
    """
    from cryptography.exceptions import InvalidSignature

    if spec.family == "HMAC":
        from cryptography.hazmat.primitives import hmac

        # Key the HMAC once; each token copies the keyed state. This skips the digest
        # lookup and the ipad/opad hashing per token (a third of the cost of a fresh HMAC).
        keyed = hmac.HMAC(key, _hash(spec.hash or ""))

        def verify_hmac(signature: bytes, data: bytes) -> bool:
            mac = keyed.copy()
            mac.update(data)
            try:
                mac.verify(signature)  # constant-time comparison (RFC 7518 §3.2)
            except InvalidSignature:
                return False
            return True

        return verify_hmac

    if spec.family == "EdDSA":
        ed_verify = key.verify

        def verify_eddsa(signature: bytes, data: bytes) -> bool:
            if len(signature) != 64:
                return False
            try:
                ed_verify(signature, data)
            except InvalidSignature:
                return False
            return True

        return verify_eddsa

    if spec.family == "EC":
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        ec_verify = key.verify
        algorithm = _ecdsa_for(_hash(spec.hash or ""), ecdsa)
        sig_len = spec.sig_len or 0
        half = sig_len // 2
        from_bytes = int.from_bytes

        def verify_ecdsa(signature: bytes, data: bytes) -> bool:
            # RFC 7518 §3.4: exactly R || S, fixed length; never DER, never trimmed.
            if len(signature) != sig_len:
                return False
            der = encode_dss_signature(
                from_bytes(signature[:half], "big"), from_bytes(signature[half:], "big")
            )
            try:
                ec_verify(der, data, algorithm)
            except InvalidSignature:
                return False
            return True

        return verify_ecdsa

    from cryptography.hazmat.primitives.asymmetric import padding

    rsa_verify = key.verify
    hash_alg = _hash(spec.hash or "")
    pad: Any
    if spec.family == "PSS":
        # RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
        pad = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
    else:
        pad = padding.PKCS1v15()
    modulus_bytes = (key.key_size + 7) // 8

    def verify_rsa(signature: bytes, data: bytes) -> bool:
        if len(signature) != modulus_bytes:
            return False
        try:
            rsa_verify(signature, data, pad, hash_alg)
        except InvalidSignature:
            return False
        return True

    return verify_rsa


def make_signer(spec: AlgSpec, key: Any) -> Signer:
    """``sign(signing_input) -> signature`` in the JWS encoding of this algorithm."""
    if spec.family == "HMAC":
        from cryptography.hazmat.primitives import hmac

        keyed = hmac.HMAC(key, _hash(spec.hash or ""))

        def sign_hmac(data: bytes) -> bytes:
            mac = keyed.copy()
            mac.update(data)
            return mac.finalize()

        return sign_hmac

    if spec.family == "EdDSA":
        ed_sign: Signer = key.sign
        return ed_sign

    if spec.family == "EC":
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        # Randomised ECDSA (RFC 7518 §3.4 does not ask for RFC 6979): the same parameter
        # object verification uses, built without the constructor's backend import once
        # proven (jose.ecdsa): the token service's first signature on Lambda is ~4 ms cheaper.
        algorithm = ecdsa_algorithm(_hash(spec.hash or ""))
        half = (spec.sig_len or 0) // 2
        ec_sign = key.sign

        def sign_ecdsa(data: bytes) -> bytes:
            r, s = decode_dss_signature(ec_sign(data, algorithm))
            return r.to_bytes(half, "big") + s.to_bytes(half, "big")

        return sign_ecdsa

    from cryptography.hazmat.primitives.asymmetric import padding

    hash_alg = _hash(spec.hash or "")
    pad: Any
    if spec.family == "PSS":
        pad = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
    else:
        pad = padding.PKCS1v15()
    rsa_sign = key.sign
    return lambda data: rsa_sign(data, pad, hash_alg)
