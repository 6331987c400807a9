"""The request-bound check (RFC 9449 §7): token + proof + method + URL → claims, or a code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from gatehouse import ManualClock, Verifier
from gatehouse.dpop import DPoPVerifier, StatelessNonces
from gatehouse.errors import (
    DPoPBindingError,
    DPoPProofReplayError,
    InsufficientScopeError,
    InvalidDPoPProofError,
    InvalidRequestError,
    TokenError,
    UseDPoPNonceError,
)
from gatehouse.jose import JWK
from gatehouse.jose.dpop_make import make_proof

from .conftest import NOW, URL

MakeToken = Callable[..., str]


def _call(dv: DPoPVerifier, token: str, proof: str | None, **kw: object) -> object:
    args: dict[str, object] = {
        "authorization": f"DPoP {token}",
        "dpop": proof,
        "method": "GET",
        "url": URL,
    }
    args.update(kw)
    return dv.verify_request(**args)  # type: ignore[arg-type]


def test_bound_token_with_fresh_proof_passes(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """A cnf.jkt token under DPoP with a proof by that key for this request passes."""
    token = make_token(client_key.thumbprint())
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    claims = dpop_verifier.verify_request(
        authorization=f"dpop {token}",
        dpop=proof,
        method="GET",
        url=URL + "?page=2",
        scopes=["orders:read"],
    )
    assert claims.subject == "user-1"
    assert claims["cnf"] == {"jkt": client_key.thumbprint()}


def test_replayed_proof_is_refused(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """The same proof a second time is dpop_replayed (§11.1)."""
    token = make_token(client_key.thumbprint())
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    _call(dpop_verifier, token, proof)
    with pytest.raises(DPoPProofReplayError) as info:
        _call(dpop_verifier, token, proof)
    assert info.value.code == "dpop_replayed"
    assert info.value.error == "invalid_dpop_proof"


def test_failed_proof_is_not_recorded(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """A proof refused for another reason does not use up its jti."""
    token = make_token(client_key.thumbprint())
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(InvalidDPoPProofError):
        _call(dpop_verifier, token, proof, method="POST")
    with pytest.raises(InvalidDPoPProofError):
        _call(dpop_verifier, token, proof, url=URL + "/x")
    _call(dpop_verifier, token, proof)


def test_bound_token_as_bearer_is_a_downgrade(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """A DPoP-bound token under the Bearer scheme is refused (§7.2)."""
    token = make_token(client_key.thumbprint())
    with pytest.raises(DPoPBindingError) as info:
        dpop_verifier.verify_request(
            authorization=f"Bearer {token}", dpop=None, method="GET", url=URL
        )
    assert info.value.code == "dpop_bearer_downgrade"
    assert info.value.error == "invalid_token"


def test_unbound_token_as_bearer_passes_unless_dpop_required(
    verifier: Verifier, clock: ManualClock, make_token: MakeToken
) -> None:
    """Plain bearer tokens pass by default, and are refused by a DPoP-only resource."""
    token = make_token()
    both = DPoPVerifier(verifier, clock=clock)
    assert both.verify_request(authorization=f"Bearer {token}", dpop=None, method="GET", url=URL)
    only = DPoPVerifier(verifier, clock=clock, allow_bearer=False)
    with pytest.raises(DPoPBindingError) as info:
        only.verify_request(authorization=f"Bearer {token}", dpop=None, method="GET", url=URL)
    assert info.value.code == "dpop_required"


def test_unbound_token_under_dpop_scheme_is_refused(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """The DPoP scheme with a token lacking cnf.jkt is refused (§7.1)."""
    token = make_token()
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(DPoPBindingError) as info:
        _call(dpop_verifier, token, proof)
    assert info.value.code == "dpop_unbound_token"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"method": "POST"}, "dpop_wrong_method"),
        ({"url": "https://api.example.com/other"}, "dpop_wrong_url"),
        ({"token": "other"}, "dpop_ath_mismatch"),
        ({"token": None}, "dpop_ath_missing"),
        ({"now": NOW - 120}, "dpop_stale"),
        ({"key": "other"}, "dpop_key_mismatch"),
    ],
)
def test_each_mismatch_has_its_own_code(
    dpop_verifier: DPoPVerifier,
    make_token: MakeToken,
    client_key: JWK,
    other_key: JWK,
    change: dict[str, object],
    code: str,
) -> None:
    """Another method, URL, token, time or key: each refused with its own code."""
    token = make_token(client_key.thumbprint())
    proof_token = change.get("token", token)
    if proof_token == "other":
        proof_token = make_token(client_key.thumbprint(), jti="x")
    proof = make_proof(
        other_key if change.get("key") else client_key,
        method=str(change.get("method", "GET")),
        url=str(change.get("url", URL)),
        now=float(change.get("now", NOW)),  # type: ignore[arg-type]
        access_token=proof_token,  # type: ignore[arg-type]
    )
    with pytest.raises(TokenError) as info:
        _call(dpop_verifier, token, proof)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("dpop", "code"),
    [
        (None, "dpop_proof_missing"),
        ([], "dpop_proof_missing"),
        (["a", "b"], "dpop_multiple_proofs"),
    ],
)
def test_missing_or_repeated_dpop_header(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK, dpop: object, code: str
) -> None:
    """No DPoP header, or more than one, is refused (§4.3 steps 1-2)."""
    with pytest.raises(InvalidDPoPProofError) as info:
        _call(dpop_verifier, make_token(client_key.thumbprint()), dpop)  # type: ignore[arg-type]
    assert info.value.code == code


def test_scopes_are_checked_after_the_proof(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK, other_key: JWK
) -> None:
    """Without the key a caller learns nothing about scopes; with it, 403 on a missing one."""
    token = make_token(client_key.thumbprint())
    wrong = make_proof(other_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(DPoPBindingError):
        _call(dpop_verifier, token, wrong, scopes=["admin"])
    right = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(InsufficientScopeError):
        _call(dpop_verifier, token, right, scopes=["admin"])


def test_authorization_header_problems(dpop_verifier: DPoPVerifier) -> None:
    """No or foreign credentials are missing_token; two headers are invalid_request."""
    for value in (None, [], "Basic abc"):
        with pytest.raises(TokenError) as info:
            dpop_verifier.verify_request(authorization=value, dpop=None, method="GET", url=URL)
        assert info.value.code == "missing_token"
    with pytest.raises(InvalidRequestError):
        dpop_verifier.verify_request(
            authorization=["DPoP a", "Bearer a"], dpop=None, method="GET", url=URL
        )


def test_nonce_challenge_then_retry(
    verifier: Verifier, clock: ManualClock, make_token: MakeToken, client_key: JWK
) -> None:
    """A server requiring nonces answers use_dpop_nonce with one; the retry with it passes."""
    nonces = StatelessNonces(b"s" * 32, context="https://api.example.com", clock=clock)
    dv = DPoPVerifier(verifier, nonces=nonces, clock=clock)
    token = make_token(client_key.thumbprint())
    first = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(UseDPoPNonceError) as info:
        _call(dv, token, first)
    headers = dv.challenge(info.value)
    assert headers["DPoP-Nonce"] == info.value.nonce
    assert headers["WWW-Authenticate"].startswith('Bearer, DPoP error="use_dpop_nonce"')
    retry = make_proof(
        client_key, method="GET", url=URL, now=NOW, access_token=token, nonce=info.value.nonce
    )
    assert _call(dv, token, retry)
    clock.advance(900)  # three slots later the nonce is stale (and so is the proof)
    late = make_proof(
        client_key, method="GET", url=URL, now=NOW + 900, access_token=token, nonce=info.value.nonce
    )
    with pytest.raises(UseDPoPNonceError) as info:
        _call(dv, make_token(client_key.thumbprint(), exp=NOW + 3600), late)
    assert info.value.code == "dpop_nonce_stale"
    assert dv.nonce_headers() == {"DPoP-Nonce": nonces.current(), "Cache-Control": "no-store"}


def test_no_nonce_headers_without_a_nonce_policy(dpop_verifier: DPoPVerifier) -> None:
    """Without a nonce policy a successful response gets no DPoP-Nonce."""
    assert dpop_verifier.nonce_headers() == {}


def test_async_variant_agrees(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """verify_request_async accepts and refuses as verify_request does."""
    token = make_token(client_key.thumbprint())
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    kw = {"authorization": f"DPoP {token}", "dpop": proof, "method": "GET", "url": URL}
    assert asyncio.run(dpop_verifier.verify_request_async(**kw)).subject == "user-1"  # type: ignore[arg-type]
    with pytest.raises(DPoPProofReplayError):
        asyncio.run(dpop_verifier.verify_request_async(**kw))  # type: ignore[arg-type]


@pytest.mark.redis
def test_replay_is_refused_by_another_instance_sharing_redis(
    verifier: Verifier, clock: ManualClock, make_token: MakeToken, client_key: JWK
) -> None:
    """Two instances over one Redis replay cache: a proof used on one fails on the other."""
    import secrets

    from backend_servers import REDIS_URL, redis_down, unavailable

    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    from gatehouse.storage.redis_dpop import RedisReplayCache

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    shared = RedisReplayCache(REDIS_URL, prefix=prefix)
    try:
        first = DPoPVerifier(verifier, replay=shared, clock=clock)
        second = DPoPVerifier(
            verifier, replay=RedisReplayCache(REDIS_URL, prefix=prefix), clock=clock
        )
        token = make_token(client_key.thumbprint())
        proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
        assert _call(first, token, proof)
        with pytest.raises(DPoPProofReplayError):
            _call(second, token, proof)
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()
        shared.close()


def test_replay_cache_down_fails_closed(
    verifier: Verifier, clock: ManualClock, make_token: MakeToken, client_key: JWK
) -> None:
    """An unreachable Redis replay cache is StorageUnavailableError (503), never an accept."""
    pytest.importorskip("redis")
    from backend_servers import free_port
    from gatehouse.errors import StorageUnavailableError
    from gatehouse.storage.redis_dpop import RedisReplayCache

    dead = RedisReplayCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    dv = DPoPVerifier(verifier, replay=dead, clock=clock)
    token = make_token(client_key.thumbprint())
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(StorageUnavailableError):
        _call(dv, token, proof)


def test_token_jkt_with_a_lone_surrogate_is_a_key_mismatch(
    dpop_verifier: DPoPVerifier, make_token: MakeToken, client_key: JWK
) -> None:
    """A cnf.jkt that is not even ASCII is simply another key."""
    token = make_token("\ud800")
    proof = make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token)
    with pytest.raises(DPoPBindingError) as info:
        _call(dpop_verifier, token, proof)
    assert info.value.code == "dpop_key_mismatch"


@pytest.mark.parametrize(
    "request_args",
    [
        {"authorization": [b"DPoP abc"]},
        {"url": None},
        {"url": b"https://api.example.com/orders"},
        {"dpop": [None]},
    ],
    ids=["bytes-authorization", "url-none", "url-bytes", "dpop-none-item"],
)
def test_wrongly_typed_request_parts_are_typed_errors(
    dpop_verifier: DPoPVerifier,
    make_token: MakeToken,
    client_key: JWK,
    request_args: dict[str, object],
) -> None:
    """Values of the wrong type from an adapter are TokenErrors, never a traceback."""
    token = make_token(client_key.thumbprint())
    args: dict[str, object] = {
        "authorization": f"DPoP {token}",
        "dpop": make_proof(client_key, method="GET", url=URL, now=NOW, access_token=token),
        "method": "GET",
        "url": URL,
    }
    args.update(request_args)
    with pytest.raises(TokenError):
        dpop_verifier.verify_request(**args)  # type: ignore[arg-type]
