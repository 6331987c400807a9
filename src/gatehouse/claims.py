"""``Claims``: the verified payload of a token, read-only, with the RFC 9068 fields named."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from gatehouse.errors import InsufficientScopeError
from gatehouse.jose.read_only import ReadOnlyDict, read_only, thaw

__all__ = ["Claims", "check_scopes", "required_scopes"]

_NO_HEADER = ReadOnlyDict()


class Claims(Mapping[str, Any]):
    """A verified claim set. Read-only, because one instance may be served from the cache
    to many requests: a nested object or array is handed out read-only (made so on its
    first read, once, then kept), and the Verifier's ``header`` is read-only all the way
    down (``gatehouse.jose.read_only``). ``to_dict()`` is an editable deep copy."""

    __slots__ = ("_data", "_scopes", "header")

    def __init__(self, data: dict[str, Any], header: Mapping[str, Any] | None = None) -> None:
        self._data = data
        self._scopes: frozenset[str] | None = None
        self.header: Mapping[str, Any] = _NO_HEADER if header is None else header

    def __getitem__(self, name: str) -> Any:
        value = self._data[name]
        cls = value.__class__
        if cls is list or cls is dict:
            # Lazily, so verifying a token never pays for claims nobody reads; the
            # read-only copy replaces the original, so every later reader gets it.
            value = self._data[name] = read_only(value)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __repr__(self) -> str:
        return f"Claims(sub={self.subject!r}, scopes={sorted(self.scopes)!r})"

    @property
    def subject(self) -> str | None:
        return self._data.get("sub")

    @property
    def issuer(self) -> str | None:
        return self._data.get("iss")

    @property
    def token_id(self) -> str | None:
        return self._data.get("jti")

    @property
    def session_id(self) -> str | None:
        return self._data.get("sid")

    @property
    def client_id(self) -> str | None:
        return self._data.get("client_id")

    @property
    def expires_at(self) -> float:
        return float(self._data["exp"])

    @property
    def roles(self) -> tuple[str, ...]:
        roles = self._data.get("roles")
        if isinstance(roles, list):
            return tuple(r for r in roles if isinstance(r, str))
        return ()

    @property
    def scopes(self) -> frozenset[str]:
        """RFC 9068 §2.2.3 / RFC 8693 §4.2: ``scope`` is one space-delimited string."""
        scopes = self._scopes
        if scopes is None:
            raw = self._data.get("scope")
            if isinstance(raw, str):
                scopes = frozenset(raw.split())
            else:
                scp = self._data.get("scp")  # the array form some issuers use
                scopes = (
                    frozenset(s for s in scp if isinstance(s, str))
                    if isinstance(scp, list)
                    else frozenset()
                )
            self._scopes = scopes
        return scopes

    def _has_scopes(self, required: Iterable[str]) -> bool:
        """``self.scopes.issuperset(required)``, for the Verifier's scope check on every
        verify: the set built here the first time (as ``scopes`` does) without the property's
        extra interpreter frame, then kept for the cache hits that ask again."""
        scopes = self._scopes
        if scopes is None:
            raw = self._data.get("scope")
            scopes = self._scopes = frozenset(raw.split()) if raw.__class__ is str else self.scopes
        return scopes.issuperset(required)

    def to_dict(self) -> dict[str, Any]:
        """A deep, plain, editable copy of the claims."""
        return {name: thaw(value) for name, value in self._data.items()}


def required_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """The scopes asked for as a tuple (a generator is spent once), one name given as a
    string taken as that one name."""
    return (scopes,) if isinstance(scopes, str) else tuple(scopes)


def check_scopes(claims: Claims, scopes: Iterable[str]) -> None:
    """Refuse ``claims`` unless they grant every one of ``scopes``: the verifier side's one
    scope rule (``Verifier`` and ``DPoPVerifier`` both ask it). Here, beside the scope
    set it reads, so the DPoP checker needs nothing of ``gatehouse.verify``."""
    required = required_scopes(scopes)
    if not claims._has_scopes(required):
        # RFC 6750 §3.1: insufficient_scope, with the scopes needed for this resource.
        raise InsufficientScopeError("the token lacks a required scope", required=required)
