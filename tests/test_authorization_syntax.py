"""``read_credentials`` accepts exactly RFC 6750 §2.1's b64token, whatever the checking code.

The check is a bytes.translate (see ``gatehouse.authorization``); the grammar itself, written
as the regular expression the RFC's ABNF reads as, is the oracle here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gatehouse.authorization import read_credentials
from gatehouse.errors import MalformedTokenError

# b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_ABNF = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_ALPHABET = st.sampled_from(
    [*"ABCXYZabcxyz0189-._~+/= ", "é", "\x00", "\t", "€", ":", '"', ",", "\U0001f600"]
)


@given(st.text(_ALPHABET, min_size=1, max_size=40))
def test_token68_matches_the_grammar(token: str) -> None:
    # Surrounding whitespace is the field value's, trimmed before the grammar applies.
    assume(token.strip() == token)
    if _ABNF.fullmatch(token) is not None:
        assert read_credentials([f"Bearer {token}"]) == ("bearer", token)
    else:
        with pytest.raises(MalformedTokenError):
            read_credentials([f"Bearer {token}"])


@pytest.mark.parametrize("token", ["a b", "a=b", "==", "é", "abc\x00", "a\tb", "a,b"])
def test_not_a_token68_is_refused(token: str) -> None:
    with pytest.raises(MalformedTokenError):
        read_credentials([f"Bearer {token}"])


@pytest.mark.parametrize("token", ["a", "a==", "a/+~._-==", "eyJ.eyJ.c2ln"])
def test_token68_is_read(token: str) -> None:
    assert read_credentials([f"Bearer {token}"]) == ("bearer", token)
