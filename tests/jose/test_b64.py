"""base64url per RFC 7515 §2: unpadded, URL alphabet, canonical, nothing else."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse.jose import b64url_decode, b64url_encode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", b""),
        ("AA", b"\x00"),
        ("AAA", b"\x00\x00"),
        ("AAAA", b"\x00\x00\x00"),
        ("-_8", b"\xfb\xff"),
        ("_w", b"\xff"),
        ("Zm9v", b"foo"),
        ("Zm9vYg", b"foob"),
        ("Zm9vYmE", b"fooba"),
    ],
)
def test_decodes_canonical(text: str, expected: bytes) -> None:
    """Canonical unpadded base64url decodes to its bytes, as str or bytes input."""
    assert b64url_decode(text) == expected
    assert b64url_decode(text.encode("ascii")) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Zg==", "padding"),
        ("Zm8=", "padding"),
        ("Zm9v=", "padding on a full group"),
        ("+_8", "'+' from the standard alphabet"),
        ("-/8", "'/' from the standard alphabet"),
        ("Zm 9v", "inner space"),
        (" Zm9v", "leading space"),
        ("Zm9v\n", "trailing newline"),
        ("Zm9v\t", "tab"),
        ("Zm9v\r\n", "CRLF"),
        ("Zm.9v", "a dot"),
        ("Zm9v!", "junk character"),
        ("Zh", "non-zero trailing bits (2 chars: 'h' has low bits set)"),
        ("Zm9", "non-zero trailing bits (3 chars: '9' has low bits set)"),
        ("AB", "non-zero trailing bits (Wycheproof ModifiedUnusedBits)"),
        ("_x", "non-zero trailing bits after a full byte"),
        ("A", "length 1 mod 4"),
        ("AAAAA", "length 5 ≡ 1 mod 4"),
        ("Zm9vY", "length 5 ≡ 1 mod 4 after a full group"),
    ],
)
def test_rejects_non_canonical(text: str, why: str) -> None:
    """Every spelling other than the one canonical encoding raises ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - b64 is internal; callers map to typed errors
        b64url_decode(text)


def test_rejects_non_ascii_text() -> None:
    """Non-ASCII text is refused with ValueError, not a UnicodeEncodeError leak of another kind."""
    with pytest.raises(ValueError):  # noqa: PT011
        b64url_decode("Zm9vé")


def test_encode_has_no_padding_and_url_alphabet() -> None:
    """Encoding never emits '=', '+' or '/'."""
    text = b64url_encode(bytes(range(256)) + b"\xfb\xff\xfe")
    assert not set(text) & set("=+/")
    assert text == base64.urlsafe_b64encode(bytes(range(256)) + b"\xfb\xff\xfe").decode().rstrip(
        "="
    )


@given(st.binary(max_size=200))
def test_round_trip(data: bytes) -> None:
    """decode(encode(x)) == x for any bytes."""
    assert b64url_decode(b64url_encode(data)) == data


@given(st.binary(min_size=1, max_size=60), st.data())
def test_only_one_spelling(data: bytes, draw: st.DataObject) -> None:
    """Changing the last character of an encoding never decodes to the same bytes."""
    text = b64url_encode(data)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other = draw.draw(st.sampled_from(alphabet).filter(lambda c: c != text[-1]))
    changed = text[:-1] + other
    try:
        assert b64url_decode(changed) != data
    except ValueError:
        pass
