"""The JWE parser's one scan for base64 characters base64url has not ('+', '/', '=')."""

from __future__ import annotations

import pytest

from gatehouse.errors import DecryptionError
from gatehouse.jose.jwe import decrypt_compact, encrypt_compact
from gatehouse.jose.jwe_algorithms import ENCRYPTIONS, KEY_MANAGEMENT
from gatehouse.jose.jwe_jwk import EncryptionKey

KEY = EncryptionKey.generate("ECDH-ES+A256KW", crv="P-256", kid="p256")
ALGS = frozenset(KEY_MANAGEMENT)


def _decrypt(token: str) -> bytes:
    return decrypt_compact(token, [KEY], algorithms=ALGS, encryptions=ENCRYPTIONS).plaintext


@pytest.mark.parametrize("segment", range(5))
@pytest.mark.parametrize("stranger", ["+", "/", "=", " ", "\n", "%"])
def test_a_foreign_character_in_any_segment_is_the_one_error(segment: int, stranger: str) -> None:
    """A character outside the base64url alphabet, in any of the five segments, fails."""
    token = encrypt_compact(b"hello", KEY.public(), alg="ECDH-ES+A256KW", enc="A256GCM")
    assert _decrypt(token) == b"hello"
    parts = token.split(".")
    parts[segment] = parts[segment][:4] + stranger + parts[segment][4:]
    with pytest.raises(DecryptionError, match="could not be decrypted"):
        _decrypt(".".join(parts))
