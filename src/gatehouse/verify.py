"""The Verifier: what every service embeds to accept or refuse a bearer token.

One call does everything a resource server must (RFC 8725 §3, RFC 9068 §4): parse the
compact JWS strictly, check the algorithm against the allow-list, take the key from the
configured key source (never from the token), verify the signature, then the claims
against ``now``, then the post checks (a status list, a deny list: rules that may change
their answer for a token already verified), then the required scopes. The hot path does
the minimum in pure Python around the one signature operation; a bounded LRU of verified
tokens makes a repeated token cost a dictionary lookup and a clock read. A post check may
``bind`` itself to the claims when their verdict is cached, so that a hit re-runs only what
can change (for a status list: one dict lookup, one clock read, one bit test).

The steps, in order: ``_parse`` (structure and allow-list), the key source, ``_finish``
(signature, claims, cache), then ``_post_checks`` on every verify, cached hits included,
and the scope check last. A new rule about a verified token is one more post check.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from gatehouse.claims import Claims, check_scopes, required_scopes
from gatehouse.clock import SYSTEM_CLOCK, Clock, SystemClock
from gatehouse.errors import (
    AlgorithmNotAllowedError,
    ConfigurationError,
    InvalidKeyError,
    InvalidSignatureError,
    MalformedTokenError,
    UnknownKeyError,
)
from gatehouse.jose.algorithms import ALGORITHMS, HMAC_ALGORITHMS
from gatehouse.jose.claims_policy import ClaimsPolicy, validate_claims
from gatehouse.jose.jwk import JWK
from gatehouse.jose.jws import DEFAULT_MAX_TOKEN_SIZE, CompactParts, ParsedHeader, split_compact
from gatehouse.jose.jwt import decode_payload_segment

if TYPE_CHECKING:  # KeySource is a Protocol, for annotations only: one module fewer to load
    from gatehouse.keys.base import KeySource
    from gatehouse.keys.decryption import Decryption
    from gatehouse.keys.status_source import StatusSource

__all__ = ["PostCheck", "Verifier"]


class PostCheck(Protocol):
    """A rule about a token that already passed signature and claims, run on every verify,
    cached hits included, because its answer may change while the token is cached (a Token
    Status List, a deny list). Raise a ``TokenError`` to refuse the token, a
    ``KeySourceError`` when the answer cannot be had. ``acheck`` must not block the loop.

    Optionally ``bind(claims)``: called once when the Verifier caches these claims, it returns
    a function for the cache hits (``True``: the token passes; ``False``: run ``check``/
    ``acheck`` after all; or it raises as ``check`` would), or ``None`` for "always run
    ``check``". It lets a hit skip re-reading the claims (see ``RemoteStatusLists.bind``)."""

    def check(self, claims: Claims) -> None: ...

    async def acheck(self, claims: Claims) -> None: ...


def _post_check_list(checks: Iterable[PostCheck]) -> tuple[PostCheck, ...]:
    try:
        out = tuple(checks)
    except TypeError:
        raise ConfigurationError("post_checks must be a list of checks") from None
    for check in out:
        if not (
            callable(getattr(check, "check", None)) and callable(getattr(check, "acheck", None))
        ):
            raise ConfigurationError("each post check needs check(claims) and acheck(claims)")
    return out


# One post check and what a cache hit runs for it (None: the check itself).
_Bound = tuple[PostCheck, Callable[[], bool] | None]


def _bound(check: PostCheck, claims: Claims) -> _Bound:
    bind = getattr(check, "bind", None)
    return check, (bind(claims) if callable(bind) else None)


def _allow_list(algorithms: Sequence[str]) -> frozenset[str]:
    if isinstance(algorithms, str) or not algorithms:
        raise ConfigurationError("algorithms must be a non-empty list, e.g. ['ES256']")
    allowed = frozenset(algorithms)
    unknown = sorted(a for a in allowed if a not in ALGORITHMS)
    if unknown:
        # "none" lands here too: it is not an algorithm this library knows (RFC 8725 §2.1).
        raise ConfigurationError(f"unsupported algorithms: {', '.join(unknown)}")
    if allowed & HMAC_ALGORITHMS and allowed - HMAC_ALGORITHMS:
        # Mixing MAC and signature algorithms invites key confusion (RFC 8725 §2.1).
        raise ConfigurationError("do not mix HMAC and asymmetric algorithms in one Verifier")
    return allowed


