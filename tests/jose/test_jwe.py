"""JWE compact: the rules beyond the vectors, each pinned by a small test.

Allow-lists, the always-refused algorithms, ``zip``/``crit``, key binding both ways,
the invalid-curve and small-order defences, sizes, the Concat KDF example of RFC 7518
Appendix C, and properties: any changed character of any of the five segments, and any
string at all, ends in the one ``DecryptionError``, quickly.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse.errors import ConfigurationError, DecryptionError, InvalidKeyError
from gatehouse.jose import JWK
from gatehouse.jose.b64 import ALPHABET, b64url_decode, b64url_encode
from gatehouse.jose.concat_kdf import concat_kdf
from gatehouse.jose.jwe import decrypt_compact, encrypt_compact, encrypt_from_parts
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT, allow_lists
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.strict_json import dumps_compact

ALGS = frozenset(KEY_MANAGEMENT)
P256 = EncryptionKey.generate("ECDH-ES+A256KW", crv="P-256", kid="p256")
P384 = EncryptionKey.generate("ECDH-ES+A256KW", crv="P-384", kid="p384")
X25519 = EncryptionKey.generate("ECDH-ES", crv="X25519", kid="x")
KW = EncryptionKey.generate("A128KW", kid="kw")
PLAIN = b'{"sub":"alice"}'


def _decrypt(token: str, *keys: EncryptionKey, **kw: Any) -> bytes:
    return decrypt_compact(token, keys, algorithms=ALGS, encryptions=ENCRYPTIONS, **kw).plaintext


def _header(token: str) -> dict[str, Any]:
    import json

    parsed: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return parsed


def _with_header(token: str, header: dict[str, Any]) -> str:
    return ".".join([b64url_encode(dumps_compact(header)), *token.split(".")[1:]])


def test_round_trip_carries_header_members() -> None:
    """Encrypt then decrypt gives back the plaintext, cty and the key that opened it."""
    token = encrypt_compact(
        PLAIN, P256.public(), alg="ECDH-ES+A256KW", enc="A256GCM", header={"cty": "JWT"}
    )
    out = decrypt_compact(token, [KW, P256], algorithms=ALGS, encryptions=ENCRYPTIONS)
    assert (out.plaintext, out.header["cty"], out.key.kid) == (PLAIN, "JWT", "p256")


@pytest.mark.parametrize(("alg", "enc"), [("ECDH-ES+A256KW", "A256GCM"), ("A128KW", "A128GCM")])
def test_allow_lists_are_the_callers(alg: str, enc: str) -> None:
    """A token whose alg or enc is not on the caller's allow-lists is refused."""
    key = P256 if alg.startswith("ECDH") else KW
    token = encrypt_compact(PLAIN, key, alg=alg, enc=enc)
    others = ALGS - {alg}
    with pytest.raises(DecryptionError):
        decrypt_compact(token, [key], algorithms=others, encryptions=ENCRYPTIONS)
    with pytest.raises(DecryptionError):
        decrypt_compact(token, [key], algorithms=ALGS, encryptions=ENCRYPTIONS - {enc})


