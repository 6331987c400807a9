"""DPoP at the token endpoint (RFC 9449 §5, §8): checking the proof, binding the tokens.

The rules, in one place:

- A request to ``/login`` or ``/token`` may carry one ``DPoP`` header. It is checked
  with ``gatehouse.dpop.ProofChecker``: ``htm`` POST, ``htu`` the endpoint's URL, no
  ``ath`` (there is no access token yet, §4.3), a server nonce when ``[dpop]
  require_nonce`` is set (§8), single use across instances through the replay store
  (§11.1). Its key's RFC 7638 thumbprint is what the tokens get bound to.
- ``htu`` is the endpoint's URL *as the issuer URL names it*: the issuer's origin and
  path plus the endpoint path, i.e. exactly the ``token_endpoint`` the metadata
  advertises. Behind a proxy or under a path prefix the client uses the advertised URL,
  and the request's own ``Host`` header (which a client chooses) never decides it.
- With a proof the access token carries ``cnf.jkt`` (§6.1) and the response says
  ``token_type: DPoP`` (§5.1). The refresh family of a *public* client is bound to the
  same key (§5: refresh tokens of public clients are sender-constrained, RFC 9700
  §4.14.2): refreshing it needs a proof by that key. Confidential clients' refresh
  tokens stay bound to the client (its authentication), as before.
- A bound family refreshed without a proof is refused (``invalid_dpop_proof``); with a
  proof by *another* key it is a theft signal, handled like refresh-token reuse: the
  family is revoked, the event audited, ``invalid_grant`` (code ``dpop_key_mismatch``).
- A client may be required to use DPoP (``ClientRecord.require_dpop``, or ``[dpop]
  require_first_party`` for the first-party client): no proof, ``invalid_dpop_proof``.

The errors are the verifier side's classes (``InvalidDPoPProofError``,
``UseDPoPNonceError``), whose ``status`` is a resource server's 401; the HTTP layer
answers them with 400 at the token endpoint (§5, §8: an RFC 6749 §5.2 error), see
``gatehouse.service.dpop_errors``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatehouse.clock import Clock
from gatehouse.errors import ConfigurationError, InvalidDPoPProofError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.dpop_config import DPoPConfig
from gatehouse.issuer.kek import KeyEncryptionKey
from gatehouse.jose import b64url_decode
from gatehouse.storage.records import ClientRecord

if TYPE_CHECKING:
    from gatehouse.dpop.proofs import ProofChecker
    from gatehouse.dpop.replay import ReplayCache

__all__ = ["NONCE_KEY_PURPOSE", "TokenEndpointDPoP", "bound_key_missing", "require_proof"]

NONCE_KEY_PURPOSE = "gatehouse dpop nonce v1"
"""The KEK derivation label of the nonce key when ``[dpop] nonce_keys`` is empty."""


def _nonce_keys(config: DPoPConfig, kek: KeyEncryptionKey) -> list[bytes]:
    if not config.nonce_keys:
        return [kek.derive(NONCE_KEY_PURPOSE)]
    try:
        return [b64url_decode(text) for text in config.nonce_keys]
    except ValueError:
        raise ConfigurationError("[dpop] nonce_keys: each key is base64url text") from None


def require_proof(jkt: str | None, *, required: bool) -> None:
    """A client that must use DPoP sent no proof: ``invalid_dpop_proof`` (RFC 9449 §5)."""
    if required and jkt is None:
        raise InvalidDPoPProofError("this client must send a DPoP proof", code="dpop_proof_missing")


def bound_key_missing() -> InvalidDPoPProofError:
    """The error for a key-bound refresh token presented without a proof (§5)."""
    return InvalidDPoPProofError(
        "this refresh token is bound to a DPoP key: send a proof by that key",
        code="dpop_proof_missing",
    )


class TokenEndpointDPoP:
    """The token endpoint's proof checker, nonce source and policy; thread-safe.

    The checker (``gatehouse.dpop``: proof parsing, the replay cache, nonces) is built on
    first use, so a login without a ``DPoP`` header never loads it (issue 15 §2); with
    ``require_nonce`` it is built at once, so bad nonce keys stop the start as before.
    """

    __slots__ = ("_base", "_checker", "_clock", "_kek", "_lock", "_replay", "config")

    def __init__(
        self,
        config: DPoPConfig,
        *,
        issuer: str,
        kek: KeyEncryptionKey,
        replay: ReplayCache | None,
        clock: Clock,
    ) -> None:
        self.config = config
        self._base = issuer.rstrip("/")
        self._kek = kek
        self._replay = replay
        self._clock = clock
        self._lock = threading.Lock()
        self._checker: ProofChecker | None = None
        if config.require_nonce:
            self._proof_checker()

    def _proof_checker(self) -> ProofChecker:
        checker = self._checker
        if checker is None:
            with self._lock:
                if self._checker is None:
                    self._checker = self._build_checker()
                checker = self._checker
        return checker

    def _build_checker(self) -> ProofChecker:
        from gatehouse.dpop.nonces import StatelessNonces
        from gatehouse.dpop.proofs import ProofChecker
        from gatehouse.dpop.replay import MemoryReplayCache, NoReplayCheck
        from gatehouse.jose.dpop import ProofPolicy

        config = self.config
        nonces = None
        if config.require_nonce:
            # §9: the context keeps this server's nonces from any other's.
            nonces = StatelessNonces(
                _nonce_keys(config, self._kek),
                context=self._base,
                slot_seconds=config.nonce_lifetime,
                clock=self._clock,
            )
        replay = NoReplayCheck() if config.replay == "off" else self._replay
        policy = ProofPolicy(
            algorithms=config.algorithms, max_age=config.max_age, leeway=config.leeway
        )
        return ProofChecker(
            policy=policy,
            replay=replay if replay is not None else MemoryReplayCache(),
            nonces=nonces,
            clock=self._clock,
        )

    @property
    def algorithms(self) -> list[str]:
        """What ``dpop_signing_alg_values_supported`` advertises (§5.1)."""
        return sorted(set(self.config.algorithms)) if self.config.enabled else []

    def endpoint_url(self, path: str) -> str:
        """The ``htu`` a proof for ``path`` must name: the issuer URL plus the path."""
        return self._base + path

    def proof_jkt(self, dpop: str | Sequence[str] | None, *, path: str) -> str | None:
        """The thumbprint of the request's checked proof (now used up); None when the
        request has no ``DPoP`` header or DPoP is off. A bad proof raises
        ``InvalidDPoPProofError`` (or ``UseDPoPNonceError`` with a fresh nonce)."""
        if not self.config.enabled or dpop is None:
            return None
        if not isinstance(dpop, str) and not list(dpop):
            return None
        proof = self._proof_checker().check(dpop, method="POST", url=self.endpoint_url(path))
        return proof.jkt

    def required_for(self, client: ClientRecord | None, config: IssuerConfig) -> bool:
        """Must this client (None or unknown: the first-party client) send a proof?"""
        if not self.config.enabled:
            return False
        if client is None or client.client_id == config.first_party_client_id:
            return self.config.require_first_party
        return client.require_dpop

    def metadata(self) -> dict[str, list[str]]:
        """The metadata member RFC 9449 §5.1 defines, when DPoP is on."""
        algorithms = self.algorithms
        return {"dpop_signing_alg_values_supported": algorithms} if algorithms else {}

    def nonce_headers(self) -> dict[str, str]:
        """``DPoP-Nonce`` for a response, when nonces are required (§8.2)."""
        if not (self.config.enabled and self.config.require_nonce):
            return {}
        nonce = self._proof_checker().fresh_nonce()
        return {} if nonce is None else {"DPoP-Nonce": nonce}