class Verifier:
    """Verifies access tokens for one issuer/audience with keys from a ``KeySource``.

    Thread-safe; share one instance per process (in Lambda, create it at module level
    so warm invocations reuse its key and token caches).
    """

    __slots__ = (
        "_algorithms",
        "_cache",
        "_cache_size",
        "_clock",
        "_decryption",
        "_header_cache",
        "_keys",
        "_leeway",
        "_max_token_size",
        "_policy",
        "_post_checks",
        "_wall",
    )

    def __init__(
        self,
        *,
        issuer: str | Sequence[str],
        audience: str | Sequence[str],
        keys: KeySource,
        algorithms: Sequence[str],
        leeway: float = 30,
        typ: str | None = "at+jwt",
        required_claims: Iterable[str] = (),
        max_age: float | None = None,
        max_token_size: int = DEFAULT_MAX_TOKEN_SIZE,
        cache_size: int = 1024,
        clock: Clock = SYSTEM_CLOCK,
        status_lists: StatusSource | None = None,
        post_checks: Iterable[PostCheck] = (),
        decryption: Decryption | None = None,
    ) -> None:
        if not hasattr(keys, "get_key"):
            raise ConfigurationError("keys must be a key source such as JWKS or RemoteJWKS")
        if not 256 <= max_token_size <= 1024 * 1024:
            raise ConfigurationError("max_token_size must be between 256 bytes and 1 MiB")
        if cache_size < 0:
            raise ConfigurationError("cache_size must be 0 (off) or positive")
        self._algorithms = _allow_list(algorithms)
        self._policy = ClaimsPolicy(
            issuer=issuer,
            audience=audience,
            leeway=leeway,
            typ=typ,
            required_claims=required_claims,
            max_age=max_age,
        )
        self._keys = keys
        checks = _post_check_list(post_checks)
        if status_lists is not None:
            # Token Status Lists (draft-ietf-oauth-status-list): a post check, after the
            # caller's own, that shares this Verifier's keys, allow-list, issuers and clock.
            status_lists.attach(
                keys=keys, algorithms=self._algorithms, issuers=self._policy.issuers, clock=clock
            )
            checks = (*checks, status_lists)
        self._post_checks = checks
        # Nested JWTs (RFC 7519 §5.2): the JWE is opened first (gatehouse.keys.decryption).
        self._decryption = decryption
        self._clock = clock
        # The wall clock read on every cache hit: the C function itself for the system
        # clock (its Python method would cost one more frame per verify).
        self._wall: Callable[[], float] = time.time if type(clock) is SystemClock else clock.time
        self._leeway = self._policy.leeway  # read on every cache hit
        self._max_token_size = max_token_size
        self._cache_size = cache_size
        # token -> (claims, moment after which the cached verdict no longer holds, the post
        # checks as bound to these claims)
        self._cache: OrderedDict[str, tuple[Claims, float, tuple[_Bound, ...]]] = OrderedDict()
        self._header_cache: dict[bytes, ParsedHeader] = {}

    @property
    def algorithms(self) -> frozenset[str]:
        return self._algorithms

    @property
    def keys(self) -> KeySource:
        return self._keys

    # --- the public API ---------------------------------------------------------------

    def verify(self, token: str, *, scopes: Iterable[str] = ()) -> Claims:
        """The token's claims if it is valid now (and has ``scopes``); else a ``TokenError``."""
        # The cache hit, inlined: it is most of the calls a warm service makes.
        entry = self._cache.get(token) if self._cache_size else None
        if entry is not None and self._wall() - self._leeway < entry[1]:
            claims = entry[0]
            try:
                self._cache.move_to_end(token)
            except KeyError:
                pass  # evicted by another thread meanwhile; the verdict still stands
            for check, fast in entry[2]:
                if fast is None or not fast():
                    check.check(claims)
        else:
            if entry is not None:
                self._cache.pop(token, None)  # expired: the full path raises the precise error
            parts = self._parse(token)  # (header, alg, kid, signing input, payload, signature)
            claims = self._finish(parts, self._keys.get_key(parts[2], parts[1]), token)
            for check in self._post_checks:
                check.check(claims)
        if scopes:
            # The usual answer inlined (a tuple, a granted set already on the claims, a
            # superset test): two frames were 40 % of a cache hit that names its scopes.
            required = scopes if scopes.__class__ is tuple else required_scopes(scopes)
            granted = claims._scopes
            if granted is None or not granted.issuperset(required):
                check_scopes(claims, required)
        return claims

    async def verify_async(self, token: str, *, scopes: Iterable[str] = ()) -> Claims:
        """As ``verify``, but a key fetch (RemoteJWKS) never blocks the event loop."""
        entry = self._cached(token) if self._cache_size else None
        if entry is not None:
            claims = entry[0]
            for check, fast in entry[2]:
                if fast is None or not fast():
                    await check.acheck(claims)
        else:
            parts = self._parse(token)
            claims = self._finish(parts, await self._keys.aget_key(parts[2], parts[1]), token)
            for check in self._post_checks:
                await check.acheck(claims)
        if scopes:
            check_scopes(claims, scopes)
        return claims

    def clear_cache(self) -> None:
        """Forget verified tokens (for example after revoking keys)."""
        self._cache.clear()

    # --- the steps --------------------------------------------------------------------

    def _parse(self, token: str) -> CompactParts:
        if self._decryption is not None:
            token = self._decryption.open(token, self._max_token_size)
        parts = split_compact(token, max_size=self._max_token_size, header_cache=self._header_cache)
        if parts[1] not in self._algorithms:
            # Before any key lookup: a disallowed alg must not even cost a JWKS refetch
            # (RFC 8725 §3.1: the allow-list is ours, never the token's).
            raise AlgorithmNotAllowedError(f"algorithm {parts[1]!r} is not allowed")
        return parts

    def _cached(self, token: str) -> tuple[Claims, float, tuple[_Bound, ...]] | None:
        """The cache entry of a token whose verdict still holds (``verify`` inlines this)."""
        cache = self._cache
        entry = cache.get(token)
        if entry is None:
            return None
        # A hit still answers to the clock: RFC 7519 §4.1.4 holds for cached tokens too.
        if self._wall() - self._leeway >= entry[1]:
            cache.pop(token, None)
            return None  # the full path raises the precise error
        try:
            cache.move_to_end(token)
        except KeyError:
            pass  # evicted by another thread meanwhile; the verdict above still stands
        return entry

    def _finish(self, parts: CompactParts, key: JWK, token: str) -> Claims:
        header, alg, _, signing_input, payload_segment, signature = parts
        try:
            check = key.verifier(alg)
        except InvalidKeyError:
            if key.fits(alg, "verify"):
                # The key fits but its check cannot be built: our key is broken (500),
                # never the caller's token. Only the signature call below sees the token.
                raise
            # The key source handed back a key that may not verify this alg: treat it as
            # no key at all rather than let a configuration slip become a 500.
            raise UnknownKeyError("no usable key for the token's kid and alg") from None
        try:
            valid = check(signature, signing_input)
        except (ValueError, TypeError, OverflowError):
            raise MalformedTokenError("signature could not be checked") from None
        if not valid:
            raise InvalidSignatureError("signature verification failed")
        payload = decode_payload_segment(payload_segment)
        # _wall: the clock's time(), or time.time itself for the system clock (one frame less).
        validate_claims(header, payload, self._policy, self._wall())
        claims = Claims(payload, header)  # hands nested values out read-only
        if self._cache_size:
            self._remember(token, claims)
        return claims

    def _remember(self, token: str, claims: Claims) -> None:
        valid_until = claims.expires_at
        max_age = self._policy.max_age
        if max_age is not None:
            valid_until = min(valid_until, float(claims["iat"]) + max_age)
        cache = self._cache
        cache[token] = (claims, valid_until, tuple(_bound(c, claims) for c in self._post_checks))
        while len(cache) > self._cache_size:
            try:
                cache.popitem(last=False)
            except KeyError:
                break
