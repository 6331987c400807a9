"""Transaction Tokens: the token service as a Transaction Token Service (TTS).

Per draft-ietf-oauth-transaction-tokens (the editor's copy after -08; section names
below are the draft's): a workload inside the Trust Domain posts an RFC 8693 exchange
with ``requested_token_type=urn:ietf:params:oauth:token-type:txn_token``, ``audience``
= the Trust Domain and a ``scope`` naming the transaction's purpose ("Txn-Token
Request"); the TTS answers a short-lived JWT typed ``txntoken+jwt`` with ``txn``,
``sub``, ``aud``, ``iat``, ``exp``, ``scope``, ``tctx``, ``rctx`` and ``req_wl`` ("JWT
Body Claims"), ``token_type: N_A`` and no refresh token ("Txn-Token Response").

The rules here (pure, over verified claims):

- The subject is an access token of this issuer (verified in full by the caller), an
  earlier Txn-Token (a *replacement*) or, for a workload that starts a transaction
  itself, an unsigned JSON object naming ``sub`` ("Subject Token Types"). A refresh
  token is never a subject.
- ``scope`` is required and never wider than what the subject holds (an access token's
  scopes, or the replaced Txn-Token's) and the client may have; with an unsigned subject
  there is no subject scope, so the client's allowed scopes bound it ("Unknown
  subject_token scope": an unknown scope is never unconstrained).
- ``exp`` is ``txn_token_ttl`` from now and never beyond the subject's ``exp``
  ("Txn-Token Lifetime" lets a TTS go beyond; gatehouse does not).
- A replacement keeps ``txn``, ``sub``, ``aud``, ``rctx`` and every ``tctx`` value; it may
  narrow ``scope`` and add ``tctx`` members, never change one; ``req_wl`` keeps the call
  chain of requesting workloads, comma-separated ("Txn-Token as a subject_token").
- ``request_context`` becomes ``rctx`` and ``request_details`` becomes ``tctx``, as JSON
  objects of at most 4 KiB each, checked before they are parsed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gatehouse._record import record
from gatehouse.errors import InvalidRequestError, InvalidScopeError, InvalidTargetError
from gatehouse.issuer.scopes import format_scope, parse_scope
from gatehouse.storage.records import ClientRecord

__all__ = [
    "MAX_CONTEXT_BYTES",
    "TXN_TOKEN_TYPE",
    "UNSIGNED_JSON_TYPE",
    "TxnSubject",
    "parse_json_object",
    "txn_token_claims",
]

TXN_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:txn_token"
UNSIGNED_JSON_TYPE = "urn:ietf:params:oauth:token-type:unsigned_json"
MAX_CONTEXT_BYTES = 4096


def parse_json_object(text: str | None, name: str) -> dict[str, Any] | None:
    """A request parameter that holds a JSON object (size checked first)."""
    if text is None:
        return None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CONTEXT_BYTES:
        raise InvalidRequestError(f"{name} is larger than {MAX_CONTEXT_BYTES} bytes")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # 4 KiB of "[" nests past the parser's limit
        raise InvalidRequestError(f"{name} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidRequestError(f"{name} must be a JSON object")
    return value


@record
class TxnSubject:
    """The verified subject of a Txn-Token request and what kind it was."""

    claims: Mapping[str, Any]
    kind: str  # "access_token", "txn_token" (a replacement) or "unsigned_json"


def _available_scope(subject: TxnSubject, client: ClientRecord) -> frozenset[str]:
    if subject.kind == "unsigned_json":
        return frozenset(client.allowed_scopes)
    held = subject.claims.get("scope")
    parsed = parse_scope(held) if isinstance(held, str) else None
    return parsed or frozenset()


def _merged_tctx(
    prior: Mapping[str, Any] | None, details: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    merged = dict(prior or {})
    for name, value in (details or {}).items():
        if name in merged and merged[name] != value:
            raise InvalidRequestError(f"a replacement may not change tctx.{name[:40]}")
        merged[name] = value
    return merged or None


def _req_wl(prior: Any, client_id: str) -> str:
    chain = prior.split(",") if isinstance(prior, str) and prior else []
    if not chain or chain[-1] != client_id:
        chain.append(client_id)
    return ",".join(chain)


def txn_token_claims(
    subject: TxnSubject,
    client: ClientRecord,
    *,
    trust_domain: str,
    audience: str | None,
    scope: str | None,
    request_context: Mapping[str, Any] | None,
    request_details: Mapping[str, Any] | None,
    issuer: str,
    now: int,
    ttl: int,
    new_txn: str,
) -> dict[str, Any]:
    """The claims of the Txn-Token to sign, or the refusal (RFC 6749 §5.2 codes)."""
    if audience != trust_domain:
        raise InvalidTargetError("audience must be this service's Trust Domain")
    if trust_domain not in client.allowed_audiences:
        raise InvalidTargetError("this client may not request Transaction Tokens")
    requested = parse_scope(scope)
    if not requested:
        raise InvalidRequestError("scope is required for a Transaction Token")
    if not requested <= _available_scope(subject, client) & client.allowed_scopes:
        raise InvalidScopeError("the requested scope is wider than the subject allows")
    claims = subject.claims
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidRequestError("the subject names no sub")
    exp = now + ttl
    subject_exp = claims.get("exp")
    if subject.kind != "unsigned_json":
        if isinstance(subject_exp, bool) or not isinstance(subject_exp, int):
            raise InvalidRequestError("the subject token has no exp")
        exp = min(exp, subject_exp)
    replacing = subject.kind == "txn_token"
    token: dict[str, Any] = {
        "iss": issuer,
        "iat": now,
        "aud": trust_domain,
        "exp": exp,
        "txn": claims["txn"] if replacing else new_txn,
        "sub": sub,
        "scope": format_scope(requested),
        "req_wl": _req_wl(claims.get("req_wl") if replacing else None, client.client_id),
    }
    prior_tctx = claims.get("tctx") if replacing else None
    tctx = _merged_tctx(prior_tctx if isinstance(prior_tctx, Mapping) else None, request_details)
    rctx = claims.get("rctx") if replacing else request_context
    if tctx:
        token["tctx"] = tctx
    if rctx:
        token["rctx"] = dict(rctx)
    return token
