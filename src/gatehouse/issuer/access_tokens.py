"""Access tokens in the RFC 9068 JWT profile, signed with the ACTIVE key."""

from __future__ import annotations

import dataclasses
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gatehouse._record import record
from gatehouse.clock import Clock
from gatehouse.issuer.config import IssuerConfig
from gatehouse.issuer.scopes import format_scope
from gatehouse.issuer.signing_keys import SigningKeyManager
from gatehouse.jose import b64url_encode, encode_jwt

if TYPE_CHECKING:
    from gatehouse.issuer.status_lists import StatusLists
    from gatehouse.jose import JWK
    from gatehouse.storage.status_records import StatusClaim

__all__ = ["AccessTokenMinter", "MintedToken", "TokenDraft"]

MintedToken = tuple[str, dict[str, Any]]


@record
class TokenDraft:
    """A session's next access token before its store transaction: its ``jti`` and
    times, and the status-list claim that transaction makes (``status``), so the token
    costs no commit of its own; ``mint(draft=…, status_idx=…)`` signs it afterwards."""

    jti: str
    issued_at: int
    status: StatusClaim | None
    key: JWK  # read first: a service that cannot sign stores no session

    def for_session(self, *, subject: str, client_id: str, sid: str) -> TokenDraft:
        """This draft with its status entry naming the session: for a refresh, whose
        session is known only once its transaction has locked it (pure, no I/O, so it
        can run inside that transaction)."""
        if self.status is None:
            return self
        claim = dataclasses.replace(self.status, sid=sid, account_id=subject, client_id=client_id)
        return dataclasses.replace(self, status=claim)


class AccessTokenMinter:
    def __init__(
        self,
        config: IssuerConfig,
        keys: SigningKeyManager,
        *,
        clock: Clock,
        random: Callable[[int], bytes] = secrets.token_bytes,
        status: StatusLists | None = None,
    ) -> None:
        self._config = config
        self._keys = keys
        self._clock = clock
        self._random = random
        self._status = status

    def draft(
        self, *, subject: str | None = None, client_id: str | None = None, sid: str | None = None
    ) -> TokenDraft:
        """The ``jti``, ``iat`` and status claim of a session's next token, fixed before
        the transaction that creates or rotates the session claims its index (a
        refresh names its session later: ``TokenDraft.for_session``)."""
        key = self._keys.active_key()
        now = math.floor(self._clock.time())
        jti = b64url_encode(self._random(16))
        if self._status is None:
            return TokenDraft(jti, now, None, key)
        claim = self._status.prepare(
            jti=jti,
            sid=sid,
            account_id=subject,
            client_id=client_id,
            expires_at=now + self._config.access_token_ttl,
        )
        return TokenDraft(jti, now, claim, key)

    def mint(
        self,
        *,
        subject: str,
        audience: str,
        scope: frozenset[str],
        client_id: str,
        roles: Sequence[str] = (),
        sid: str | None = None,
        jkt: str | None = None,
        act: Mapping[str, Any] | None = None,
        not_after: int | None = None,
        draft: TokenDraft | None = None,
        status_idx: int | None = None,
    ) -> MintedToken:
        """Sign a token; return it with its claims (the caller reports ``exp``).
        ``jkt`` binds it to a DPoP key (``cnf.jkt``, RFC 9449 §6.1); ``act`` names the
        actor chain of an exchanged token (RFC 8693 §4.1); ``not_after`` caps ``exp``
        (an exchanged token lives no longer than its subject token). ``draft`` (from
        ``draft``) fixes ``jti`` and ``iat``, its status index claimed at ``status_idx``
        by the session's transaction."""
        now = math.floor(self._clock.time()) if draft is None else draft.issued_at
        # RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti are required.
        claims: dict[str, Any] = {
            "iss": self._config.issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + self._config.access_token_ttl,
            "iat": now,
            "jti": b64url_encode(self._random(16)) if draft is None else draft.jti,
            "client_id": client_id,
            "scope": format_scope(scope),
        }
        if roles:
            claims["roles"] = list(roles)  # RFC 9068 §2.2.3.1 (RFC 7643 roles)
        if sid is not None:
            claims["sid"] = sid
        if jkt is not None:
            claims["cnf"] = {"jkt": jkt}
        if act is not None:
            claims["act"] = dict(act)
        if not_after is not None:
            claims["exp"] = min(claims["exp"], not_after)
        if self._status is not None and draft is not None and draft.status is not None:
            # draft-ietf-oauth-status-list §6.1, claimed in the session's transaction.
            claims["status"] = self._status.settle(draft.status, status_idx)
        elif self._status is not None:
            # draft-ietf-oauth-status-list §6.1: the index this token's status lives at.
            claims["status"] = self._status.claim(
                jti=claims["jti"],
                sid=sid,
                account_id=subject if sid is not None else None,
                client_id=client_id,
                expires_at=claims["exp"],
            )
        key = self._keys.active_key() if draft is None else draft.key
        alg = key.alg or self._config.signing_alg
        token = encode_jwt(claims, key, alg, typ="at+jwt")
        encryption = self._config.encryption.get(audience)
        if encryption is not None:
            # An audience configured for encryption gets a nested JWT (RFC 7519 §5.2). The
            # JWE code is imported here, so a service that encrypts nothing never loads it
            # (a cold start's import, issue 15 §2).
            from gatehouse.issuer.encryption import seal_for_audience

            token = seal_for_audience(token, encryption)
        return token, claims
