"""JWT claim rules (RFC 7519 §4.1, §7.2; RFC 8725 §3.8-3.11; RFC 9068 §4), explicit ``now``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gatehouse.errors import (
    ClaimError,
    ConfigurationError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidTypeError,
    MissingClaimError,
    NotYetValidError,
)
from gatehouse.jose import ClaimsPolicy, validate_claims

from .conftest import AUDIENCE, ISSUER, NOW, good_claims

AT_JWT = {"alg": "EdDSA", "typ": "at+jwt"}
POLICY = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, typ="at+jwt")


def _check(
    claims: dict[str, Any],
    *,
    policy: ClaimsPolicy = POLICY,
    now: float = NOW,
    header: dict[str, Any] | None = None,
) -> None:
    validate_claims(AT_JWT if header is None else header, claims, policy, now)


def test_good_claims_pass() -> None:
    """The baseline claim set is accepted."""
    _check(good_claims())


@pytest.mark.parametrize(
    ("claims", "error", "claim"),
    [
        (good_claims(exp=None), MissingClaimError, "exp"),
        (good_claims(exp="1700000300"), ClaimError, "exp"),
        (good_claims(exp=True), ClaimError, "exp"),
        (good_claims(exp=[NOW + 300]), ClaimError, "exp"),
        (good_claims(exp={"t": NOW + 300}), ClaimError, "exp"),
        (good_claims(nbf="0"), ClaimError, "nbf"),
        (good_claims(nbf=False), ClaimError, "nbf"),
        (good_claims(iat="0"), ClaimError, "iat"),
        (good_claims(iat=True), ClaimError, "iat"),
        (good_claims(sub=42), ClaimError, "sub"),
        (good_claims(jti=["x"]), ClaimError, "jti"),
        (good_claims(scope=["a", "b"]), ClaimError, "scope"),
        (good_claims(client_id=1), ClaimError, "client_id"),
    ],
    ids=[
        "exp-missing",
        "exp-string",
        "exp-bool",
        "exp-array",
        "exp-object",
        "nbf-string",
        "nbf-bool",
        "iat-string",
        "iat-bool",
        "sub-number",
        "jti-array",
        "scope-array",
        "client_id-number",
    ],
)
def test_claim_types(claims: dict[str, Any], error: type[ClaimError], claim: str) -> None:
    """NumericDates are finite JSON numbers and string claims are strings."""
    if claims.get("exp", 0) is None:
        del claims["exp"]
    with pytest.raises(error) as info:
        _check(claims)
    assert info.value.claim == claim


@pytest.mark.parametrize("raw", ["1e999", "-1e999"])
@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
def test_infinite_numeric_date_refused(raw: str, name: str) -> None:
    """1e999 parses to an infinite float: never a valid NumericDate (not even for exp)."""
    from gatehouse.jose.strict_json import loads_object

    claims = good_claims()
    claims.pop(name, None)
    claims = loads_object(json.dumps(claims)[:-1].encode() + f', "{name}": {raw}}}'.encode())
    assert claims[name] in (float("inf"), float("-inf"))
    with pytest.raises(ClaimError) as info:
        _check(claims)
    assert info.value.claim == name


@pytest.mark.parametrize(
    ("value", "ok"),
    [(-(2**53), True), (-(2**53) - 1, False), (-(10**400), False)],
    ids=["-2^53", "-2^53-1", "-10^400"],
)
@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
def test_integer_numeric_date_range(name: str, value: int, ok: bool) -> None:
    """Integer NumericDates stay within ±2**53 (RFC 7493 §2.2), so float() never overflows."""
    claims = good_claims(**{name: value})
    if name == "exp":
        with pytest.raises(ClaimError) as info:
            _check(claims)
        # In range, a past exp is merely expired; out of range it is not a date at all.
        assert (type(info.value) is ExpiredTokenError) is ok
    elif ok:
        _check(claims)
    else:
        with pytest.raises(ClaimError) as info:
            _check(claims)
        assert type(info.value) is ClaimError
        assert info.value.claim == name


def test_nan_numeric_date_refused() -> None:
    """A NaN exp (possible only from a non-strict parser) is refused, not compared."""
    with pytest.raises(ClaimError):
        _check(good_claims(exp=float("nan")))


@pytest.mark.parametrize(
    ("exp", "leeway", "now", "expired"),
    [
        (NOW, 0, NOW, True),  # RFC 7519 §4.1.4: now must be *before* exp
        (NOW + 1, 0, NOW, False),
        (NOW + 0.5, 0, NOW, False),
        (NOW - 1, 0, NOW, True),
        (NOW, 30, NOW + 29, False),
        (NOW, 30, NOW + 30, True),
        (NOW, 30, NOW + 29.999, False),
        (NOW, 600, NOW + 599, False),
    ],
)
def test_exp_edges(exp: float, leeway: float, now: float, expired: bool) -> None:
    """A token is expired from exp on; leeway extends it by exactly that many seconds."""
    policy = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, typ="at+jwt", leeway=leeway)
    claims = good_claims(exp=exp, iat=NOW - 1000)
    if expired:
        with pytest.raises(ExpiredTokenError) as info:
            _check(claims, policy=policy, now=now)
        assert info.value.claim == "exp"
    else:
        _check(claims, policy=policy, now=now)


@pytest.mark.parametrize(
    ("name", "value", "leeway", "valid"),
    [
        ("nbf", NOW, 0, True),
        ("nbf", NOW + 1, 0, False),
        ("nbf", NOW + 30, 30, True),
        ("nbf", NOW + 31, 30, False),
        ("iat", NOW, 0, True),
        ("iat", NOW + 1, 0, False),
        ("iat", NOW + 30, 30, True),
        ("iat", NOW + 31, 30, False),
    ],
)
def test_nbf_and_iat_in_the_future(name: str, value: float, leeway: float, valid: bool) -> None:
    """nbf and iat later than now (plus leeway) mean not yet valid."""
    policy = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, typ="at+jwt", leeway=leeway)
    claims = good_claims(**{name: value})
    if valid:
        _check(claims, policy=policy)
    else:
        with pytest.raises(NotYetValidError) as info:
            _check(claims, policy=policy)
        assert info.value.claim == name


@pytest.mark.parametrize(
    ("iat", "leeway", "valid"),
    [
        (NOW - 60, 0, True),
        (NOW - 61, 0, False),
        (NOW - 90, 30, True),
        (NOW - 91, 30, False),
    ],
)
def test_max_age(iat: float, leeway: float, valid: bool) -> None:
    """With max_age, a token older than iat + max_age (plus leeway) is expired."""
    policy = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, typ="at+jwt", max_age=60, leeway=leeway)
    if valid:
        _check(good_claims(iat=iat), policy=policy)
    else:
        with pytest.raises(ExpiredTokenError) as info:
            _check(good_claims(iat=iat), policy=policy)
        assert info.value.claim == "iat"


def test_max_age_requires_iat() -> None:
    """Configuring max_age makes iat mandatory."""
    claims = good_claims()
    del claims["iat"]
    with pytest.raises(MissingClaimError) as info:
        _check(claims, policy=ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, max_age=60))
    assert info.value.claim == "iat"


@pytest.mark.parametrize(
    "iss",
    [
        "https://auth.example.com/",
        "HTTPS://AUTH.EXAMPLE.COM",
        "https://Auth.example.com",
        "https://auth.example.co",
        "",
        ["https://auth.example.com"],
        1,
    ],
)
def test_issuer_exact_match(iss: Any) -> None:
    """iss matches by exact, case-sensitive string comparison (RFC 8725 §3.8)."""
    with pytest.raises(InvalidIssuerError) as info:
        _check(good_claims(iss=iss))
    assert info.value.claim == "iss"


def test_issuer_list_accepts_any_listed() -> None:
    """A policy with several issuers accepts each of them and nothing else."""
    policy = ClaimsPolicy(issuer=[ISSUER, "https://other.example"], audience=AUDIENCE)
    _check(good_claims(iss="https://other.example"), policy=policy)
    with pytest.raises(InvalidIssuerError):
        _check(good_claims(iss="https://third.example"), policy=policy)


@pytest.mark.parametrize(
    ("aud", "valid"),
    [
        (AUDIENCE, True),
        ([AUDIENCE], True),
        (["billing", AUDIENCE], True),
        ("Orders", False),
        ("billing", False),
        (["billing"], False),
        ([], False),
        ([AUDIENCE, 1], False),
        ([AUDIENCE, None], False),
        ([[AUDIENCE]], False),
        (1, False),
        ({"aud": AUDIENCE}, False),
    ],
)
def test_audience(aud: Any, valid: bool) -> None:
    """aud is a string or a non-empty array of strings containing ours (RFC 7519 §4.1.3)."""
    if valid:
        _check(good_claims(aud=aud))
    else:
        with pytest.raises(InvalidAudienceError) as info:
            _check(good_claims(aud=aud))
        assert info.value.claim == "aud"


@pytest.mark.parametrize("name", ["iss", "aud"])
def test_configured_means_required(name: str) -> None:
    """Configuring an issuer or audience makes that claim mandatory."""
    claims = good_claims()
    del claims[name]
    with pytest.raises(MissingClaimError) as info:
        _check(claims)
    assert info.value.claim == name


def test_unconfigured_issuer_and_audience_are_not_checked() -> None:
    """Without an issuer or audience in the policy, those claims are not looked at."""
    _check({"exp": NOW + 1, "iss": 1, "aud": 2}, policy=ClaimsPolicy())


@pytest.mark.parametrize(
    ("typ", "valid"),
    [
        ("at+jwt", True),
        ("AT+JWT", True),
        ("application/at+jwt", True),
        ("Application/AT+JWT", True),
        ("JWT", False),
        ("application/jwt", False),
        ("at+jwt ", False),
        ("", False),
        (None, False),
    ],
)
def test_typ(typ: str | None, valid: bool) -> None:
    """typ must be at+jwt, compared as a media type (RFC 7515 §4.1.9, RFC 9068 §4)."""
    header = {"alg": "EdDSA"} if typ is None else {"alg": "EdDSA", "typ": typ}
    if valid:
        _check(good_claims(), header=header)
    else:
        with pytest.raises(InvalidTypeError) as info:
            _check(good_claims(), header=header)
        assert info.value.claim == "typ"


def test_typ_unchecked_when_not_configured() -> None:
    """A policy without typ accepts any or no typ."""
    policy = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE)
    _check(good_claims(), policy=policy, header={"alg": "EdDSA"})
    _check(good_claims(), policy=policy, header={"alg": "EdDSA", "typ": "JWT"})


def test_required_claims() -> None:
    """Each required claim must be present; the first missing one is named."""
    policy = ClaimsPolicy(issuer=ISSUER, audience=AUDIENCE, required_claims=["jti", "sub"])
    _check(good_claims(jti="t-1"), policy=policy)
    with pytest.raises(MissingClaimError) as info:
        _check(good_claims(), policy=policy)
    assert info.value.claim == "jti"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"leeway": -1},
        {"leeway": 601},
        {"leeway": float("nan")},
        {"leeway": float("inf")},
        {"leeway": "30"},
        {"max_age": 0},
        {"max_age": -5},
        {"max_age": "60"},
        {"issuer": ""},
        {"issuer": []},
        {"audience": ""},
        {"audience": ["orders", ""]},
        {"audience": [1]},
    ],
)
def test_policy_config_errors(kwargs: dict[str, Any]) -> None:
    """Unusable policies fail at construction with ConfigurationError."""
    with pytest.raises(ConfigurationError):
        ClaimsPolicy(**kwargs)
