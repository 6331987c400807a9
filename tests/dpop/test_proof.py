"""The pure proof (RFC 9449 §4.2, §4.3): make and check, each refusal with its own code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatehouse.errors import (
    ConfigurationError,
    DPoPTargetMismatchError,
    DPoPTokenHashError,
    InvalidDPoPProofError,
    InvalidKeyError,
    StaleDPoPProofError,
    UseDPoPNonceError,
)
from gatehouse.jose import JWK, b64url_encode
from gatehouse.jose.dpop import (
    DPOP_ALGORITHMS,
    ProofCache,
    ProofPolicy,
    access_token_hash,
    check_proof,
)
from gatehouse.jose.dpop_make import make_proof

from .conftest import NOW, URL, ascii_json

ALGS = ("ES256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "PS256", "PS512")


@pytest.fixture(scope="module")
def rsa_key() -> JWK:
    """One RSA key, reused across the RSA algorithms (generation is slow)."""
    return JWK.generate("RS256", kid=None)


def _key(alg: str, rsa_key: JWK) -> JWK:
    if alg.startswith(("RS", "PS")):
        return JWK.from_dict({**rsa_key.to_dict(private=True), "alg": alg}, private_allowed=True)
    return JWK.generate(alg)


def _forge(key: JWK, alg: str, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """Sign an arbitrary header and claim set: proofs make_proof would never make."""
    signing_input = b64url_encode(ascii_json(header)) + "." + b64url_encode(ascii_json(claims))
    return signing_input + "." + b64url_encode(key.signer(alg)(signing_input.encode("ascii")))


def _claims(**extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"jti": "j-1", "htm": "GET", "htu": URL, "iat": NOW}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def _header(key: JWK, **extra: Any) -> dict[str, Any]:
    pub = {k: v for k, v in key.public().to_dict().items() if k not in ("kid", "alg", "use")}
    header: dict[str, Any] = {"typ": "dpop+jwt", "alg": "ES256", "jwk": pub}
    header.update(extra)
    return {k: v for k, v in header.items() if v is not None}


@pytest.mark.parametrize("alg", ALGS)
def test_made_proof_checks_for_every_asymmetric_alg(alg: str, rsa_key: JWK) -> None:
    """A proof made for a key, method, URL and token checks, and binds to the key's jkt."""
    key = _key(alg, rsa_key)
    proof = make_proof(key, method="POST", url=URL, now=NOW, access_token="at", alg=alg)
    checked = check_proof(proof, method="POST", url=URL, now=NOW, access_token="at")
    assert checked.jkt == key.thumbprint()
    assert checked.htm == "POST"
    assert checked.htu == URL
    assert checked.claims["ath"] == access_token_hash("at")


def test_make_proof_header_has_public_members_only(client_key: JWK) -> None:
    """The jwk header carries the public key and nothing private or extra (§4.2)."""
    proof = make_proof(client_key, method="GET", url=URL + "?q=1#frag", now=NOW)
    header = json.loads(_segment(proof, 0))
    claims = json.loads(_segment(proof, 1))
    assert header["typ"] == "dpop+jwt"
    assert set(header["jwk"]) == {"kty", "crv", "x", "y"}
    assert claims["htu"] == URL  # query and fragment dropped
    assert len(claims["jti"]) >= 16  # 128 random bits, §4.2 asks for 96


def _segment(token: str, index: int) -> bytes:
    from gatehouse.jose import b64url_decode

    return b64url_decode(token.split(".")[index])


def test_make_proof_uses_injected_randomness(client_key: JWK) -> None:
    """The jti comes from the random source it is given."""
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, random=lambda n: b"\0" * n)
    assert json.loads(_segment(proof, 1))["jti"] == b64url_encode(b"\0" * 16)


def test_make_proof_refuses_a_symmetric_key() -> None:
    """A MAC key cannot make a proof (§4.2: asymmetric only)."""
    with pytest.raises(InvalidKeyError):
        make_proof(JWK.generate("HS256"), method="GET", url=URL, now=NOW)


def test_policy_refuses_mac_algorithms() -> None:
    """A DPoP allow-list with an HMAC algorithm is a configuration error."""
    with pytest.raises(ConfigurationError):
        ProofPolicy(algorithms=["HS256"])
    assert "HS256" not in DPOP_ALGORITHMS
    assert "none" not in DPOP_ALGORITHMS


