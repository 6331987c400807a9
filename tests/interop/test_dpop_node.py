"""DPoP interop with independent implementations (npm): panva's ``dpop`` makes proofs that
gatehouse checks; gatehouse's proofs pass ``jose``'s jwtVerify with EmbeddedJWK and the
RFC 9449 §4.3 claim checks there. Needs ``npm ci`` in tests/interop/node (``.ci/run``
does it): skipped locally with the reason when it has not run, a failure in CI
(tests/interop/node_harness.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gatehouse.errors import InvalidDPoPProofError
from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop import check_proof
from gatehouse.jose.dpop_make import make_proof

from .node_harness import NODE_DIR, node_or_skip, run_script

HTU = "https://api.example.com/orders"
TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


def _node_or_skip() -> str:
    return node_or_skip(NODE_DIR, "dpop", "DPoP interop")


def _run(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return run_script(_node_or_skip(), "dpop_interop.mjs", tasks)


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "RS256", "PS256"])
def test_proofs_made_by_npm_dpop_check_here(alg: str) -> None:
    """dpop.generateProof's proofs (with ath and nonce) pass check_proof; jkt agrees."""
    (made,) = _run(
        [
            {
                "op": "make",
                "alg": alg,
                "htu": HTU,
                "htm": "POST",
                "nonce": "n-1",
                "accessToken": TOKEN,
            }
        ]
    )
    iat = decode_unverified(made["proof"])[1]["iat"]
    proof = check_proof(made["proof"], method="POST", url=HTU, now=iat, access_token=TOKEN)
    assert proof.jkt == made["jkt"]
    assert proof.nonce == "n-1"
    with pytest.raises(InvalidDPoPProofError):
        check_proof(made["proof"], method="GET", url=HTU, now=iat, access_token=TOKEN)


@pytest.fixture(scope="module")
def keys() -> dict[str, JWK]:
    """One key per algorithm gatehouse signs proofs with (one RSA key for RS/PS)."""
    rsa = JWK.generate("RS256")
    out = {alg: JWK.generate(alg) for alg in ("ES256", "ES384", "ES512", "EdDSA", "Ed25519")}
    out["RS256"] = rsa
    out["PS256"] = JWK.from_dict(
        {**rsa.to_dict(private=True), "alg": "PS256"}, private_allowed=True
    )
    return out


def test_proofs_made_here_verify_with_npm_jose(keys: dict[str, JWK]) -> None:
    """make_proof's proofs pass jose.jwtVerify(EmbeddedJWK) and the claim checks; jkt agrees."""
    tasks, expected = [], []
    for alg, key in keys.items():
        proof = make_proof(
            key, method="GET", url=HTU + "?x=1", now=1_700_000_000, access_token=TOKEN, nonce="n"
        )
        tasks.append(
            {
                "op": "verify",
                "proof": proof,
                "htu": HTU,
                "htm": "GET",
                "accessToken": TOKEN,
                "nonce": "n",
            }
        )
        expected.append((alg, key.thumbprint()))
    results = _run(tasks)
    for (alg, jkt), result in zip(expected, results, strict=True):
        assert result["ok"], f"{alg}: {result.get('error')}"
        assert result["jkt"] == jkt, alg


def test_npm_jose_refuses_a_tampered_gatehouse_proof(keys: dict[str, JWK]) -> None:
    """The harness can say no: a gatehouse proof with a changed claim fails over there."""
    proof = make_proof(keys["ES256"], method="GET", url=HTU, now=1_700_000_000)
    tampered = make_proof(keys["ES256"], method="PUT", url=HTU, now=1_700_000_000)
    forged = ".".join([*tampered.split(".")[:2], proof.split(".")[2]])
    (result,) = _run([{"op": "verify", "proof": forged, "htu": HTU, "htm": "PUT"}])
    assert not result["ok"]


def test_missing_node_modules_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without `npm ci` the interop tests skip with the reason, and fail when CI is set."""
    monkeypatch.setattr(sys.modules[__name__], "NODE_DIR", tmp_path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"npm ci|node is not installed"):
        _node_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        _node_or_skip()
