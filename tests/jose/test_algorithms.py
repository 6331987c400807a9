"""The algorithm table and the signature checks built from it (RFC 7518 §3, RFC 8725 §2.1)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gatehouse import jose
from gatehouse.jose import JWK, parse_compact, sign_compact
from gatehouse.jose import algorithms as algorithms_module
from gatehouse.jose.algorithms import ALGORITHMS, AlgSpec, SignatureCheck, make_verifier
from gatehouse.jose.ecdsa import ecdsa_constructor, ecdsa_shortcut, proven


def test_algorithm_table_is_immutable() -> None:
    """ALGORITHMS cannot gain, lose or replace an entry, so "none" can never be registered."""
    spec = ALGORITHMS["ES256"]
    table: Any = jose.ALGORITHMS
    with pytest.raises(TypeError):
        table["none"] = spec
    with pytest.raises(TypeError):
        del table["ES256"]
    with pytest.raises(AttributeError):
        table.update({"none": spec})
    assert "none" not in ALGORITHMS
    assert jose.ALGORITHMS is ALGORITHMS


def test_algorithm_spec_is_immutable() -> None:
    """An AlgSpec's hash, key type and lengths cannot be rewritten after the table is built."""
    spec: Any = ALGORITHMS["HS256"]
    with pytest.raises(AttributeError):
        spec.hash = "sha1"
    with pytest.raises(AttributeError):
        spec.min_key_bytes = 0
    assert (spec.hash, spec.min_key_bytes) == ("sha256", 32)


def test_none_cannot_be_specified() -> None:
    """An AlgSpec named "none" (any case) cannot even be built (RFC 8725 §3.1)."""
    for name in ("none", "None", "NONE"):
        with pytest.raises(ValueError, match="none"):
            AlgSpec(name, "HMAC", "oct", hash="sha256")


def test_signature_check_is_the_only_name() -> None:
    """The signature-check type is SignatureCheck; "Verifier" names only the gatehouse class."""
    assert callable(JWK.generate("HS256").verifier("HS256"))
    assert SignatureCheck is algorithms_module.SignatureCheck
    assert not hasattr(algorithms_module, "Verifier")


# --- the ECDSA constructor shortcut -------------------------------------------------------


def _raises(hash_alg: Any) -> Any:
    raise RuntimeError("a future cryptography moved things")


def _not_an_ecdsa(hash_alg: Any) -> Any:
    return object()


def _wrong_hash(hash_alg: Any) -> Any:
    return ec.ECDSA(hashes.SHA384())


def _attribute_error(hash_alg: Any) -> Any:
    raise AttributeError("_algorithm")


BROKEN = [_raises, _not_an_ecdsa, _wrong_hash, _attribute_error]


def test_shortcut_proves_itself_on_this_cryptography() -> None:
    """On the installed cryptography the shortcut passes its proof, so the fast path is live."""
    assert proven(ecdsa_shortcut) is ecdsa_shortcut
    algorithm = ecdsa_shortcut(hashes.SHA256())
    assert isinstance(algorithm, ec.ECDSA)
    assert isinstance(algorithm.algorithm, hashes.SHA256)


@pytest.mark.parametrize("broken", BROKEN, ids=lambda f: f.__name__)
def test_broken_shortcut_falls_back_to_the_constructor(broken: Any) -> None:
    """A builder that raises anything or builds an object that fails the proof is not used."""
    assert proven(broken) is ecdsa_constructor


@pytest.mark.parametrize("broken", BROKEN, ids=lambda f: f.__name__)
@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_es_tokens_verify_with_a_broken_shortcut(broken: Any, alg: str) -> None:
    """With the shortcut broken, ES* signatures still verify and wrong ones are still refused."""
    key = JWK.generate(alg)
    jws = parse_compact(sign_compact(b'{"sub":"u"}', key, alg))
    check = make_verifier(ALGORITHMS[alg], key.public()._key, ecdsa=proven(broken))
    assert check(jws.signature, jws.signing_input) is True
    assert check(jws.signature, jws.signing_input + b"x") is False


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_a_builder_failing_at_build_time_falls_back(alg: str) -> None:
    """A builder that passed its proof but fails for another hash still yields a working check."""
    calls: list[Any] = []

    def only_sha256(hash_alg: Any) -> Any:
        calls.append(hash_alg)
        if not isinstance(hash_alg, hashes.SHA256):
            raise TypeError("unexpected hash")
        return ecdsa_shortcut(hash_alg)

    key = JWK.generate(alg)
    jws = parse_compact(sign_compact(b"{}", key, alg))
    check = make_verifier(ALGORITHMS[alg], key.public()._key, ecdsa=only_sha256)
    assert calls
    assert check(jws.signature, jws.signing_input) is True