REFUSALS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("typ missing", {"typ": None}, {}, "dpop_typ"),
    ("typ jwt", {"typ": "JWT"}, {}, "dpop_typ"),
    ("jwk missing", {"jwk": None}, {}, "dpop_invalid_jwk"),
    ("jwk unknown kty", {"jwk": {"kty": "XX"}}, {}, "dpop_invalid_jwk"),
    (
        "jwk off curve",
        {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
        {},
        "dpop_invalid_jwk",
    ),
    ("jti missing", {}, {"jti": None}, "dpop_missing_claim"),
    ("jti number", {}, {"jti": 7}, "dpop_invalid_claim"),
    ("jti empty", {}, {"jti": ""}, "dpop_invalid_claim"),
    ("jti huge", {}, {"jti": "j" * 257}, "dpop_invalid_claim"),
    ("htm missing", {}, {"htm": None}, "dpop_missing_claim"),
    ("htu missing", {}, {"htu": None}, "dpop_missing_claim"),
    ("iat missing", {}, {"iat": None}, "dpop_missing_claim"),
    ("iat string", {}, {"iat": "1700000000"}, "dpop_invalid_claim"),
    ("iat bool", {}, {"iat": True}, "dpop_invalid_claim"),
    ("iat huge", {}, {"iat": 10**400}, "dpop_invalid_claim"),
    ("htm other", {}, {"htm": "POST"}, "dpop_wrong_method"),
    ("htm lower case", {}, {"htm": "get"}, "dpop_wrong_method"),
    ("htu other path", {}, {"htu": URL + "/1"}, "dpop_wrong_url"),
    ("htu other host", {}, {"htu": "https://evil.example.com/orders"}, "dpop_wrong_url"),
    ("htu http", {}, {"htu": "http://api.example.com/orders"}, "dpop_wrong_url"),
    ("htu with query", {}, {"htu": URL + "?a=1"}, "dpop_wrong_url"),
    ("htu relative", {}, {"htu": "/orders"}, "dpop_wrong_url"),
    ("iat old", {}, {"iat": NOW - 61}, "dpop_stale"),
    ("iat future", {}, {"iat": NOW + 6}, "dpop_future"),
    ("nonce number", {}, {"nonce": 5}, "dpop_invalid_claim"),
]


@pytest.mark.parametrize(
    ("header_change", "claim_change", "code"),
    [(h, c, code) for _, h, c, code in REFUSALS],
    ids=[name for name, *_ in REFUSALS],
)
def test_each_refusal_has_its_own_code(
    client_key: JWK, header_change: dict[str, Any], claim_change: dict[str, Any], code: str
) -> None:
    """A proof breaking one §4.3 rule is refused with that rule's code."""
    proof = _forge(
        client_key, "ES256", _header(client_key, **header_change), _claims(**claim_change)
    )
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == code
    assert info.value.error == "invalid_dpop_proof"
    assert info.value.status == 401


def test_jwk_that_is_not_an_object_is_refused(client_key: JWK) -> None:
    """A jwk header member that is not a JSON object is refused (§4.2: a JWK)."""
    proof = _forge(client_key, "ES256", _header(client_key, jwk="x"), _claims())
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code in ("dpop_malformed", "dpop_invalid_jwk")


def test_target_and_time_errors_are_their_own_classes(client_key: JWK) -> None:
    """Method/URL mismatches and stale proofs can be caught by class."""
    proof = make_proof(client_key, method="GET", url=URL, now=NOW)
    with pytest.raises(DPoPTargetMismatchError):
        check_proof(proof, method="GET", url=URL + "x", now=NOW)
    with pytest.raises(StaleDPoPProofError):
        check_proof(proof, method="GET", url=URL, now=NOW + 3600)


@pytest.mark.parametrize(
    "member", ["d", "p", "q", "dp", "dq", "qi", "k"], ids=lambda m: f"private-{m}"
)
def test_private_member_in_jwk_is_refused(client_key: JWK, member: str) -> None:
    """A jwk with any private member is refused before import (§4.3 step 7)."""
    jwk = {**_header(client_key)["jwk"], member: "AAAA"}
    proof = _forge(client_key, "ES256", _header(client_key, jwk=jwk), _claims())
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_private_jwk"


def test_alg_off_the_allow_list_is_refused_before_key_import(client_key: JWK) -> None:
    """An alg the policy does not allow is refused, even with a good signature."""
    proof = make_proof(client_key, method="GET", url=URL, now=NOW)
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW, policy=ProofPolicy(algorithms=["EdDSA"]))
    assert info.value.code == "dpop_alg_not_allowed"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_none_and_mac_algs_are_refused(client_key: JWK, alg: str) -> None:
    """``none`` and MAC algorithms never pass (§4.2)."""
    header = b64url_encode(ascii_json(_header(client_key, alg=alg)))
    proof = header + "." + b64url_encode(ascii_json(_claims())) + ".c2ln"
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_alg_not_allowed"


def test_jwk_of_another_alg_family_is_refused(client_key: JWK) -> None:
    """An EC jwk under an RS256 header cannot verify: refused as an unusable key."""
    proof = _forge(client_key, "ES256", _header(client_key, alg="RS256"), _claims())
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_invalid_jwk"


def test_signature_by_another_key_is_refused(client_key: JWK, other_key: JWK) -> None:
    """A proof whose jwk did not make the signature fails (§4.3 step 6)."""
    proof = _forge(other_key, "ES256", _header(client_key), _claims())
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_bad_signature"


