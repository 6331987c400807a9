"""The seam between the Verifier and a token status mechanism (draft-ietf-oauth-status-list).

The Verifier calls ``check`` (or ``acheck``) with the verified claims on every verify,
cached hits included, after the signature and claims passed (§8.3: status processing
follows token validation). ``attach`` hands the source the Verifier's keys, algorithm
allow-list, issuers and clock once, so one setting turns the check on everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gatehouse.clock import Clock
    from gatehouse.keys.base import KeySource

__all__ = ["StatusSource"]


@runtime_checkable
class StatusSource(Protocol):
    """Raises ``TokenRevokedError`` for a token whose status is not VALID, a ``TokenError``
    for a bad or missing reference, and a ``KeySourceError`` (503) when it cannot tell."""

    def attach(
        self,
        *,
        keys: KeySource,
        algorithms: frozenset[str],
        issuers: Iterable[str] | None,
        clock: Clock,
    ) -> None: ...

    def check(self, claims: Mapping[str, Any]) -> None: ...

    async def acheck(self, claims: Mapping[str, Any]) -> None: ...
