"""What a Verifier hands out cannot change how it verifies later tokens.

One ``Claims`` may be served from the cache to many requests, and its ``header`` is the
parse cache's entry for every later token with the same header segment: both are
read-only all the way down, and still plain JSON to ``json.dumps``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


def test_header_cannot_be_edited(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """Claims.header refuses edits, and a later token with the same header verifies as before."""
    key = keys["ES256"]
    verifier = make_verifier(key)
    header: Any = verifier.verify(encode_jwt(claims_at(NOW, jti="a"), key, "ES256")).header
    with pytest.raises(TypeError):
        header["typ"] = "JWT"
    with pytest.raises(TypeError):
        del header["alg"]
    later = verifier.verify(encode_jwt(claims_at(NOW, jti="b"), key, "ES256"))
    assert later.header == {"alg": "ES256", "kid": "ES256-1", "typ": "at+jwt"}


def test_nested_claim_values_cannot_be_edited(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """Lists and objects inside the claims refuse edits; the cached copy stays as signed."""
    key = keys["ES256"]
    verifier = make_verifier(key)
    token = encode_jwt(
        claims_at(NOW, roles=["customer"], cnf={"jkt": "abc", "x": [[1]]}), key, "ES256"
    )
    claims: Any = verifier.verify(token)
    edits: list[Callable[[], object]] = [
        lambda: claims["roles"].append("admin"),
        lambda: claims["roles"].__setitem__(0, "admin"),
        lambda: claims["roles"].extend(["admin"]),
        lambda: claims["cnf"].__setitem__("jkt", "mine"),
        lambda: claims["cnf"].update(jkt="mine"),
        lambda: claims["cnf"].pop("jkt"),
        lambda: claims["cnf"]["x"][0].append(2),
    ]
    for edit in edits:
        with pytest.raises((TypeError, AttributeError)):
            edit()
    again = verifier.verify(token)
    assert again is claims
    assert again["roles"] == ["customer"]
    assert again["cnf"] == {"jkt": "abc", "x": [[1]]}
    assert again.roles == ("customer",)


def test_read_only_values_are_still_json(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """dict(claims) and the header serialise with json.dumps; to_dict is a deep, editable copy."""
    key = keys["ES256"]
    token = encode_jwt(claims_at(NOW, roles=["a"], cnf={"jkt": "k"}), key, "ES256")
    claims = make_verifier(key).verify(token)
    assert json.loads(json.dumps(dict(claims))) == claims_at(NOW, roles=["a"], cnf={"jkt": "k"})
    assert json.loads(json.dumps(claims.header))["alg"] == "ES256"
    copy = claims.to_dict()
    copy["roles"].append("b")
    copy["cnf"]["jkt"] = "other"
    assert (type(copy["roles"]), type(copy["cnf"])) == (list, dict)
    assert claims["roles"] == ["a"]
    assert claims["cnf"] == {"jkt": "k"}
