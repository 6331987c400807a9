"""A client's DPoP key and the nonces servers hand it (RFC 9449 §4, §8, §9).

One ``DPoPKey`` can serve every flow of a process: it signs a fresh proof per request
(``gatehouse.jose.dpop_make.make_proof``: new ``jti``, ``iat`` from the injected clock,
``ath`` when a token is sent, §4.2) and remembers the last ``DPoP-Nonce`` each origin
sent, so the next proof to that origin carries it. The authorization server's nonce
(§8) and a resource server's (§9) are separate because they are per origin.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import httpx

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.jose import JWK
from gatehouse.jose.dpop_make import make_proof

__all__ = ["DPoPKey", "asks_for_nonce"]

_MAX_NONCE = 512  # a nonce is an opaque short string (§8.1); a huge one is not kept


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def asks_for_nonce(response: httpx.Response) -> bool:
    """The answer refuses the proof for want of a (fresh) nonce and names one to use.

    A token endpoint says so in an RFC 6749 §5.2 body with HTTP 400 (§8); a resource
    server in ``WWW-Authenticate: DPoP error="use_dpop_nonce"`` with HTTP 401 (§9).
    Only the header is read: the 400 body is checked by the token flows themselves.
    """
    if "dpop-nonce" not in response.headers:
        return False
    if response.status_code == 401:
        challenges = response.headers.get_list("www-authenticate")
        return any("use_dpop_nonce" in value for value in challenges)
    return response.status_code == 400


class DPoPKey:
    """A private key that signs this client's proofs, and the nonces it was given."""

    def __init__(
        self,
        key: JWK | None = None,
        *,
        alg: str = "ES256",
        clock: Clock = SYSTEM_CLOCK,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        """``key`` is a private asymmetric JWK; without one a fresh ``alg`` key is made
        (an ephemeral key per process is what §2 expects of most clients)."""
        self._key = key if key is not None else JWK.generate(alg)
        self._alg = alg if key is None else None
        self._clock = clock
        self._random = random
        self._nonces: dict[str, str] = {}
        self._lock = threading.Lock()
        self.thumbprint = self._key.thumbprint()
        """The JWK SHA-256 thumbprint a bound token names in ``cnf.jkt`` (§6.1)."""

    def proof(self, method: str, url: httpx.URL | str, *, access_token: str | None = None) -> str:
        """A proof for one request, with the origin's last nonce when it sent one."""
        target = httpx.URL(url)
        with self._lock:
            nonce = self._nonces.get(_origin(target))
        return make_proof(
            self._key,
            method=method,
            url=str(target),
            now=self._clock.time(),
            access_token=access_token,
            nonce=nonce,
            alg=self._alg,
            random=self._random,
        )

    def learn(self, response: httpx.Response) -> bool:
        """Keep the ``DPoP-Nonce`` an answer carries (§8.2: any answer may bring the next
        one); True when it is new, so a refused proof is worth one retry."""
        nonce = response.headers.get("dpop-nonce")
        if not nonce or len(nonce) > _MAX_NONCE or not nonce.isascii():
            return False
        origin = _origin(response.request.url)
        with self._lock:
            changed: bool = self._nonces.get(origin) != nonce
            self._nonces[origin] = nonce
        return changed

    def __repr__(self) -> str:
        return f"DPoPKey(thumbprint={self.thumbprint!r})"
