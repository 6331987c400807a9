"""DPoP for resource servers and the token service (RFC 9449), verifier side.

``DPoPVerifier`` is the one call a resource server makes; ``ProofChecker`` checks a
``DPoP`` header alone (the token endpoint); ``StatelessNonces`` hands out and checks
server nonces (§8); ``MemoryReplayCache`` keeps proofs single-use in one process
(``gatehouse.storage.redis_dpop.RedisReplayCache`` across many). The pure proof check
is ``gatehouse.jose.dpop``; ``make_proof``, for clients, ``gatehouse.jose.dpop_make``.
See docs/dpop.md.
"""

from __future__ import annotations

from gatehouse.dpop.challenge import challenge_headers, parse_authorization, www_authenticate
from gatehouse.dpop.nonces import StatelessNonces
from gatehouse.dpop.proofs import ProofChecker
from gatehouse.dpop.replay import MemoryReplayCache, NoReplayCheck, ReplayCache
from gatehouse.dpop.verifier import DPoPVerifier
from gatehouse.jose.dpop import (
    DPOP_ALGORITHMS,
    DPoPProof,
    ProofPolicy,
    access_token_hash,
    check_proof,
)
from gatehouse.jose.dpop_make import make_proof

__all__ = [
    "DPOP_ALGORITHMS",
    "DPoPProof",
    "DPoPVerifier",
    "MemoryReplayCache",
    "NoReplayCheck",
    "ProofChecker",
    "ProofPolicy",
    "ReplayCache",
    "StatelessNonces",
    "access_token_hash",
    "challenge_headers",
    "check_proof",
    "make_proof",
    "parse_authorization",
    "www_authenticate",
]
