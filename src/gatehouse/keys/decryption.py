"""How a ``Verifier`` opens nested JWTs: a JWE whose plaintext is the signed token.

A token service that encrypts for an audience signs the claims, then encrypts the JWS
to the audience's public key with ``cty: JWT`` (RFC 7519 §5.2, §11.2: sign, then
encrypt). The Verifier undoes the outer layer here and verifies the inner JWS exactly as
it verifies any other token: its own ``typ``, algorithm allow-list and keys. Nothing of
the outer header reaches the claims, and the inner token may not itself be nested (the
JWS parser refuses ``cty: JWT``: one layer of each, RFC 8725 §2.8).

With ``required=True`` a plain JWS is refused: an audience whose claims are confidential
must not accept them in the clear just because someone sent them so.
"""

from __future__ import annotations

from collections.abc import Iterable

from gatehouse.errors import DecryptionError
from gatehouse.jose.jwe import decrypt_compact
from gatehouse.jose.jwe_algorithms import DEFAULT_ALGORITHMS, DEFAULT_ENCRYPTIONS, allow_lists
from gatehouse.jose.jwe_content import FAILED
from gatehouse.keys.decryption_keys import DecryptionKeys

__all__ = ["Decryption"]

_NESTED_CTY = ("JWT", "APPLICATION/JWT")  # RFC 7519 §5.2; media type case-insensitive


class Decryption:
    """Decryption keys, the two JWE allow-lists and whether encryption is required."""

    __slots__ = ("_algorithms", "_encryptions", "_keys", "_max_size", "required")

    def __init__(
        self,
        keys: DecryptionKeys,
        *,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        encryptions: Iterable[str] = DEFAULT_ENCRYPTIONS,
        required: bool = False,
        max_token_size: int = 16384,
    ) -> None:
        self._keys = keys
        self._algorithms, self._encryptions = allow_lists(algorithms, encryptions)
        self.required = required
        self._max_size = max_token_size

    @property
    def keys(self) -> DecryptionKeys:
        return self._keys

    def open(self, token: str, max_inner_size: int) -> str:
        """The inner compact JWS of a nested token; a plain JWS as it came (unless required).

        Every refusal is the one ``DecryptionError``; the inner token is checked by the
        Verifier's own parser afterwards, ``max_inner_size`` bounding it before that.
        """
        if token.__class__ is not str or token.count(".") != 4:
            if self.required:
                raise DecryptionError(FAILED)
            return token
        # decrypt_compact picks the key by the header's kid (every key if it names none).
        opened = decrypt_compact(
            token,
            self._keys,
            algorithms=self._algorithms,
            encryptions=self._encryptions,
            max_size=self._max_size,
            max_plaintext=max_inner_size,
        )
        cty = opened.header.get("cty")
        if not isinstance(cty, str) or cty.upper() not in _NESTED_CTY:
            raise DecryptionError(FAILED)  # a JWE that does not say it holds a JWT
        try:
            return opened.plaintext.decode("ascii")
        except UnicodeDecodeError:
            raise DecryptionError(FAILED) from None
