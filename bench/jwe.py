"""µs per nested token (ES256 inside ECDH-ES+A256KW / A256GCM): gatehouse uncached and
cached against the raw floor of the three public-key and AEAD operations, interleaved.

    python bench/jwe.py [--rounds 15] [--batch 300] [--tokens 2000]

"raw" does, per distinct token, exactly one ECDH (loading the token's ephemeral public
point, which checks it is on the curve, then the exchange with the recipient's private
key: no recipient may skip either), one AES-GCM decryption of the ciphertext with the
token's CEK and one ECDSA verification of the inner signature (DER prepared outside):
the floor any JWE library pays. "gatehouse" verifies distinct
tokens with the cache off, doing everything else too: parsing, the Concat KDF, the AES
key unwrap, JSON, claims (iss, aud, exp, typ) and a scope check. "steps" is the floor plus
what ECDH-ES+A256KW itself adds (the Concat KDF and the AES key unwrap of the CEK).
"cached" repeats one token on a warm Verifier. "plain" is the same Verifier on the
inner JWS alone, for scale. Targets (issue 14): gatehouse/raw ≤ 1.3, cached ≤ 1 µs.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.jose import JWK, b64url_decode, encode_jwt, parse_compact
from gatehouse.jose.concat_kdf import other_info
from gatehouse.jose.jwe import encrypt_nested
from gatehouse.jose.jwe_content import CONTENT_ENCRYPTIONS
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.jwe_keys import decrypt_cek
from gatehouse.keys.decryption import Decryption
from gatehouse.keys.decryption_keys import DecryptionKeys

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
NOW = 1_800_000_000
ALG, ENC = "ECDH-ES+A256KW", "A256GCM"


def claims(i: int) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "sub": f"user-{i}",
        "aud": AUDIENCE,
        "exp": NOW + 600,
        "iat": NOW,
        "jti": f"{i:032x}",
        "client_id": "web",
        "scope": "orders:read orders:write",
    }


def raw_floor(
    tokens: list[str],
    inner: list[str],
    recipient: EncryptionKey,
    signer: JWK,
    *,
    with_key_wrap: bool = False,
) -> Callable[[], None]:
    """One ECDH + one AES-GCM + one ECDSA verify per token; inputs prepared untimed.
    ``with_key_wrap`` adds the two steps ECDH-ES+A256KW itself requires: the Concat KDF
    and the AES key unwrap of the CEK (the "steps" column)."""
    prepared = []
    for token, jws_text in zip(tokens, inner, strict=True):
        h, ek, iv, ct, tag = token.split(".")
        header = json.loads(b64url_decode(h))
        epk = header["epk"]
        point = b"\x04" + b64url_decode(epk["x"]) + b64url_decode(epk["y"])
        cek = decrypt_cek(recipient, ALG, ENC, header, b64url_decode(ek))
        jws = parse_compact(jws_text)
        r, s = jws.signature[:32], jws.signature[32:]
        der = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
        sealed = b64url_decode(ct) + b64url_decode(tag)
        prepared.append(
            (point, cek, b64url_decode(ek), b64url_decode(iv), sealed, h.encode(),
             jws.signing_input, der)
        )  # fmt: skip
    private = recipient.key
    public = signer._key.public_key()  # the benchmark reaches in on purpose: same key object
    ecdh, ecdsa, curve = ec.ECDH(), ec.ECDSA(hashes.SHA256()), ec.SECP256R1()
    info = other_info(ALG, 256, b"", b"")
    state = {"i": 0}

    def check() -> None:
        i = state["i"] = (state["i"] + 1) % len(prepared)
        point, cek, wrapped, iv, sealed, aad, signing_input, der = prepared[i]
        z = private.exchange(ecdh, ec.EllipticCurvePublicKey.from_encoded_point(curve, point))
        if with_key_wrap:
            kek = ConcatKDFHash(hashes.SHA256(), 32, info).derive(z)
            cek = aes_key_unwrap(kek, wrapped)
        AESGCM(cek).decrypt(iv, sealed, aad)
        public.verify(der, signing_input, ecdsa)

    return check


def contenders(n_tokens: int) -> dict[str, Callable[[], None]]:
    signer = JWK.generate("ES256", kid="sig")
    recipient = EncryptionKey.generate(ALG, kid="enc")
    inner = [
        encode_jwt(claims(i), signer, "ES256", header={"typ": "at+jwt"}) for i in range(n_tokens)
    ]
    tokens = [encrypt_nested(j, recipient.public(), alg=ALG, enc=ENC) for j in inner]
    assert CONTENT_ENCRYPTIONS[ENC].key_len == 32
    jwks = JWKS([signer.public()])
    decryption = Decryption(
        DecryptionKeys([recipient]), algorithms=[ALG], encryptions=[ENC], required=True
    )
    clock = ManualClock(wall=NOW + 1)

    def verifier(cache_size: int, dec: Decryption | None) -> Verifier:
        return Verifier(issuer=ISSUER, audience=AUDIENCE, keys=jwks, algorithms=["ES256"],
                        cache_size=cache_size, clock=clock, decryption=dec)  # fmt: skip

    uncached, cached, plain = verifier(0, decryption), verifier(1024, decryption), verifier(0, None)
    cached.verify(tokens[0])

    def cycler(items: list[str]) -> Callable[[], str]:
        state = {"i": 0}

        def step() -> str:
            i = state["i"] = (state["i"] + 1) % len(items)
            return items[i]

        return step

    nt, ni = cycler(tokens), cycler(inner)
    return {
        "raw": raw_floor(tokens, inner, recipient, signer),
        "steps": raw_floor(tokens, inner, recipient, signer, with_key_wrap=True),
        "gatehouse": lambda: _discard(uncached.verify(nt(), scopes=("orders:read",))),
        "cached": lambda: _discard(cached.verify(tokens[0], scopes=("orders:read",))),
        "plain": lambda: _discard(plain.verify(ni(), scopes=("orders:read",))),
    }


def _discard(_: object) -> None:
    return None


def time_batch(fn: Callable[[], None], batch: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(batch):
        fn()
    return (time.perf_counter_ns() - start) / batch / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    fns = contenders(args.tokens)
    for fn in fns.values():
        time_batch(fn, 50)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    gc.disable()
    try:
        for _ in range(args.rounds):
            for name, fn in fns.items():
                samples[name].append(time_batch(fn, args.batch))
    finally:
        gc.enable()
    m = {name: statistics.median(v) for name, v in samples.items()}
    header = (
        f"{'nested':28} {'raw µs':>8} {'steps':>7} {'gatehouse':>10} {'cached':>7}"
        f" {'plain JWS':>10} | {'gh/raw':>6} {'gh/steps':>8}"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{'ES256+' + ALG + '/' + ENC:28} {m['raw']:8.1f} {m['steps']:7.1f}"
        f" {m['gatehouse']:10.1f} {m['cached']:7.2f} {m['plain']:10.1f}"
        f" | {m['gatehouse'] / m['raw']:6.2f} {m['gatehouse'] / m['steps']:8.2f}"
    )


if __name__ == "__main__":
    main()
