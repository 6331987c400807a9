"""RFC 6750: reading Authorization: Bearer (§2.1) and writing the challenge (§3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.adapters import bearer
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.bearer import (
    MAX_AUTHORIZATION_LENGTH,
    NO_CREDENTIALS,
    challenge,
    extract_bearer,
    missing_credentials,
    read_credentials,
)
from gatehouse.adapters.rejection import reject
from gatehouse.errors import (
    ConfigurationError,
    ExpiredTokenError,
    GatehouseError,
    InsufficientScopeError,
    InvalidRequestError,
    JWKSFetchError,
    MalformedTokenError,
    StorageUnavailableError,
    TokenError,
    TokenTooLargeError,
)
from gatehouse.jose import JWK

from .conftest import AUDIENCE, ISSUER

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(scope="module")
def protected() -> Handler:
    """A decorated handler (module-scoped: hypothesis reuses it across examples)."""
    keys = JWKS.from_dict({"keys": [JWK.generate("ES256").public().to_dict()]})
    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], clock=ManualClock()
    )
    return require_token(verifier)(lambda event, context, *, claims: {"statusCode": 200})


@pytest.mark.parametrize(
    ("values", "token"),
    [
        (["Bearer abc.def.ghi"], "abc.def.ghi"),
        (["bearer abc.def.ghi"], "abc.def.ghi"),
        (["BEARER  abc-_~+/=="], "abc-_~+/=="),
        (["  Bearer abc  "], "abc"),
    ],
)
def test_extract_bearer_accepts_b64token(values: list[str], token: str) -> None:
    """The scheme is case-insensitive and the token is any b64token (RFC 6750 §2.1)."""
    assert extract_bearer(values) == token


@pytest.mark.parametrize("values", [[], ["Basic dXNlcjpwYXNz"], ["Token abc"], [""]])
def test_extract_bearer_without_bearer_credentials_is_missing(values: list[str]) -> None:
    """No header or another scheme means no credentials, not a bad token (RFC 6750 §3.1)."""
    with pytest.raises(TokenError) as caught:
        extract_bearer(values)
    assert caught.value.code == NO_CREDENTIALS


@pytest.mark.parametrize(
    "value",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer a,Bearer b", "Bearer tok\u00e9n", "Bearer a=b"],
)
def test_extract_bearer_refuses_malformed_credentials(value: str) -> None:
    """Bearer with an empty or non-b64token value is a malformed token."""
    with pytest.raises(MalformedTokenError):
        extract_bearer([value])


def test_extract_bearer_refuses_two_headers() -> None:
    """Two Authorization headers are an invalid_request (RFC 6750 §3.1)."""
    with pytest.raises(InvalidRequestError):
        extract_bearer(["Bearer a", "Bearer b"])


def test_extract_bearer_checks_size_before_parsing() -> None:
    """An oversized header is refused as too large."""
    with pytest.raises(TokenTooLargeError):
        extract_bearer(["Bearer " + "a" * MAX_AUTHORIZATION_LENGTH])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        (["Bearer abc.def"], ("bearer", "abc.def")),
        (["DPoP  abc.def"], ("dpop", "abc.def")),
        (["basic dXNlcjpwYXNz"], ("basic", "dXNlcjpwYXNz")),
        (['Digest username="a", realm="b"'], None),
        (["Bearer \xff"], None),  # Bearer not asked about here: not judged
    ],
)
def test_read_credentials_returns_scheme_and_token(
    values: list[str], expected: tuple[str, str] | None
) -> None:
    """The one parser gives the lower-cased scheme and the token68 (RFC 9110 §11.4) for
    the schemes asked about, and None for any other."""
    schemes = ("dpop", "basic") if values[:1] == ["Bearer \xff"] else ("bearer", "dpop", "basic")
    assert read_credentials(values, schemes=schemes) == expected


@pytest.mark.parametrize("value", ["Bearer", "Basic a b", "DPoP \xff", "Bearer a\x80"])
def test_read_credentials_refuses_what_is_not_a_token68(value: str) -> None:
    """Empty credentials, spaces or non-ASCII characters are MalformedTokenError."""
    with pytest.raises(MalformedTokenError):
        read_credentials([value], schemes=("bearer", "basic", "dpop"))


def test_challenge_takes_the_scheme_and_its_parameters() -> None:
    """The one builder writes any scheme: Basic with charset (RFC 7617 §2.1), DPoP with
    algs (RFC 9449 §7.1), after the error attributes."""
    basic = challenge(None, realm="gatehouse", scheme="Basic", params={"charset": "UTF-8"})
    assert basic == 'Basic realm="gatehouse", charset="UTF-8"'
    dpop = challenge(
        ExpiredTokenError("exp passed", claim="exp"),
        realm="api",
        scheme="DPoP",
        params={"algs": "ES256 EdDSA"},
    )
    assert dpop.startswith('DPoP realm="api", error="invalid_token", ')
    assert dpop.endswith('algs="ES256 EdDSA"')


def test_challenge_without_credentials_has_no_error() -> None:
    """A request without credentials gets a bare realm challenge (RFC 6750 §3.1)."""
    assert challenge(missing_credentials(), realm="orders") == 'Bearer realm="orders"'
    assert challenge(None, realm="orders") == 'Bearer realm="orders"'


def test_challenge_for_invalid_token_names_the_error() -> None:
    """An invalid token gets error and a fixed error_description (RFC 6750 §3)."""
    value = challenge(ExpiredTokenError("exp passed", claim="exp"), realm="api")
    assert value == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The access token has expired."'
    )


def test_challenge_for_insufficient_scope_lists_the_scope() -> None:
    """insufficient_scope advertises the scope needed (RFC 6750 §3)."""
    error = InsufficientScopeError("missing", required=("orders:read", "orders:write"))
    value = challenge(error, realm="api")
    assert 'error="insufficient_scope"' in value
    assert value.endswith('scope="orders:read orders:write"')


def test_challenge_quotes_the_realm() -> None:
    """A realm with quotes cannot break out of its quoted-string (RFC 9110 §5.6.4)."""
    assert challenge(None, realm='a"b') == 'Bearer realm="a\\"b"'


def test_reject_never_echoes_the_error_message() -> None:
    """The body and header carry fixed texts, never the exception's message."""
    secret = "eyJhbGciOiJFUzI1NiJ9.secret-token-text"
    rejection = reject(MalformedTokenError(secret), realm="api")
    assert secret not in rejection.body
    assert secret not in json.dumps(rejection.headers)
    assert json.loads(rejection.body) == {
        "error": "invalid_token",
        "error_description": "The access token is malformed.",
    }
    assert rejection.status == 401