def test_oversized_and_garbage_proofs_are_refused(client_key: JWK) -> None:
    """The size limit comes first; a non-JWS is malformed."""
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof("a" * 5000, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_too_large"
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof("not.a.jws!", method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_malformed"


def test_window_edges_are_inclusive(client_key: JWK) -> None:
    """iat exactly max_age ago and exactly leeway ahead are still accepted."""
    proof = make_proof(client_key, method="GET", url=URL, now=NOW)
    check_proof(proof, method="GET", url=URL, now=NOW + 60)
    check_proof(proof, method="GET", url=URL, now=NOW - 5)
    policy = ProofPolicy(max_age=10, leeway=0)
    with pytest.raises(StaleDPoPProofError):
        check_proof(proof, method="GET", url=URL, now=NOW + 11, policy=policy)
    with pytest.raises(StaleDPoPProofError):
        check_proof(proof, method="GET", url=URL, now=NOW - 1, policy=policy)


def test_ath_is_required_and_checked_with_a_token(client_key: JWK) -> None:
    """With an access token, ath must be present and be its hash (§4.3 step 12)."""
    bare = make_proof(client_key, method="GET", url=URL, now=NOW)
    with pytest.raises(DPoPTokenHashError) as info:
        check_proof(bare, method="GET", url=URL, now=NOW, access_token="at")
    assert info.value.code == "dpop_ath_missing"
    other = make_proof(client_key, method="GET", url=URL, now=NOW, access_token="other")
    with pytest.raises(DPoPTokenHashError) as info:
        check_proof(other, method="GET", url=URL, now=NOW, access_token="at")
    assert info.value.code == "dpop_ath_mismatch"
    check_proof(other, method="GET", url=URL, now=NOW)  # no token presented: ath ignored


class _OneNonce:
    def is_valid(self, nonce: str, now: float) -> bool:
        return nonce == "n-1"

    def issue(self, now: float) -> str:
        return "n-1"


def test_nonce_required_missing_and_wrong(client_key: JWK) -> None:
    """With a nonce policy, a missing or unknown nonce is use_dpop_nonce with a fresh one."""
    nonces = _OneNonce()
    missing = make_proof(client_key, method="GET", url=URL, now=NOW)
    with pytest.raises(UseDPoPNonceError) as info:
        check_proof(missing, method="GET", url=URL, now=NOW, nonces=nonces)
    assert (info.value.code, info.value.error, info.value.nonce) == (
        "use_dpop_nonce",
        "use_dpop_nonce",
        "n-1",
    )
    wrong = make_proof(client_key, method="GET", url=URL, now=NOW, nonce="n-0")
    with pytest.raises(UseDPoPNonceError) as info:
        check_proof(wrong, method="GET", url=URL, now=NOW, nonces=nonces)
    assert info.value.code == "dpop_nonce_stale"
    good = make_proof(client_key, method="GET", url=URL, now=NOW, nonce="n-1")
    assert check_proof(good, method="GET", url=URL, now=NOW, nonces=nonces).nonce == "n-1"


def test_key_cache_serves_repeated_headers(client_key: JWK) -> None:
    """A second proof with the same header reuses the imported key from the cache."""
    cache = ProofCache()
    for n in range(3):
        proof = make_proof(client_key, method="GET", url=URL, now=NOW, jti=f"j{n}")
        check_proof(proof, method="GET", url=URL + f"?page={n}", now=NOW, cache=cache)
    assert len(cache.keys) == 1
    assert len(cache.headers) == 1
    assert cache.targets == {URL: URL}  # the request's query is not part of the key


def test_replay_key_separates_targets_and_keys(client_key: JWK, other_key: JWK) -> None:
    """The same jti for another URL or another key is another replay entry (§11.1)."""

    def key_of(key: JWK, url: str) -> str:
        proof = make_proof(key, method="GET", url=url, now=NOW, jti="same")
        return check_proof(proof, method="GET", url=url, now=NOW).replay_key

    keys = {key_of(client_key, URL), key_of(client_key, URL + "/2"), key_of(other_key, URL)}
    assert len(keys) == 3
    assert all(len(k) == 43 for k in keys)


def test_lone_surrogate_ath_is_a_mismatch_not_a_crash(client_key: JWK) -> None:
    """An ath holding a lone surrogate (valid JSON) is refused as a mismatch."""
    proof = _forge(client_key, "ES256", _header(client_key), _claims(ath="\ud800"))
    with pytest.raises(DPoPTokenHashError):
        check_proof(proof, method="GET", url=URL, now=NOW, access_token="at")


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "A" * 1400, "e": "AQAB"},
        {"kty": "RSA", "n": "A" * 400, "e": "A" * 400},
    ],
    ids=["modulus-over-8192-bits", "exponent-over-32-bits"],
)
def test_costly_rsa_keys_are_refused_before_import(client_key: JWK, jwk: dict[str, str]) -> None:
    """Anyone can send a key in a proof, so a huge modulus or exponent is refused up front."""
    proof = _forge(client_key, "ES256", _header(client_key, alg="RS256", jwk=jwk), _claims())
    with pytest.raises(InvalidDPoPProofError) as info:
        check_proof(proof, method="GET", url=URL, now=NOW)
    assert info.value.code == "dpop_invalid_jwk"
