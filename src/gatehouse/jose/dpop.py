"""DPoP proofs (RFC 9449 §4): check one against a request. Pure: no I/O,
no clock (``now`` is a parameter), no state beyond the caches a caller hands in.

A proof is a JWT the client signs with a key of its own, whose public half travels in
the ``jwk`` header (§4.2). Unlike an access token, the key *does* come from the token
here, so everything about it is checked as strictly as a configured JWK: imported by
``JWK.from_dict`` (curve points, RSA size, ROCA), private members refused (§4.3 step 7),
the ``alg`` on the caller's asymmetric allow-list (step 5). The key's RFC 7638 SHA-256
thumbprint is what an access token binds to (``cnf.jkt``, §6.1).

The other side, ``make_proof`` for clients, is ``gatehouse.jose.dpop_make``.

``check_proof`` runs the §4.3 checks that need no state; what needs state (the nonce the
server handed out, whether this ``jti`` was seen) is passed in as small protocols or
left to ``gatehouse.dpop``. Every refusal is an ``InvalidDPoPProofError`` subclass with
its own ``code`` (``UseDPoPNonceError`` for nonces), raised in time bounded by the size
limit, which is checked before anything is decoded.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from typing import Any, Protocol

from gatehouse.errors import (
    ConfigurationError,
    DPoPTargetMismatchError,
    DPoPTokenHashError,
    InvalidDPoPProofError,
    InvalidKeyError,
    StaleDPoPProofError,
    TokenError,
    UseDPoPNonceError,
)
from gatehouse.jose.algorithms import ALGORITHMS, HMAC_ALGORITHMS
from gatehouse.jose.b64 import b64url_encode
from gatehouse.jose.claims_policy import normalize_typ
from gatehouse.jose.htu import normalize_htu, strip_query
from gatehouse.jose.jwk import JWK
from gatehouse.jose.jws import parse_compact
from gatehouse.jose.jwt import decode_payload

__all__ = [
    "DEFAULT_MAX_PROOF_SIZE",
    "DPOP_ALGORITHMS",
    "DPOP_TYP",
    "DPoPProof",
    "NoncePolicy",
    "ProofCache",
    "ProofPolicy",
    "access_token_hash",
    "check_proof",
]

DPOP_TYP = "dpop+jwt"
DPOP_ALGORITHMS = frozenset(ALGORITHMS) - HMAC_ALGORITHMS
"""Every asymmetric algorithm gatehouse implements (§4.2: never ``none``, never a MAC)."""
DEFAULT_MAX_PROOF_SIZE = 4096
"""Bytes: a proof with an RSA-4096 key in its header is about 2.3 KB."""
_MAX_JTI = 256  # §11.1: refuse "unnecessarily large jti values"
_CACHE_LIMIT = 1024
_PRIVATE_MEMBERS = frozenset(("d", "p", "q", "dp", "dq", "qi", "oth", "k"))


class NoncePolicy(Protocol):
    """Server-provided nonces (§8, §9): which are acceptable now, and a fresh one."""

    def is_valid(self, nonce: str, now: float) -> bool: ...

    def issue(self, now: float) -> str: ...


class ProofPolicy:
    """What a proof must satisfy besides its target; immutable, validated once.

    ``max_age`` bounds how long after its ``iat`` a proof is accepted (§11.1, "on the
    order of seconds or minutes"); ``leeway`` how far in the future an ``iat`` may be
    (the client's clock running ahead, §11.1 note).
    """

    __slots__ = ("algorithms", "leeway", "max_age", "max_size")

    def __init__(
        self,
        *,
        algorithms: frozenset[str] | tuple[str, ...] | list[str] = DPOP_ALGORITHMS,
        max_age: float = 60,
        leeway: float = 5,
        max_size: int = DEFAULT_MAX_PROOF_SIZE,
    ) -> None:
        allowed = frozenset(algorithms)
        if not allowed or not allowed <= DPOP_ALGORITHMS:
            raise ConfigurationError(
                "DPoP algorithms must be asymmetric JWS algorithms, e.g. ['ES256', 'EdDSA']"
            )
        for name, value, top in (("max_age", max_age, 3600), ("leeway", leeway, 600)):
            if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= top):
                raise ConfigurationError(f"DPoP {name} must be between 0 and {top} seconds")
        if not 512 <= max_size <= 65536:
            raise ConfigurationError("DPoP max_size must be between 512 bytes and 64 KiB")
        self.algorithms = allowed
        self.max_age = float(max_age)
        self.leeway = float(leeway)
        self.max_size = max_size


DEFAULT_POLICY = ProofPolicy()


class ProofCache:
    """What repeats across one server's proofs, remembered (each map bounded, cleared when
    full): parsed headers and imported keys by header segment (a client sends the same
    header with every proof), and normalised target URIs. Only ever derived from the
    input it is keyed on, so a hit gives exactly what recomputing would."""

    __slots__ = ("headers", "keys", "targets")

    def __init__(self) -> None:
        self.headers: dict[bytes, Any] = {}
        self.keys: dict[bytes, tuple[JWK, str]] = {}
        self.targets: dict[str, str] = {}

    def target(self, uri: str) -> str:
        """``normalize_htu(uri)``, memoised; ``ValueError`` is never cached."""
        normal = self.targets.get(uri)
        if normal is None:
            normal = normalize_htu(uri)
            if len(self.targets) >= _CACHE_LIMIT:
                self.targets.clear()
            self.targets[uri] = normal
        return normal


class DPoPProof:
    """A proof that passed ``check_proof``: its key, thumbprint and claims."""

    __slots__ = ("claims", "htm", "htu", "iat", "jkt", "jti", "key", "nonce")

    def __init__(
        self,
        key: JWK,
        jkt: str,
        claims: dict[str, Any],
        htu: str,
        nonce: str | None,
        *,
        iat: float | None = None,
    ) -> None:
        self.key = key
        self.jkt = jkt
        self.claims = claims
        self.jti: str = claims["jti"]
        self.htm: str = claims["htm"]
        self.htu = htu
        self.iat = float(claims["iat"]) if iat is None else iat
        self.nonce = nonce

    @property
    def replay_key(self) -> str:
        """One proof, one target: a fixed-size hash of (jkt, htm, htu, jti) (§11.1), each
        part length-prefixed so no two tuples hash the same input; one hash call."""
        data = b"".join(map(_prefixed, (self.jkt, self.htm, self.htu, self.jti)))
        return b64url_encode(hashlib.sha256(data).digest())

    def __repr__(self) -> str:
        return f"<DPoPProof jkt={self.jkt} {self.htm} {self.htu}>"


def access_token_hash(access_token: str) -> str:
    """``ath`` (§4.2): base64url of the SHA-256 of the token's ASCII bytes."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest())


def _prefixed(part: str) -> bytes:
    data = part.encode("utf-8", "surrogatepass")  # JSON strings may hold lone surrogates
    return len(data).to_bytes(4, "big") + data


def _fail(message: str, code: str) -> InvalidDPoPProofError:
    return InvalidDPoPProofError(message, code=code)


def _import_key(jwk: Any) -> tuple[JWK, str]:
    if not isinstance(jwk, Mapping):
        raise _fail("the proof header has no jwk object", "dpop_invalid_jwk")
    if _PRIVATE_MEMBERS.intersection(jwk):
        # §4.3 step 7 (and "oct" keys are secrets by definition).
        raise _fail("the proof's jwk holds private key material", "dpop_private_jwk")
    if jwk.get("kty") == "RSA" and not _rsa_size_ok(jwk.get("n"), jwk.get("e")):
        # Anyone may send a key here, so its cost is bounded: RSA-8192 at most and a
        # public exponent of at most 32 bits (a huge e makes every check a slow modexp).
        raise _fail("the proof's RSA key is too large", "dpop_invalid_jwk")
    try:
        key = JWK.from_dict(jwk)
    except InvalidKeyError:
        raise _fail("the proof's jwk is not an acceptable public key", "dpop_invalid_jwk") from None
    return key, key.thumbprint()


def _rsa_size_ok(n: Any, e: Any) -> bool:
    # base64url lengths: 8192 bits are 1024 bytes (1366 characters), 32 bits 6 characters.
    return isinstance(n, str) and isinstance(e, str) and len(n) <= 1366 and len(e) <= 6


def _claim(claims: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = claims.get(name)
    if value is None:
        raise _fail(f"the proof lacks the {name} claim", "dpop_missing_claim")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail(f"the proof's {name} claim has the wrong type", "dpop_invalid_claim")
    return value


def check_proof(
    proof: str,
    *,
    method: str,
    url: str,
    now: float,
    policy: ProofPolicy = DEFAULT_POLICY,
    access_token: str | None = None,
    nonces: NoncePolicy | None = None,
    cache: ProofCache | None = None,
) -> DPoPProof:
    """Check ``proof`` for a request (RFC 9449 §4.3 steps 2-12, bar replay).

    ``access_token`` is given at a protected resource: ``ath`` must then be its hash
    (step 12). ``nonces`` makes a valid server nonce mandatory (steps 10, §11.3). A
    long-lived caller passes a ``ProofCache`` so a client's repeated header (same key,
    same alg) costs one dictionary lookup instead of a parse and a key import.
    """
    try:
        jws = parse_compact(
            proof,
            max_size=policy.max_size,
            header_cache=cache.headers if cache is not None else None,
        )
    except TokenError as exc:
        code = "dpop_too_large" if exc.code == "too_large" else "dpop_malformed"
        raise _fail(f"the DPoP proof is not a compact JWS ({exc.code})", code) from None
    # Step 4; media types compare case-insensitively (RFC 7515 §4.1.9).
    typ = jws.header.get("typ")
    if typ != DPOP_TYP and (not isinstance(typ, str) or normalize_typ(typ) != DPOP_TYP):
        raise _fail("the proof's typ is not dpop+jwt", "dpop_typ")
    if jws.alg not in policy.algorithms:  # step 5, before any key work
        raise _fail(f"algorithm {jws.alg!r} is not allowed for DPoP", "dpop_alg_not_allowed")
    segment = jws.signing_input[: jws.signing_input.index(b".")]
    cached = cache.keys.get(segment) if cache is not None else None
    if cached is None:
        cached = _import_key(jws.header.get("jwk"))
        if cache is not None:
            if len(cache.keys) >= _CACHE_LIMIT:
                cache.keys.clear()
            cache.keys[segment] = cached
    key, jkt = cached
    try:  # step 6
        valid = key.verifier(jws.alg)(jws.signature, jws.signing_input)
    except InvalidKeyError:
        raise _fail("the proof's jwk may not verify its alg", "dpop_invalid_jwk") from None
    except (ValueError, TypeError, OverflowError):
        valid = False
    if not valid:
        raise _fail("the DPoP proof signature is invalid", "dpop_bad_signature")
    try:
        claims = decode_payload(jws)
    except TokenError:
        raise _fail("the proof's payload is not a JSON object", "dpop_malformed") from None
    # Plain lookups for the usual case (JSON makes exact str/int/float, never a subclass);
    # ``_claim`` only to name what is missing or mistyped.
    get = claims.get
    jti, htm, htu, iat_value = get("jti"), get("htm"), get("htu"), get("iat")
    if not (jti.__class__ is str and htm.__class__ is str and htu.__class__ is str):
        jti, htm, htu = (_claim(claims, name, str) for name in ("jti", "htm", "htu"))
    if iat_value.__class__ is not int and iat_value.__class__ is not float:
        iat_value = _claim(claims, "iat", (int, float))
    try:
        iat = float(iat_value)
    except OverflowError:  # JSON integers have no size limit; NumericDates do
        raise _fail("the proof's iat is out of range", "dpop_invalid_claim") from None
    if not jti or len(jti) > _MAX_JTI:
        raise _fail(f"the proof's jti must be 1 to {_MAX_JTI} characters", "dpop_invalid_claim")
    if htm != method:  # step 8; methods are case-sensitive (RFC 9110 §9.1)
        raise DPoPTargetMismatchError("the proof is for another method", code="dpop_wrong_method")
    htu_normal = _target(htu, url, cache if cache is not None else ProofCache())
    nonce = _nonce(claims.get("nonce"), nonces, now)
    if not math.isfinite(iat) or iat < now - policy.max_age:  # step 11
        raise StaleDPoPProofError("the proof is too old", code="dpop_stale")
    if iat > now + policy.leeway:
        raise StaleDPoPProofError("the proof's iat is in the future", code="dpop_future")
    if access_token is not None:
        _check_ath(claims.get("ath"), access_token)
    return DPoPProof(key, jkt, claims, htu_normal, nonce, iat=iat)


def _target(htu: str, url: str, cache: ProofCache) -> str:
    """Step 9 after RFC 3986 §6.2.2-6.2.3 normalisation of both sides; the request's
    query and fragment are ignored (its path is what the proof names)."""
    try:
        if not isinstance(url, str):
            raise ValueError("the request URL must be a string")
        expected = cache.target(strip_query(url))
    except ValueError:
        raise DPoPTargetMismatchError(
            "the request URL is not an absolute http(s) URI", code="dpop_wrong_url"
        ) from None
    try:
        actual = cache.target(htu)
    except ValueError:
        raise DPoPTargetMismatchError(
            "the proof's htu is not an absolute http(s) URI without query", code="dpop_wrong_url"
        ) from None
    if actual != expected:
        raise DPoPTargetMismatchError("the proof is for another URL", code="dpop_wrong_url")
    return expected


def _nonce(value: Any, nonces: NoncePolicy | None, now: float) -> str | None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 512):
        raise _fail("the proof's nonce claim has the wrong type", "dpop_invalid_claim")
    if nonces is None:
        return value
    if value is None:
        raise UseDPoPNonceError("a DPoP nonce is required", nonce=nonces.issue(now))
    if not nonces.is_valid(value, now):
        raise UseDPoPNonceError(
            "the DPoP nonce is not current", nonce=nonces.issue(now), code="dpop_nonce_stale"
        )
    return value


def _check_ath(ath: Any, access_token: str) -> None:
    if ath is None:
        raise DPoPTokenHashError("the proof lacks ath for this token", code="dpop_ath_missing")
    if not isinstance(ath, str):
        raise DPoPTokenHashError("the proof's ath has the wrong type", code="dpop_ath_mismatch")
    try:
        expected = access_token_hash(access_token)
    except UnicodeEncodeError:
        raise DPoPTokenHashError("the access token is not ASCII") from None
    # JSON strings may hold lone surrogates: encode them rather than fail on them.
    if not hmac.compare_digest(ath.encode("utf-8", "surrogatepass"), expected.encode("ascii")):
        raise DPoPTokenHashError("the proof's ath is not this token's hash")
