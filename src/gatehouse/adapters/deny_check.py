"""The deny check: routes that must honour logout at once ask it after verifying.

A signature stays valid until ``exp``; logging out or revoking a session only takes effect
before then if someone checks. Adapters accept an optional ``DenyCheck`` (their
``deny_list=`` argument) and answer 401 invalid_token (code ``revoked``) when it says the
token is denied. It asks about *verified claims*; the storage port ``DenyList`` is the
list itself, written by the issuer by ``jti``/``sid``. ``storage.deny_check.DenyListCheck``
joins the two; adapters only know this protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gatehouse import Claims

__all__ = ["AsyncDenyCheck", "DenyCheck"]


@runtime_checkable
class DenyCheck(Protocol):
    """Answers whether a verified token has been revoked."""

    def is_denied(self, claims: Claims) -> bool:
        """True when the token's ``jti`` or its session's ``sid`` has been revoked.

        Raise a ``gatehouse.errors.StorageError`` when the answer is unknown: adapters then
        fail closed with 503 rather than let a possibly revoked token through.
        """
        ...


@runtime_checkable
class AsyncDenyCheck(DenyCheck, Protocol):
    """A deny check that can also answer without blocking an event loop.

    The ASGI adapter awaits ``is_denied_async`` when present, and otherwise runs the
    blocking ``is_denied`` in a worker thread.
    """

    async def is_denied_async(self, claims: Claims) -> bool:
        """The same answer as ``is_denied``, awaited."""
        ...
