"""WWW-Authenticate and DPoP-Nonce on refusals (RFC 9449 §7.1, §7.2, §9)."""

from __future__ import annotations

from gatehouse.dpop import challenge_headers, www_authenticate
from gatehouse.errors import (
    DPoPBindingError,
    InsufficientScopeError,
    InvalidDPoPProofError,
    TokenError,
    UseDPoPNonceError,
)

ALGS = ["PS256", "ES256"]


def test_bare_challenge_without_credentials() -> None:
    """No credentials: no error attribute, just the algorithms (§7.1 first example)."""
    assert www_authenticate(None, algorithms=ALGS) == 'DPoP algs="ES256 PS256"'
    missing = TokenError("x", code="missing_token")
    assert (
        www_authenticate(missing, algorithms=ALGS, bearer=True) == 'Bearer, DPoP algs="ES256 PS256"'
    )


def test_proof_error_goes_in_the_dpop_challenge() -> None:
    """A bad proof is error="invalid_dpop_proof" with a fixed description, never the message."""
    err = InvalidDPoPProofError("secret detail", code="dpop_wrong_url")
    value = www_authenticate(err, algorithms=["ES256"])
    assert value == (
        'DPoP error="invalid_dpop_proof", '
        'error_description="The DPoP proof is for another URL.", algs="ES256"'
    )
    assert "secret" not in value


def test_key_mismatch_is_invalid_token_as_in_the_rfc() -> None:
    """A wrong key binding reads as §7.1's example: invalid_token, Invalid DPoP key binding."""
    value = www_authenticate(DPoPBindingError("x"), algorithms=["ES256"])
    assert value == (
        'DPoP error="invalid_token", error_description="Invalid DPoP key binding.", algs="ES256"'
    )


def test_bearer_attempt_carries_the_error_in_the_bearer_challenge() -> None:
    """Both schemes offered; the error goes in the challenge of the scheme tried (§7.2)."""
    err = DPoPBindingError("x", code="dpop_bearer_downgrade")
    value = www_authenticate(err, algorithms=["ES256"], scheme="bearer", bearer=True, realm="api")
    assert value.startswith('Bearer realm="api", error="invalid_token", error_description=')
    assert value.endswith('DPoP realm="api", algs="ES256"')


def test_scope_attribute_on_insufficient_scope() -> None:
    """insufficient_scope names the scopes needed (RFC 6750 §3)."""
    err = InsufficientScopeError("x", required=("orders:write",))
    assert 'scope="orders:write"' in www_authenticate(err, algorithms=["ES256"])


def test_nonce_header_comes_with_use_dpop_nonce_and_no_store() -> None:
    """use_dpop_nonce brings its nonce as DPoP-Nonce, uncacheable (§8.2, §9)."""
    headers = challenge_headers(UseDPoPNonceError("x", nonce="n-1"), algorithms=["ES256"])
    assert headers == {
        "WWW-Authenticate": 'DPoP error="use_dpop_nonce", '
        'error_description="A DPoP nonce is required.", algs="ES256"',
        "DPoP-Nonce": "n-1",
        "Cache-Control": "no-store",
    }
    assert "DPoP-Nonce" not in challenge_headers(None, algorithms=["ES256"])
