"""A ``Verifier`` profile for Transaction Tokens (draft-ietf-oauth-transaction-tokens,
editor's copy after -08, "Txn-Token Validation" and "Txn-Token Format").

A Txn-Token arrives in the ``Txn-Token`` header, never in ``Authorization`` ("Using
Txn-Tokens"), and is checked as the draft asks: the JWS signature, ``aud`` = this
workload's Trust Domain (a token for another Trust Domain is refused), not expired, and
explicitly typed ``txntoken+jwt`` so neither an access token nor any other JWT passes as
one (RFC 8725 §3.11). ``txn``, ``sub``, ``iat``, ``exp``, ``scope`` and ``req_wl`` are
required ("JWT Body Claims"); ``max_age`` bounds ``iat`` because a Txn-Token lives
minutes at most ("Txn-Token Lifetime"). No ``cnf`` is needed: the token names a
transaction, not a client.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import MalformedTokenError
from gatehouse.keys.base import KeySource
from gatehouse.verify import Verifier

__all__ = [
    "TXN_TOKEN_HEADER",
    "TXN_TOKEN_REQUIRED_CLAIMS",
    "TXN_TOKEN_TYP",
    "txn_token_from_headers",
    "txn_token_verifier",
]

TXN_TOKEN_TYP = "txntoken+jwt"
TXN_TOKEN_HEADER = "Txn-Token"
TXN_TOKEN_REQUIRED_CLAIMS = ("txn", "sub", "iat", "exp", "scope", "req_wl")
_MAX_HEADER = 16 * 1024


def txn_token_from_headers(values: str | Sequence[str] | None) -> str:
    """The request's one Txn-Token, from the ``Txn-Token`` header's value(s).

    "The value of this header MUST be exactly one Txn-Token" ("Txn-Token" HTTP Header):
    none, several (repeated headers or a comma-joined list), or an oversized value is
    ``MalformedTokenError``, checked before anything is parsed.
    """
    found = [values] if isinstance(values, str) else list(values or ())
    if len(found) != 1:
        raise MalformedTokenError("exactly one Txn-Token header is required")
    value = found[0].strip()
    if not value or len(value) > _MAX_HEADER or "," in value or " " in value:
        raise MalformedTokenError("the Txn-Token header must hold exactly one token")
    return value


def txn_token_verifier(
    *,
    trust_domain: str,
    issuer: str | Sequence[str],
    keys: KeySource,
    algorithms: Sequence[str],
    max_age: float = 900,
    leeway: float = 5,
    clock: Clock = SYSTEM_CLOCK,
) -> Verifier:
    """A Verifier that accepts only Txn-Tokens for ``trust_domain`` from ``issuer``.

    ``issuer`` is required here although the draft leaves ``iss`` optional: gatehouse's
    Transaction Token Service always sets it, and a configured issuer is a required one.
    """
    return Verifier(
        issuer=issuer,
        audience=trust_domain,
        keys=keys,
        algorithms=algorithms,
        typ=TXN_TOKEN_TYP,
        required_claims=TXN_TOKEN_REQUIRED_CLAIMS,
        max_age=max_age,
        leeway=leeway,
        clock=clock,
    )