@pytest.mark.parametrize("alg", ["none", "RSA1_5", "PBES2-HS256+A128KW", "RSA-OAEP", "A192KW"])
def test_allow_lists_refuse_banned_and_unknown(alg: str) -> None:
    """Configuring RSA1_5, PBES2, none or an unimplemented alg is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        allow_lists([alg], ["A256GCM"])


def test_allow_lists_must_not_be_empty() -> None:
    """An empty alg or enc allow-list is a configuration error, not "allow everything"."""
    with pytest.raises(ConfigurationError):
        allow_lists([], ["A256GCM"])
    with pytest.raises(ConfigurationError):
        allow_lists(["dir"], [])


@pytest.mark.parametrize("member", [{"zip": "DEF"}, {"crit": ["exp"], "exp": 1}])
def test_zip_and_crit_are_refused(member: dict[str, Any]) -> None:
    """A correctly encrypted token with zip or crit in its protected header is refused."""
    token = _reencrypt_with({"alg": "A128KW", "enc": "A128GCM", **member})
    with pytest.raises(DecryptionError):
        _decrypt(token, KW)


def test_we_never_emit_zip() -> None:
    """Asking the encrypter for a zip header is refused: we neither make nor read it."""
    with pytest.raises(InvalidKeyError):
        encrypt_from_parts(PLAIN, KW, {"alg": "A128KW", "enc": "A128GCM", "zip": "DEF"}, bytes(12))


def _reencrypt_with(protected: dict[str, Any]) -> str:
    from gatehouse.jose.jwe_content import encrypt_content
    from gatehouse.jose.jwe_keys import encrypt_cek

    cek, ek = encrypt_cek(KW, "A128KW", "A128GCM", protected, lambda n: b"\1" * n)
    h = b64url_encode(dumps_compact(protected))
    ct, tag = encrypt_content("A128GCM", cek, b"\0" * 12, PLAIN, h.encode())
    return ".".join(
        [h, b64url_encode(ek), b64url_encode(b"\0" * 12), b64url_encode(ct), b64url_encode(tag)]
    )


def test_signing_key_never_decrypts() -> None:
    """use: sig, a JWS alg, or no declaration at all: not an encryption key."""
    ec = JWK.generate("ES256").to_dict(private=True)
    with pytest.raises(InvalidKeyError):
        EncryptionKey(ec, private_allowed=True)  # use: sig, alg: ES256
    with pytest.raises(InvalidKeyError):
        EncryptionKey({**ec, "use": None, "alg": None}, private_allowed=True)
    with pytest.raises(InvalidKeyError):
        EncryptionKey({**ec, "use": "enc", "alg": "ES256"}, private_allowed=True)


def test_encryption_key_never_verifies() -> None:
    """The signing JWK refuses to verify with a key marked use: enc or decrypt-only key_ops."""
    data = P256.to_dict(private=True)
    for variant in (
        {**data, "alg": None},
        {**data, "alg": None, "use": None, "key_ops": ["decrypt"]},
    ):
        jwk = JWK.from_dict(
            {k: v for k, v in variant.items() if v is not None}, private_allowed=True
        )
        assert not jwk.fits("ES256", "verify")
        with pytest.raises(InvalidKeyError):
            jwk.verifier("ES256")


def test_key_ops_bind_the_direction() -> None:
    """A key whose key_ops only encrypt cannot decrypt, and the reverse."""
    data = {**P256.to_dict(private=True), "use": None}
    enc_only = EncryptionKey({**data, "key_ops": ["wrapKey"]}, private_allowed=True)
    dec_only = EncryptionKey({**data, "key_ops": ["unwrapKey"]}, private_allowed=True)
    token = encrypt_compact(PLAIN, enc_only, alg="ECDH-ES+A256KW", enc="A256GCM")
    with pytest.raises(DecryptionError):
        _decrypt(token, enc_only)
    assert _decrypt(token, dec_only) == PLAIN
    with pytest.raises(InvalidKeyError):
        encrypt_compact(
            PLAIN,
            EncryptionKey({**data, "key_ops": ["decrypt"]}, private_allowed=True),
            alg="ECDH-ES",
            enc="A256GCM",
        )


def test_epk_on_another_curve_is_refused() -> None:
    """An epk from P-384 sent to a P-256 key, or a point moved off the curve, is refused."""
    token = encrypt_compact(PLAIN, P256, alg="ECDH-ES+A256KW", enc="A256GCM")
    header = _header(token)
    other = encrypt_compact(PLAIN, P384, alg="ECDH-ES+A256KW", enc="A256GCM")
    for epk in (
        _header(other)["epk"],
        {**header["epk"], "y": header["epk"]["x"]},
        {**header["epk"], "d": header["epk"]["x"]},
    ):
        with pytest.raises(DecryptionError):
            _decrypt(_with_header(token, {**header, "epk": epk}), P256)


@pytest.mark.parametrize(
    "point",
    [
        bytes(32),
        (1).to_bytes(32, "little"),
        bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    ],
)
def test_x25519_small_order_epk_is_refused(point: bytes) -> None:
    """X25519 epk of small order (all-zero shared secret, RFC 7748 §6.1) is refused."""
    token = encrypt_compact(PLAIN, X25519, alg="ECDH-ES", enc="A256GCM")
    header = _header(token)
    forged = {**header, "epk": {"kty": "OKP", "crv": "X25519", "x": b64url_encode(point)}}
    with pytest.raises(DecryptionError):
        _decrypt(_with_header(token, forged), X25519)


def test_direct_modes_refuse_an_encrypted_key() -> None:
    """dir and ECDH-ES tokens must carry an empty encrypted key (RFC 7516 §5.2 step 10)."""
    token = encrypt_compact(PLAIN, X25519, alg="ECDH-ES", enc="A128GCM")
    parts = token.split(".")
    parts[1] = b64url_encode(b"\0" * 24)
    with pytest.raises(DecryptionError):
        _decrypt(".".join(parts), X25519)


def test_size_limits_before_and_after() -> None:
    """A token over max_size, or a plaintext over max_plaintext, is refused."""
    token = encrypt_compact(b"x" * 1000, KW, alg="A128KW", enc="A128GCM")
    with pytest.raises(DecryptionError):
        _decrypt(token, KW, max_size=len(token) - 1)
    with pytest.raises(DecryptionError):
        _decrypt(token, KW, max_plaintext=999)
    assert _decrypt(token, KW, max_plaintext=1000) == b"x" * 1000


def test_unknown_kid_and_rotation() -> None:
    """The kid picks the key; a kid no key has is refused; several keys rotate by kid."""
    new = EncryptionKey.generate("ECDH-ES+A256KW", kid="new")
    token = encrypt_compact(PLAIN, new, alg="ECDH-ES+A256KW", enc="A256GCM")
    assert _decrypt(token, P256, new) == PLAIN
    with pytest.raises(DecryptionError):
        _decrypt(token, P256)


def test_concat_kdf_rfc7518_appendix_c() -> None:
    """ECDH-ES with apu Alice / apv Bob derives RFC 7518 Appendix C's A128GCM key."""
    alice = EncryptionKey(
        {
            "kty": "EC",
            "crv": "P-256",
            "use": "enc",
            "x": "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
            "y": "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
            "d": "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo",
        },
        private_allowed=True,
    )
    bob = EncryptionKey(
        {
            "kty": "EC",
            "crv": "P-256",
            "use": "enc",
            "x": "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
            "y": "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
        }
    )
    from cryptography.hazmat.primitives.asymmetric import ec

    z = alice.key.exchange(ec.ECDH(), bob.key)
    key = concat_kdf(z, "A128GCM", 128, b"Alice", b"Bob")
    assert b64url_encode(key) == "VqqN6vgjbSBcIijNcacQGg"


