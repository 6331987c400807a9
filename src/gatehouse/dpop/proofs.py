"""``ProofChecker``: every RFC 9449 §4.3 check of a ``DPoP`` header, replay included.

The pure checks live in ``gatehouse.jose.dpop.check_proof``; this adds what needs state:
the clock, the server's nonce policy (§8, §9), the replay cache (§11.1) and a bounded
cache of the clients' imported keys. Both sides of DPoP use it: a resource server
through ``DPoPVerifier``, the token endpoint directly (no access token, so no ``ath``).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.dpop.replay import MemoryReplayCache, ReplayCache
from gatehouse.errors import DPoPBindingError, DPoPProofReplayError, InvalidDPoPProofError
from gatehouse.jose.dpop import (
    DEFAULT_POLICY,
    DPoPProof,
    NoncePolicy,
    ProofCache,
    ProofPolicy,
    check_proof,
)

__all__ = ["ProofChecker", "single_proof"]


def single_proof(dpop: str | Sequence[str] | None) -> str:
    """The one ``DPoP`` header value of a request (§4.3 steps 1-2)."""
    if dpop is None:
        raise InvalidDPoPProofError("the request has no DPoP proof", code="dpop_proof_missing")
    if not isinstance(dpop, str):
        values = list(dpop)
        if len(values) != 1:
            code = "dpop_proof_missing" if not values else "dpop_multiple_proofs"
            raise InvalidDPoPProofError("exactly one DPoP header is required", code=code)
        dpop = values[0]
    if not isinstance(dpop, str):
        raise InvalidDPoPProofError("the DPoP header is not text", code="dpop_malformed")
    value = dpop.strip(" \t")  # optional whitespace around a field value (RFC 9110 §5.5)
    if not value:
        raise InvalidDPoPProofError("the DPoP header is empty", code="dpop_proof_missing")
    return value


class ProofChecker:
    """Checks proofs against one policy, nonce policy and replay cache; thread-safe.

    Pass the same ``clock`` as the ``Verifier``'s: proof windows and token lifetimes
    are judged by one time.
    """

    __slots__ = ("_cache", "_clock", "nonces", "policy", "replay")

    def __init__(
        self,
        *,
        policy: ProofPolicy = DEFAULT_POLICY,
        replay: ReplayCache | None = None,
        nonces: NoncePolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.policy = policy
        # None: this process's own memory (one instance). Several instances share one
        # cache (Redis); ``NoReplayCheck()`` turns the check off, by name.
        self.replay: ReplayCache = replay if replay is not None else MemoryReplayCache()
        self.nonces = nonces
        self._clock = clock
        self._cache = ProofCache()

    @property
    def algorithms(self) -> frozenset[str]:
        return self.policy.algorithms

    def check(
        self,
        dpop: str | Sequence[str] | None,
        *,
        method: str,
        url: str,
        access_token: str | None = None,
        jkt: str | None = None,
    ) -> DPoPProof:
        """The checked proof of a request, recorded as used; else an ``InvalidDPoPProofError``
        (or ``UseDPoPNonceError``).

        ``jkt`` is the thumbprint the token (or refresh token) is bound to: a proof by
        another key is a ``DPoPBindingError`` (§4.3 step 12, §6). Replay is checked
        last, so a proof that fails any other check is not recorded.
        """
        now = self._clock.time()
        proof = check_proof(
            single_proof(dpop),
            method=method,
            url=url,
            now=now,
            policy=self.policy,
            access_token=access_token,
            nonces=self.nonces,
            cache=self._cache,
        )
        if jkt is not None and not hmac.compare_digest(
            proof.jkt.encode("ascii"), jkt.encode("utf-8", "surrogatepass")
        ):
            raise DPoPBindingError(
                "the proof is signed by another key than the token is bound to",
                code="dpop_key_mismatch",
            )
        self.record(proof, now=now)
        return proof

    def record(self, proof: DPoPProof, *, now: float) -> None:
        """Mark ``proof`` used until it would go stale; refuse it if it already was."""
        expires_at = proof.iat + self.policy.max_age
        if not self.replay.first_use(proof.replay_key, expires_at=expires_at, now=now):
            raise DPoPProofReplayError("this DPoP proof was already used")

    def fresh_nonce(self) -> str | None:
        """A nonce to send in ``DPoP-Nonce`` now, when a nonce policy is set."""
        return self.nonces.issue(self._clock.time()) if self.nonces is not None else None
