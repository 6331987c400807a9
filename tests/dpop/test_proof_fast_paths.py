"""The proof check's fast paths (plain claim lookups, one-call replay key) decide as the
careful paths do: same first error, same replay key."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from gatehouse.errors import InvalidDPoPProofError
from gatehouse.jose import JWK, b64url_encode
from gatehouse.jose.dpop import check_proof

from .conftest import NOW, URL, ascii_json


def _forge(key: JWK, claims: dict[str, Any]) -> str:
    pub = {k: v for k, v in key.public().to_dict().items() if k not in ("kid", "alg", "use")}
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": pub}
    signing_input = b64url_encode(ascii_json(header)) + "." + b64url_encode(ascii_json(claims))
    return signing_input + "." + b64url_encode(key.signer("ES256")(signing_input.encode("ascii")))


def _good(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"jti": "j-1", "htm": "GET", "htu": URL, "iat": NOW, **changes}
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"jti": None, "htm": 7}, "lacks the jti"),
        ({"jti": 7, "iat": None}, "jti claim has the wrong type"),
        ({"htm": None, "iat": True}, "lacks the htm"),
        ({"htu": ["x"]}, "htu claim has the wrong type"),
        ({"iat": True}, "iat claim has the wrong type"),
        ({"iat": "1700000000"}, "iat claim has the wrong type"),
        ({"iat": None}, "lacks the iat"),
        ({"iat": 10**400}, "iat is out of range"),
    ],
)
def test_first_broken_claim_is_named(
    client_key: JWK, changes: dict[str, Any], message: str
) -> None:
    """Claims are judged in the order jti, htm, htu, iat; bools and strings are no iat."""
    with pytest.raises(InvalidDPoPProofError, match=message):
        check_proof(_forge(client_key, _good(**changes)), method="GET", url=URL, now=NOW)


def test_float_iat_is_accepted(client_key: JWK) -> None:
    """A fractional NumericDate is an iat like an integer one."""
    proof = check_proof(_forge(client_key, _good(iat=NOW + 0.5)), method="GET", url=URL, now=NOW)
    assert proof.iat == NOW + 0.5


def test_replay_key_is_the_length_prefixed_hash(client_key: JWK) -> None:
    """The replay key stays SHA-256 over length-prefixed UTF-8 jkt, htm, htu, jti (stored
    keys from before a deploy still match)."""
    claims = _good(jti="j-\ud800-é")
    proof = check_proof(_forge(client_key, claims), method="GET", url=URL, now=NOW)
    digest = hashlib.sha256()
    for part in (client_key.thumbprint(), "GET", URL, claims["jti"]):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(4, "big") + data)
    assert proof.replay_key == b64url_encode(digest.digest())
