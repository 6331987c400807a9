"""Repeated member names (RFC 7515 §5.2): refused however they are spelled or spaced, and
a text without repeats decodes to exactly its members."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse.jose.strict_json import loads_object


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"a":1,"a":2}', "compact repeat"),
        (b'{"a":1, "a" :2}', "space between the name and the colon"),
        (b'{"a":1,"a"\t:2}', "tab between the name and the colon"),
        (b'{"a":1,"a"\n:2}', "LF between the name and the colon"),
        (b'{"a":1,"a"\r:2}', "CR between the name and the colon"),
        (b'{"a" :1,"a" :2}', "both names followed by whitespace"),
        (b'{"a":1,"\\u0061":2}', "the same name, one spelt as an escape"),
        (b'{"a":"x\\":y","a":2}', "an escaped quote and colon in a string, and a repeat"),
        (b'{"a":1,"b":"\\":","a":2}', "that string between the repeats"),
        (b'{"exp":1,"aud":["x"],"exp":9}', "a repeat around a flat array"),
    ],
)
def test_flat_repeats_are_refused(data: bytes, why: str) -> None:
    """A flat object that repeats a name raises ValueError, whatever the whitespace."""
    with pytest.raises(ValueError, match="duplicate"):
        loads_object(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"a":"x\\":y"}', {"a": 'x":y'}),
        (b'{"iss":"https://a.example"}', {"iss": "https://a.example"}),
        (b'{"a" :1,"b"\t:2}', {"a": 1, "b": 2}),
        (b'{"a":"{"}', {"a": "{"}),
        (b'{"aud":["x","y"]}', {"aud": ["x", "y"]}),
    ],
)  # fmt: skip
def test_flat_without_repeats_decodes(data: bytes, expected: dict[str, Any]) -> None:
    """Colons in strings, whitespace before a colon, a '{' in a string: all still decode."""
    assert loads_object(data) == expected


_NAMES = st.sampled_from(["a", "b", "exp", "é", "a\\"])
_VALUES = st.one_of(
    st.integers(-(2**60), 2**60),
    st.booleans(),
    st.none(),
    st.text(alphabet='ab:" \\{', max_size=6),
    st.lists(st.text(alphabet='a:"', max_size=3), max_size=2),
)
_WS = st.sampled_from(["", "", " ", "\t", "\n", "\r", "  "])


def _spell(name: str, escape: bool) -> str:
    """``name`` as a JSON string, with its first character as a \\u escape if asked."""
    if escape and name:
        return f'"\\u{ord(name[0]):04x}' + json.dumps(name[1:], ensure_ascii=False)[1:]
    return json.dumps(name, ensure_ascii=False)


@given(
    st.lists(
        st.tuples(_NAMES, _VALUES, st.booleans(), _WS, _WS, _WS),
        max_size=6,
    )
)
def test_refuses_exactly_the_repeats(members: list[tuple[Any, ...]]) -> None:
    """For any flat object, whatever its spelling and spacing: ValueError iff a name repeats,
    else the decoded object."""
    text = (
        "{"
        + ",".join(
            f"{before}{_spell(name, esc)}{ws}:{ws2}{json.dumps(value, ensure_ascii=False)}"
            for name, value, esc, before, ws, ws2 in members
        )
        + "}"
    )
    names = [name for name, *_ in members]
    if len(set(names)) < len(names):
        with pytest.raises(ValueError, match="duplicate"):
            loads_object(text.encode())
    else:
        assert loads_object(text.encode()) == {name: value for name, value, *_ in members}
