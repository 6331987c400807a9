"""DPoP switched on by the environment: ``adapters.dpop_env.dpop_from_environment``."""

from __future__ import annotations

import pytest

from gatehouse import ManualClock, Verifier
from gatehouse.adapters.dpop_env import dpop_from_environment
from gatehouse.dpop import DPoPVerifier
from gatehouse.errors import ConfigurationError, UseDPoPNonceError
from gatehouse.jose import b64url_encode


@pytest.mark.parametrize("value", [None, "", "off", "false", "0", "NO"])
def test_off_leaves_the_verifier_alone(verifier: Verifier, value: str | None) -> None:
    """Unset or off: the very same Verifier comes back (Bearer only)."""
    environ = {} if value is None else {"GATEHOUSE_RESOURCE_DPOP": value}
    assert dpop_from_environment(verifier, environ) is verifier


@pytest.mark.parametrize(("value", "bearer"), [("on", True), ("TRUE", True), ("required", False)])
def test_on_and_required(verifier: Verifier, value: str, bearer: bool) -> None:
    """on: DPoP and unbound Bearer; required: DPoP only."""
    checker = dpop_from_environment(verifier, {"GATEHOUSE_RESOURCE_DPOP": value})
    assert isinstance(checker, DPoPVerifier)
    assert checker.verifier is verifier
    assert checker.allow_bearer is bearer


def test_algorithms_and_nonce_keys(verifier: Verifier, clock: ManualClock) -> None:
    """The algs list is the one given; nonce keys make a server nonce mandatory (§9)."""
    environ = {
        "GATEHOUSE_RESOURCE_DPOP": "on",
        "GATEHOUSE_RESOURCE_DPOP_ALGORITHMS": "ES256, EdDSA",
        "GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS": b64url_encode(b"k" * 32),
        "GATEHOUSE_AUDIENCE": "orders",
    }
    checker = dpop_from_environment(verifier, environ, clock=clock)
    assert isinstance(checker, DPoPVerifier)
    headers = checker.challenge(UseDPoPNonceError("nonce", nonce="n"))
    assert 'algs="ES256 EdDSA"' in headers["WWW-Authenticate"]
    assert checker.nonce_headers()["DPoP-Nonce"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"GATEHOUSE_RESOURCE_DPOP": "maybe"}, "GATEHOUSE_RESOURCE_DPOP: expected one of"),
        (
            {"GATEHOUSE_RESOURCE_DPOP": "on", "GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS": "!!"},
            "NONCE_KEYS: expected base64url",
        ),
        (
            {"GATEHOUSE_RESOURCE_DPOP": "on", "GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS": "c2hvcnQ"},
            "at least 32",
        ),
        (
            {"GATEHOUSE_RESOURCE_DPOP": "on", "GATEHOUSE_RESOURCE_DPOP_ALGORITHMS": "HS256"},
            "must be asymmetric",
        ),
    ],
)
def test_mistakes_are_configuration_errors(
    verifier: Verifier, environ: dict[str, str], named: str
) -> None:
    """A bad mode, key or algorithm stops start-up with a ConfigurationError."""
    with pytest.raises(ConfigurationError, match=named):
        dpop_from_environment(verifier, {"GATEHOUSE_AUDIENCE": "orders", **environ})
