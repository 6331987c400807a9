"""Importing key material into JWK form (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).

Each importer turns the members of one key type into a validated ``cryptography`` key
plus the public and private members the ``JWK`` keeps, and refuses weak or inconsistent
material here, at the door: RSA under 2048 bits or with the ROCA fingerprint, coordinates
of the wrong length or off the curve, private members that do not match the public ones.
``export_members`` is the way back in: a ``cryptography`` key object as JWK members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.errors import InvalidKeyError
from gatehouse.jose.b64 import b64url_decode, b64url_encode

__all__ = [
    "EC_SIZES",
    "MIN_RSA_BITS",
    "PRIVATE_MEMBERS",
    "KeyMaterial",
    "common_params",
    "curve",
    "export_members",
    "import_material",
]

MIN_RSA_BITS = 2048
EC_SIZES = {"P-256": 32, "P-384": 48, "P-521": 66}
PRIVATE_MEMBERS = {
    "EC": ("d",),
    "OKP": ("d",),
    "RSA": ("d", "p", "q", "dp", "dq", "qi", "oth"),
    "oct": ("k",),
}


class KeyMaterial:
    """What an importer hands the ``JWK``: the key object and the members it came from.

    A plain slotted class, not a ``NamedTuple``: that one is built with ``exec`` when this
    module is imported, ~3 ms of every cold start that verifies a token (issue 15 §2)."""

    __slots__ = ("crv", "key", "kty", "members", "private")

    def __init__(
        self,
        kty: str,
        key: Any,
        members: dict[str, str],
        private: dict[str, str] | None,
        crv: str | None = None,
    ) -> None:
        self.kty = kty
        self.key = key
        self.members = members
        self.private = private
        self.crv = crv


def import_material(data: Mapping[str, Any], has_private: bool) -> KeyMaterial:
    """The validated key of ``data`` (its ``kty`` already checked against PRIVATE_MEMBERS)."""
    kty = data["kty"]
    if kty == "EC":
        return _import_ec(data, has_private)
    if kty == "OKP":
        return _import_okp(data, has_private)
    if kty == "RSA":
        return _import_rsa(data, has_private)
    return _import_oct(data)


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


def curve(crv: str) -> Any:
    """The ``cryptography`` curve object for a JWK ``crv`` name (RFC 7518 §6.2.1.1)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if crv == "P-256":
        return ec.SECP256R1()
    if crv == "P-384":
        return ec.SECP384R1()
    return ec.SECP521R1()


def common_params(data: Mapping[str, Any]) -> dict[str, Any]:
    """``kid``, ``alg``, ``use`` and ``key_ops`` with their RFC 7517 §4 types checked."""
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


def _import_ec(data: Mapping[str, Any], has_private: bool) -> KeyMaterial:
    from cryptography.hazmat.primitives.asymmetric import ec

    crv = data.get("crv")
    if not isinstance(crv, str) or crv not in EC_SIZES:
        raise InvalidKeyError("EC JWK crv must be P-256, P-384 or P-521")
    size = EC_SIZES[crv]
    x, y = _member_bytes(data, "x"), _member_bytes(data, "y")
    # RFC 7518 §6.2.1.2: coordinates are the full size of the field, no more, no less.
    if len(x) != size or len(y) != size:
        raise InvalidKeyError("EC JWK coordinates have the wrong length for the curve")
    ec_curve = curve(crv)
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve, b"\x04" + x + y)
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
            key = ec.derive_private_key(int.from_bytes(d, "big"), ec_curve)
        except ValueError:
            raise InvalidKeyError("EC JWK d is out of range") from None
        if key.public_key().public_numbers() != public.public_numbers():
            raise InvalidKeyError("EC JWK d does not match x and y")
        private = {"d": data["d"]}
    return KeyMaterial("EC", key, members, private, crv)


def _import_okp(data: Mapping[str, Any], has_private: bool) -> KeyMaterial:
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
    return KeyMaterial("OKP", key, members, private, "Ed25519")


def _import_rsa(data: Mapping[str, Any], has_private: bool) -> KeyMaterial:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from gatehouse.jose.roca import has_roca_fingerprint  # RSA keys only: not an ES256 cold start

    n, e = _member_int(data, "n"), _member_int(data, "e")
    if n.bit_length() < MIN_RSA_BITS:
        raise InvalidKeyError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
    if has_roca_fingerprint(n):
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
    return KeyMaterial("RSA", key, members, private)


def _import_oct(data: Mapping[str, Any]) -> KeyMaterial:
    k = _member_bytes(data, "k")
    if not k:
        raise InvalidKeyError("oct JWK k must not be empty")
    return KeyMaterial("oct", k, {}, {"k": data["k"]})


def export_members(key: Any) -> dict[str, Any]:
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
        size = EC_SIZES[crv]
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
