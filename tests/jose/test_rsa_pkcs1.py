"""RS256/384/512 checks agree with ``cryptography``'s own ``verify`` on every crafted encoding
(RFC 8017 §8.2.2): right, wrong DigestInfo, bad padding, out of range. The check *is* that
``verify`` today; this differential test stands guard over any future shortcut."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gatehouse.jose import JWK
from gatehouse.jose.algorithms import ALGORITHMS, make_verifier

DATA = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"
_HASHES = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}
# RFC 8017 §9.2 Note 1, with NULL parameters; and the same without them (absent parameters),
# and SHA-1's, which a verifier must not take for SHA-256's.
_NULL_PARAMS = {
    "RS256": "3031300d060960864801650304020105000420",
    "RS384": "3041300d060960864801650304020205000430",
    "RS512": "3051300d060960864801650304020305000440",
}
_NO_PARAMS_SHA256 = "302f300b0609608648016503040201" + "0420"
_SHA1 = "3021300906052b0e03021a05000414"


@pytest.fixture(scope="module")
def private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _raw_sign(private: rsa.RSAPrivateKey, em: bytes) -> bytes:
    """The RSA signature primitive (RSASP1) over an encoded message of our own making."""
    numbers = private.private_numbers()
    n = numbers.public_numbers.n
    k = (n.bit_length() + 7) // 8
    return pow(int.from_bytes(em, "big"), numbers.d, n).to_bytes(k, "big")


def _em(k: int, t: bytes, *, ps: bytes | None = None, head: bytes = b"\x00\x01") -> bytes:
    """EMSA-PKCS1-v1_5: head || PS || 00 || T, PS of FF filling to k bytes unless given."""
    if ps is None:
        ps = b"\xff" * (k - len(head) - 1 - len(t))
    return head + ps + b"\x00" + t


def _digest(alg: str, data: bytes = DATA) -> bytes:
    return hashlib.new(alg.replace("RS", "sha"), data).digest()


def _cases(alg: str, k: int) -> dict[str, Callable[[rsa.RSAPrivateKey], bytes]]:
    t = bytes.fromhex(_NULL_PARAMS[alg]) + _digest(alg)
    return {
        "valid": lambda key: _raw_sign(key, _em(k, t)),
        "other data": lambda key: _raw_sign(
            key, _em(k, bytes.fromhex(_NULL_PARAMS[alg]) + _digest(alg, b"x"))
        ),
        "digest info without NULL": lambda key: _raw_sign(
            key, _em(k, bytes.fromhex(_NO_PARAMS_SHA256) + _digest("RS256"))
        ),
        "SHA-1 digest info": lambda key: _raw_sign(
            key, _em(k, bytes.fromhex(_SHA1) + hashlib.sha1(DATA).digest())
        ),
        "bare digest": lambda key: _raw_sign(key, _em(k, _digest(alg))),
        "trailing byte": lambda key: _raw_sign(key, _em(k, t + b"\x00")),
        "a padding byte FE": lambda key: _raw_sign(
            key, _em(k, t, ps=b"\xff" * 20 + b"\xfe" + b"\xff" * (k - 3 - len(t) - 21))
        ),
        "padding shorter than 8": lambda key: _raw_sign(
            key, _em(k, b"\x01" * (k - 3 - 7 - len(t)) + t, ps=b"\xff" * 7)
        ),
        "block type 2": lambda key: _raw_sign(key, _em(k, t, head=b"\x00\x02")),
        "no leading zero": lambda key: _raw_sign(key, b"\x01" + _em(k, t)[2:] + b"\xff"),
        "s = 0": lambda key: bytes(k),
        "s = 1": lambda key: (1).to_bytes(k, "big"),
        "s = n": lambda key: key.public_key().public_numbers().n.to_bytes(k, "big"),
        "s = n + 1": lambda key: (key.public_key().public_numbers().n + 1).to_bytes(k, "big"),
        "s = n - 1": lambda key: (key.public_key().public_numbers().n - 1).to_bytes(k, "big"),
        "all FF": lambda key: b"\xff" * k,
        "one byte short": lambda key: _raw_sign(key, _em(k, t))[1:],
        "one byte long": lambda key: b"\x00" + _raw_sign(key, _em(k, t)),
    }


def _reference(private: rsa.RSAPrivateKey, alg: str, signature: bytes) -> bool:
    try:
        private.public_key().verify(signature, DATA, padding.PKCS1v15(), _HASHES[alg])
    except (InvalidSignature, ValueError):
        return False
    return True


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
@pytest.mark.parametrize("case", list(_cases("RS256", 256)))
def test_agrees_with_cryptography_verify(private: rsa.RSAPrivateKey, alg: str, case: str) -> None:
    """Accept exactly what RSAPublicKey.verify accepts; only the valid encoding passes."""
    signature = _cases(alg, 256)[case](private)
    check = make_verifier(ALGORITHMS[alg], private.public_key())
    assert check(signature, DATA) is _reference(private, alg, signature)
    assert check(signature, DATA) is (case == "valid")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_jwk_round_trip(alg: str) -> None:
    """A signature made by the JWK signer verifies, and any flipped bit does not."""
    key = JWK.generate(alg)
    check = key.public().verifier(alg)
    signature = key.signer(alg)(DATA)
    assert check(signature, DATA)
    for i in range(0, len(signature) * 8, 97):
        flipped = bytearray(signature)
        flipped[i // 8] ^= 1 << (i % 8)
        assert not check(bytes(flipped), DATA)
    assert not check(signature, DATA + b".")