@pytest.mark.parametrize(
    "error", [JWKSFetchError("down"), StorageUnavailableError("down")], ids=["keys", "storage"]
)
def test_reject_maps_unavailable_backends_to_503_without_challenge(error: Exception) -> None:
    """Key source or deny-list store failures are 503 and not the caller's fault."""
    rejection = reject(error, realm="api")  # type: ignore[arg-type]
    assert rejection.status == 503
    assert "WWW-Authenticate" not in rejection.headers
    assert json.loads(rejection.body)["error"] == "temporarily_unavailable"


def test_reject_reraises_configuration_errors() -> None:
    """A server-side mistake is not dressed up as a client error."""
    with pytest.raises(ConfigurationError):
        reject(ConfigurationError("bad setup"), realm="api")


@given(st.lists(st.text(max_size=200), max_size=3))
def test_extract_bearer_raises_only_gatehouse_errors(values: list[str]) -> None:
    """Any header text yields a token or a GatehouseError, nothing else."""
    try:
        token = extract_bearer(values)
    except GatehouseError:
        return
    assert token
    assert " " not in token


@given(st.text(max_size=300))
def test_lambda_decorator_answers_any_header_without_crashing(
    protected: Handler, value: str
) -> None:
    """Arbitrary Authorization text through the Lambda decorator is a 400/401, never a crash."""
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"authorization": value},
        "requestContext": {"http": {"method": "GET", "path": "/"}},
    }
    response = protected(event, None)
    assert response["statusCode"] in (400, 401)
    # Never an echo of the header: the description is one of the fixed texts.
    fixed = set(bearer._DESCRIPTIONS.values()) | set(bearer._DEFAULT_DESCRIPTIONS.values())
    assert json.loads(response["body"])["error_description"] in fixed
