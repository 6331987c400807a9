"""``DPoPVerifier``: the one call a resource server makes for a DPoP or Bearer request.

RFC 9449 §7.1: a ``DPoP``-scheme request must carry a proof that passes every §4.3
check, whose ``ath`` is the hash of this access token and whose key is the one the
token is bound to (``cnf.jkt``, §6.1). §7.2: a token bound to a key must never be
accepted as a bearer token (downgrade). So ``verify_request`` takes the request's
``Authorization`` and ``DPoP`` headers, method and URL and returns the token's
``Claims`` or raises a ``TokenError`` subclass whose ``code`` names the rule broken.

Order, and why: the token is verified first (a request without a valid token never
costs a key import from its proof); then the binding and the proof; the replay entry
is written only when everything else passed; scopes last, so a caller without the key
learns nothing about what the token may do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from gatehouse.claims import Claims, check_scopes
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.dpop.challenge import challenge_headers, parse_authorization
from gatehouse.dpop.proofs import ProofChecker
from gatehouse.errors import DPoPBindingError, GatehouseError
from gatehouse.jose.dpop import DEFAULT_MAX_PROOF_SIZE, DPOP_ALGORITHMS, NoncePolicy, ProofPolicy

if TYPE_CHECKING:
    from gatehouse.dpop.replay import ReplayCache
    from gatehouse.verify import Verifier

__all__ = ["DPoPVerifier"]


class DPoPVerifier:
    """Wraps a ``Verifier``: access tokens by it, proofs by a ``ProofChecker``; thread-safe.

    ``replay`` defaults to this process's memory; several instances need a shared
    cache (``RedisReplayCache``). ``nonces`` (e.g. ``StatelessNonces``) makes a server
    nonce mandatory. ``allow_bearer=False`` refuses unbound Bearer tokens too (a
    DPoP-only resource); bound tokens are refused as Bearer whatever it says.
    """

    __slots__ = ("allow_bearer", "proofs", "verifier")

    def __init__(
        self,
        verifier: Verifier,
        *,
        replay: ReplayCache | None = None,
        nonces: NoncePolicy | None = None,
        algorithms: Iterable[str] = DPOP_ALGORITHMS,
        max_age: float = 60,
        leeway: float = 5,
        max_proof_size: int = DEFAULT_MAX_PROOF_SIZE,
        allow_bearer: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        policy = ProofPolicy(
            algorithms=tuple(algorithms), max_age=max_age, leeway=leeway, max_size=max_proof_size
        )
        self.verifier = verifier
        self.proofs = ProofChecker(policy=policy, replay=replay, nonces=nonces, clock=clock)
        self.allow_bearer = allow_bearer

    def verify_request(
        self,
        *,
        authorization: str | Sequence[str] | None,
        dpop: str | Sequence[str] | None,
        method: str,
        url: str,
        scopes: Iterable[str] = (),
    ) -> Claims:
        """The claims of the request's access token, if token and proof are good for
        ``method`` and ``url`` (the full request URL as the client addressed it)."""
        scheme, token = parse_authorization(authorization)
        claims = self.verifier.verify(token)
        return self._bind(scheme, token, claims, dpop, method, url, scopes)

    async def verify_request_async(
        self,
        *,
        authorization: str | Sequence[str] | None,
        dpop: str | Sequence[str] | None,
        method: str,
        url: str,
        scopes: Iterable[str] = (),
    ) -> Claims:
        """As ``verify_request``; a key fetch (RemoteJWKS) never blocks the event loop."""
        scheme, token = parse_authorization(authorization)
        claims = await self.verifier.verify_async(token)
        return self._bind(scheme, token, claims, dpop, method, url, scopes)

    def challenge(
        self,
        error: GatehouseError | None,
        *,
        scheme: str | None = "dpop",
        realm: str | None = None,
        scopes: Iterable[str] = (),
    ) -> dict[str, str]:
        """Headers for a refusal: ``WWW-Authenticate`` (both schemes when Bearer is also
        accepted) and, with a nonce policy, a fresh ``DPoP-Nonce``."""
        return challenge_headers(
            error,
            algorithms=self.proofs.algorithms,
            scheme=scheme,
            realm=realm,
            bearer=self.allow_bearer,
            scopes=scopes,
            nonce=self.proofs.fresh_nonce(),
        )

    def nonce_headers(self) -> dict[str, str]:
        """For a successful response: the current ``DPoP-Nonce`` (and ``no-store``), so a
        client moves to the new nonce before its old one lapses (§8.2); empty without a
        nonce policy."""
        nonce = self.proofs.fresh_nonce()
        return {} if nonce is None else {"DPoP-Nonce": nonce, "Cache-Control": "no-store"}

    def _bind(
        self,
        scheme: str,
        token: str,
        claims: Claims,
        dpop: str | Sequence[str] | None,
        method: str,
        url: str,
        scopes: Iterable[str],
    ) -> Claims:
        cnf = claims.get("cnf")
        if scheme == "bearer":
            if cnf is not None:
                # §7.2: "MUST reject a DPoP-bound access token received as a bearer token";
                # any confirmation claim means the token is sender-constrained.
                raise DPoPBindingError(
                    "a sender-constrained token was sent as Bearer", code="dpop_bearer_downgrade"
                )
            if not self.allow_bearer:
                raise DPoPBindingError("this resource requires DPoP", code="dpop_required")
        else:
            jkt = cnf.get("jkt") if isinstance(cnf, Mapping) else None
            if not isinstance(jkt, str) or not jkt:
                raise DPoPBindingError(
                    "the DPoP scheme needs a token bound to a key (cnf.jkt)",
                    code="dpop_unbound_token",
                )
            self.proofs.check(dpop, method=method, url=url, access_token=token, jkt=jkt)
        check_scopes(claims, scopes)
        return claims
