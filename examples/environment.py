"""How the examples are configured: environment variables, as a deployed function is.

``gatehouse dev`` sets these for the functions it runs (pointing at itself), and
``gatehouse deploy sam`` puts them in each function's environment:

* ``GATEHOUSE_ISSUER_URL``: the ``iss`` tokens must carry (the token service's ``[issuer] url``);
* ``GATEHOUSE_AUDIENCE``: the ``aud`` tokens must carry;
* ``GATEHOUSE_JWKS_URL``: the token service's published keys.
* ``GATEHOUSE_RESOURCE_DPOP``: ``on`` to also take DPoP-bound tokens (RFC 9449),
  ``required`` for DPoP only; unset, Bearer tokens only (``gatehouse.adapters.dpop_env``
  has the rest).

The Verifier is built once per process (module level in a Lambda function), so warm
invocations reuse its cached keys and verified tokens.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gatehouse import RemoteJWKS, Verifier
from gatehouse.adapters.dpop_env import dpop_from_environment
from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from gatehouse.dpop import DPoPVerifier

__all__ = ["ALGORITHMS", "required", "verifier_from_environment"]

# What a gatehouse token service signs with; never HS256 or "none" (RFC 8725 §3.1).
ALGORITHMS = ("ES256", "EdDSA", "RS256", "PS256")


def required(name: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    value = env.get(name)
    if not value:
        raise ConfigurationError(
            f"{name} is not set; run the examples with `gatehouse dev`, or set it in the"
            " function's environment"
        )
    return value


def verifier_from_environment(
    environ: Mapping[str, str] | None = None,
) -> Verifier | DPoPVerifier:
    """A Verifier against the token service's JWKS (plain http is allowed to loopback only),
    checking DPoP proofs too when ``GATEHOUSE_RESOURCE_DPOP`` says so (any adapter takes
    either)."""
    verifier = Verifier(
        issuer=required("GATEHOUSE_ISSUER_URL", environ),
        audience=required("GATEHOUSE_AUDIENCE", environ),
        keys=RemoteJWKS(required("GATEHOUSE_JWKS_URL", environ)),
        algorithms=ALGORITHMS,
    )
    return dpop_from_environment(verifier, os.environ if environ is None else environ)
