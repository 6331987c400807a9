"""Compact JWS parsing and header rules (RFC 7515 §4-§7, RFC 7797, RFC 8725 §2-§3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatehouse.errors import (
    AlgorithmNotAllowedError,
    InvalidSignatureError,
    MalformedTokenError,
    TokenTooLargeError,
)
from gatehouse.jose import (
    DEFAULT_MAX_TOKEN_SIZE,
    JWK,
    b64url_encode,
    decode_unverified,
    parse_compact,
    sign_compact,
    verify_signature,
)
from gatehouse.jose.jwt import decode_payload

from .conftest import craft

ED = frozenset({"EdDSA"})


def _unsigned(header: dict[str, Any], payload: bytes = b"{}", signature: bytes = b"") -> str:
    h = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    return f"{h}.{b64url_encode(payload)}.{b64url_encode(signature)}"


def test_well_formed_token_parses(ed_key: JWK, ed_token: str) -> None:
    """A compact JWS exposes alg, kid, header and the exact signing input."""
    jws = parse_compact(ed_token)
    assert (jws.alg, jws.kid) == ("EdDSA", "ed-1")
    assert jws.header == {"alg": "EdDSA", "kid": "ed-1"}
    assert jws.signing_input == ed_token.rsplit(".", 1)[0].encode()
    verify_signature(jws, ed_key.public(), ED)
    assert jws.payload() == b'{"sub":"user-1"}'


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ({"alg": "EdDSA", "crit": ["exp"], "exp": 1}, "critical"),
        ({"alg": "EdDSA", "crit": []}, "critical"),
        ({"alg": "EdDSA", "crit": ["b64"], "b64": True}, "critical"),
        ({"alg": "EdDSA", "crit": "b64"}, "critical"),
        ({"alg": "EdDSA", "b64": False}, "RFC 7797"),
        ({"alg": "EdDSA", "b64": 0}, "RFC 7797"),
        ({"alg": "EdDSA", "cty": "JWT"}, "nested"),
        ({"alg": "EdDSA", "cty": "jwt"}, "nested"),
        ({"alg": "EdDSA", "cty": "application/JWT"}, "nested"),
        ({"alg": "EdDSA", "cty": 1}, "cty"),
        ({"alg": "EdDSA", "enc": "A256GCM"}, "encrypted"),
        ({"alg": "EdDSA", "zip": "DEF"}, "compressed"),
        ({"alg": "EdDSA", "kid": 7}, "kid"),
        ({"alg": "EdDSA", "kid": ["a"]}, "kid"),
        ({"alg": "EdDSA", "typ": 1}, "typ"),
        ({"alg": ["EdDSA"]}, "alg"),
        ({"alg": None}, "alg"),
        ({"kid": "ed-1"}, "alg"),
    ],
)
def test_header_rules(ed_key: JWK, header: dict[str, Any], match: str) -> None:
    """Headers this library does not understand are refused before any key is used."""
    if header.get("alg") == "EdDSA":
        token = craft(header, b"{}", ed_key)
    else:
        token = _unsigned(header, signature=b"\x00" * 64)
    with pytest.raises(MalformedTokenError, match=match):
        parse_compact(token)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("kid", None),
        ("typ", None),
        ("cty", None),
        ("kid", True),
        ("typ", {"media": "at+jwt"}),
        ("cty", ["json"]),
        ("crit", []),
        ("crit", "exp"),
        ("crit", None),
        ("crit", ["exp", 1]),
        ("crit", [["exp"]]),
        ("jku", 1),
        ("x5u", ["https://example.com"]),
        ("jwk", "not-an-object"),
        ("jwk", ["kty"]),
        ("x5c", "MIIB"),
        ("x5c", []),
        ("x5c", ["MIIB", 2]),
        ("x5t", 1),
        ("x5t#S256", None),
    ],
)
def test_header_member_types(ed_key: JWK, member: str, value: Any) -> None:
    """RFC 7515 §4.1: a registered member of the wrong JSON type (null too) is malformed."""
    token = craft({"alg": "EdDSA", member: value}, b"{}", ed_key)
    with pytest.raises(MalformedTokenError, match=f"header {member} must be"):
        parse_compact(token)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "crit": ["exp"], "exp": 1},
        {"alg": "EdDSA", "crit": ["b64"], "b64": True},
    ],
)
def test_well_typed_crit_is_still_refused(ed_key: JWK, header: dict[str, Any]) -> None:
    """RFC 7515 §4.1.11: a crit naming any extension is refused, we understand none."""
    with pytest.raises(MalformedTokenError, match="not supported"):
        parse_compact(craft(header, b"{}", ed_key))


def test_ignored_members_of_the_right_type_pass(ed_key: JWK) -> None:
    """jku, jwk, x5u, x5c and x5t of their RFC 7515 types parse (and are then ignored)."""
    header = {
        "alg": "EdDSA",
        "jku": "https://issuer.example/jwks.json",
        "jwk": {"kty": "OKP"},
        "x5u": "https://issuer.example/cert.pem",
        "x5c": ["MIIB"],
        "x5t": "AAAA",
        "x5t#S256": "AAAA",
    }
    assert parse_compact(craft(header, b"{}", ed_key)).alg == "EdDSA"


def test_parsed_header_is_read_only(ed_key: JWK) -> None:
    """The header the parse cache hands out cannot be edited, nested values included."""
    cache: dict[bytes, Any] = {}
    token = craft({"alg": "EdDSA", "typ": "at+jwt", "x5c": ["MIIB"]}, b"{}", ed_key)
    header = parse_compact(token, header_cache=cache).header
    with pytest.raises(TypeError):
        header["typ"] = "JWT"  # type: ignore[index]
    with pytest.raises((TypeError, AttributeError)):
        header["x5c"].append("MIIC")
    again = parse_compact(token, header_cache=cache).header
    assert again == {"alg": "EdDSA", "typ": "at+jwt", "x5c": ["MIIB"]}


def test_decode_unverified_hands_out_mutable_copies(ed_key: JWK) -> None:
    """decode_unverified returns plain dicts and lists a caller may edit freely."""
    token = craft({"alg": "EdDSA", "x5c": ["MIIB"]}, b'{"roles":["a"]}', ed_key)
    header, claims = decode_unverified(token)
    header["x5c"].append("MIIC")
    claims["roles"].append("b")
    assert (type(header), type(header["x5c"]), type(claims["roles"])) == (dict, list, list)
    assert decode_unverified(token)[0]["x5c"] == ["MIIB"]


def test_b64_true_is_the_default(ed_key: JWK) -> None:
    """An explicit b64:true (the RFC 7515 default) is accepted."""
    token = craft({"alg": "EdDSA", "b64": True}, b"{}", ed_key)
    verify_signature(parse_compact(token), ed_key.public(), ED)


def test_cty_other_than_jwt_is_allowed(ed_key: JWK) -> None:
    """A cty that is not JWT is only informational."""
    token = craft({"alg": "EdDSA", "cty": "json"}, b"{}", ed_key)
    assert parse_compact(token).header["cty"] == "json"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_is_never_allowed(ed_key: JWK, alg: str) -> None:
    """An unsecured token (RFC 7519 §6) is refused whatever the allow-list holds."""
    jws = parse_compact(_unsigned({"alg": alg}))
    with pytest.raises(AlgorithmNotAllowedError):
        verify_signature(jws, ed_key.public(), ED)


def test_alg_not_on_allow_list(ed_key: JWK, ed_token: str) -> None:
    """A valid signature with an algorithm the caller did not allow is refused."""
    with pytest.raises(AlgorithmNotAllowedError):
        verify_signature(parse_compact(ed_token), ed_key.public(), frozenset({"ES256"}))


def test_header_never_supplies_the_key(ed_key: JWK) -> None:
    """An attacker's key embedded as jwk/jku/x5c is ignored: the caller's key decides."""
    attacker = JWK.generate("EdDSA", kid="ed-1")
    header = {
        "alg": "EdDSA",
        "kid": "ed-1",
        "jwk": attacker.public().to_dict(),
        "jku": "https://evil.example/jwks.json",
        "x5u": "https://evil.example/cert.pem",
        "x5c": ["AAAA"],
    }
    token = craft(header, b"{}", attacker)
    with pytest.raises(InvalidSignatureError):
        verify_signature(parse_compact(token), ed_key.public(), ED)


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("a.b.c.d.e", "JWE"),
        ("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "JWE"),
        ('{"payload":"e30","signatures":[]}', "JSON serialization"),
        ('{"payload":"e30","protected":"e30","signature":"AA"}', "JSON serialization"),
        ("", "three"),
        ("abc", "three"),
        ("a.b", "three"),
        ("a.b.c.d", "three"),
        ("..", "empty"),
        (".e30.", "empty"),
    ],
)
def test_structure(token: str, match: str) -> None:
    """Only three dot-separated segments with a non-empty header are a compact JWS."""
    with pytest.raises(MalformedTokenError, match=match):
        parse_compact(token)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, p, s: f"{h}=.{p}.{s}",
        lambda h, p, s: f"{h}.{p}=.{s}",
        lambda h, p, s: f"{h}.{p}.{s}=",
        lambda h, p, s: f"{h}.{p}.{s.replace('-', '+').replace('_', '/')}+",
        lambda h, p, s: f"{h}.{p}.{s}/",
        lambda h, p, s: f" {h}.{p}.{s}",
        lambda h, p, s: f"{h}.{p}.{s}\n",
        lambda h, p, s: f"{h}.{p}.{s[:-1]}",
        lambda h, p, s: f"{h}.{p}.{s} ",
        lambda h, p, s: f"{h[:-1]}.{p}.{s}",
        lambda h, p, s: f"{h}.{p}.{s}é",
    ],
    ids=[
        "pad-header",
        "pad-payload",
        "pad-signature",
        "std-alphabet",
        "slash",
        "leading-space",
        "trailing-newline",
        "short-signature",
        "trailing-space",
        "short-header",
        "non-ascii",
    ],
)
def test_segment_encoding_is_strict(ed_token: str, mutate: Any) -> None:
    """Padding, the standard alphabet, whitespace and stray characters are all malformed."""
    h, p, s = ed_token.split(".")
    with pytest.raises(MalformedTokenError):
        parse_compact(mutate(h, p, s))


def test_header_not_an_object() -> None:
    """A header that is JSON but not an object, or has duplicate alg, is malformed."""
    for raw in (b'["EdDSA"]', b'{"alg":"none","alg":"EdDSA"}', b"\xef\xbb\xbf{}", b"{"):
        token = f"{b64url_encode(raw)}.e30.AAAA"
        with pytest.raises(MalformedTokenError):
            parse_compact(token)


def test_non_canonical_payload_is_caught_at_decoding(ed_key: JWK) -> None:
    """A signed but non-canonical payload segment verifies yet fails when decoded."""
    # The signature covers the raw segment, so the payload must be decoded before use
    # (RFC 7515 §5.2 step 6; Wycheproof tc368-375).
    h = b64url_encode(b'{"alg":"EdDSA"}')
    signing_input = f"{h}.####e30"
    token = f"{signing_input}.{b64url_encode(ed_key.signer('EdDSA')(signing_input.encode()))}"
    jws = parse_compact(token)
    verify_signature(jws, ed_key.public(), ED)
    with pytest.raises(MalformedTokenError):
        jws.payload()
    with pytest.raises(MalformedTokenError):
        decode_payload(jws)


def test_size_limit_is_checked_first() -> None:
    """A token over the limit is TokenTooLargeError, whatever it contains."""
    with pytest.raises(TokenTooLargeError):
        parse_compact("é" * (DEFAULT_MAX_TOKEN_SIZE + 1))
    with pytest.raises(TokenTooLargeError):
        parse_compact("a.b.c", max_size=4)


def test_size_limit_is_inclusive(ed_key: JWK) -> None:
    """A token of exactly max_size characters is parsed."""
    token = sign_compact(b"{}", ed_key, "EdDSA")
    assert parse_compact(token, max_size=len(token)).alg == "EdDSA"
    with pytest.raises(TokenTooLargeError):
        parse_compact(token, max_size=len(token) - 1)


@pytest.mark.parametrize("value", [b"a.b.c", None, 12, ["a", "b", "c"]])
def test_non_string_token(value: Any) -> None:
    """Only str is a token: bytes, None and others are malformed, not a TypeError."""
    with pytest.raises(MalformedTokenError):
        parse_compact(value)


def test_decode_unverified_reads_both_parts(ed_token: str) -> None:
    """decode_unverified returns the header and claims without any key."""
    header, claims = decode_unverified(ed_token)
    assert header["alg"] == "EdDSA"
    assert claims == {"sub": "user-1"}


@pytest.mark.parametrize("payload", [b"[]", b"", b"null", b'{"a":1,"a":2}', b'{"exp":NaN}'])
def test_decode_unverified_payload_must_be_object(ed_key: JWK, payload: bytes) -> None:
    """A payload that is not one strict JSON object is malformed."""
    token = sign_compact(payload, ed_key, "EdDSA")
    with pytest.raises(MalformedTokenError):
        decode_unverified(token)


def test_header_cache_is_bounded(ed_key: JWK) -> None:
    """The parser's header cache never grows past its bound and still parses correctly."""
    cache: dict[bytes, Any] = {}
    for i in range(600):
        token = sign_compact(b"{}", ed_key, "EdDSA", header={"kid": f"k{i}"})
        assert parse_compact(token, header_cache=cache).kid == f"k{i}"
        assert len(cache) <= 256
