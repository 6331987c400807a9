"""The ``ec.ECDSA`` parameter object, built cheaply only where that is proven to work.

``ec.ECDSA(hash)`` imports ``cryptography.hazmat.backends.openssl.backend`` (about 15 ms
of cold start) only to check support for deterministic signing, which neither verification
nor gatehouse's (randomised) signing asks for. ``ecdsa_shortcut`` builds the same object
without the constructor, by writing the two attributes the installed ``cryptography``
keeps. Those are private, so a future release may store them differently: the shortcut is
used only after it has proven itself on this installation (``proven``): the object it
builds must verify the RFC 7515 Appendix A.3 ES256 example and refuse the same signature
over a changed input. Any failure, of any kind, means the public constructor is used
instead, so a changed ``cryptography`` costs cold-start time, never a refused token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ECDSABuilder", "ecdsa_algorithm", "ecdsa_constructor", "ecdsa_shortcut", "proven"]

ECDSABuilder = Callable[[Any], Any]
"""``build(hash_algorithm) -> ec.ECDSA``."""

# RFC 7515 Appendix A.3: the P-256 public key, the JWS signing input and its R || S signature.
_A3_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
_A3_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
_A3_SIGNING_INPUT = (
    b"eyJhbGciOiJFUzI1NiJ9"
    b".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
)
_A3_SIGNATURE = (
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)


def ecdsa_constructor(hash_alg: Any) -> Any:
    """The public constructor: always right, slower on the first call of a process."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.ECDSA(hash_alg)


def ecdsa_shortcut(hash_alg: Any) -> Any:
    """``ec.ECDSA(hash_alg)`` built without its constructor; raises if the result is not it."""
    from cryptography.hazmat.primitives.asymmetric import ec

    algorithm = object.__new__(ec.ECDSA)
    algorithm._algorithm = hash_alg
    algorithm._deterministic_signing = False
    if algorithm.algorithm is not hash_alg or algorithm.deterministic_signing is not False:
        raise TypeError("ec.ECDSA no longer keeps its parameters where the shortcut writes them")
    return algorithm


def _passes_a3(builder: ECDSABuilder) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from gatehouse.jose.b64 import b64url_decode

    point = b"\x04" + b64url_decode(_A3_X) + b64url_decode(_A3_Y)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    raw = b64url_decode(_A3_SIGNATURE)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    algorithm = builder(hashes.SHA256())
    public.verify(der, _A3_SIGNING_INPUT, algorithm)  # raises unless the object is sound
    try:
        public.verify(der, _A3_SIGNING_INPUT + b".", algorithm)
    except InvalidSignature:
        return True
    return False  # accepted a signature over other bytes: never use it


def proven(builder: ECDSABuilder) -> ECDSABuilder:
    """``builder`` if it passes the RFC 7515 A.3 proof here, else ``ecdsa_constructor``."""
    try:
        sound = _passes_a3(builder)
    except Exception:  # any failure at all means: do not use the shortcut
        sound = False
    return builder if sound else ecdsa_constructor


_chosen: list[ECDSABuilder] = []  # the proof's verdict: depends only on the installed package


def ecdsa_algorithm(hash_alg: Any) -> Any:
    """The ECDSA parameter object for ``hash_alg``, built the cheapest way proven to work.

    The proof runs once per process, at the first ES* key built (two P-256 verifications);
    two threads racing to it reach the same verdict.
    """
    if not _chosen:
        _chosen.append(proven(ecdsa_shortcut))
    return _chosen[0](hash_alg)