# --- properties -----------------------------------------------------------------------

TOKENS = [
    encrypt_compact(PLAIN, P256, alg="ECDH-ES+A256KW", enc="A256GCM", header={"cty": "JWT"}),
    encrypt_compact(PLAIN, KW, alg="A128KW", enc="A128CBC-HS256"),
    encrypt_compact(PLAIN, X25519, alg="ECDH-ES", enc="A256CBC-HS512"),
]
KEYS = [P256, KW, X25519]


@given(which=st.integers(0, 2), segment=st.integers(0, 4), data=st.data())
def test_any_changed_character_is_the_one_error(which: int, segment: int, data: Any) -> None:
    """A different base64url character anywhere in any segment: DecryptionError, nothing else."""
    parts = TOKENS[which].split(".")
    if not parts[segment]:
        parts[segment] = "AAAA"  # the empty encrypted key of a direct mode: make it non-empty
    else:
        i = data.draw(st.integers(0, len(parts[segment]) - 1))
        old = parts[segment][i]
        new = data.draw(st.sampled_from([c for c in ALPHABET.decode() if c != old]))
        parts[segment] = parts[segment][:i] + new + parts[segment][i + 1 :]
    with pytest.raises(DecryptionError) as info:
        _decrypt(".".join(parts), KEYS[which])
    assert str(info.value) == "the token could not be decrypted"


@given(
    text=st.one_of(
        st.text(max_size=300),
        st.lists(st.text(ALPHABET.decode(), max_size=60), min_size=5, max_size=5).map(".".join),
    )
)
def test_arbitrary_strings_raise_only_the_typed_error(text: str) -> None:
    """Any string at all is refused with DecryptionError, well inside a millisecond budget."""
    start = time.perf_counter()
    with pytest.raises(DecryptionError):
        _decrypt(text, P256, KW, X25519)
    assert time.perf_counter() - start < 0.5
