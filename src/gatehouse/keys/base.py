"""The seam between the Verifier and wherever its keys come from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gatehouse.jose.jwk import JWK

__all__ = ["KeySource"]


@runtime_checkable
class KeySource(Protocol):
    """Finds the verification key for a token's ``kid`` and ``alg``.

    Implementations raise ``UnknownKeyError`` when no key fits (the token's fault, 401)
    and a ``KeySourceError`` when keys cannot be obtained at all (ours, 503).
    ``aget_key`` must never block the event loop.
    """

    def get_key(self, kid: str | None, alg: str) -> JWK: ...

    async def aget_key(self, kid: str | None, alg: str) -> JWK: ...
