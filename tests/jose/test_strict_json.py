"""Strict JSON for headers and claims: one object, UTF-8 without BOM, no duplicates or NaN."""

from __future__ import annotations

import pytest

from gatehouse.jose.strict_json import MAX_DEPTH, dumps_compact, loads_object


def _nested(depth: int) -> bytes:
    """An object whose nesting depth (objects and arrays) is exactly ``depth``."""
    return b'{"a":' + b"[" * (depth - 1) + b"1" + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"alg":"none","alg":"ES256"}', "duplicate member"),
        (b'{"a":{"b":1,"b":2}}', "duplicate member in a nested object"),
        (b'{"exp":NaN}', "NaN"),
        (b'{"exp":Infinity}', "Infinity"),
        (b'{"exp":-Infinity}', "-Infinity"),
        (b'\xef\xbb\xbf{"a":1}', "UTF-8 byte order mark"),
        (b'{"a":"\xff"}', "invalid UTF-8"),
        (b'{"a":"\xc3"}', "truncated UTF-8 sequence"),
        (b'{"a":"\xed\xa0\x80"}', "UTF-8-encoded surrogate"),
        (b"[1,2]", "array, not an object"),
        (b'"text"', "string, not an object"),
        (b"1", "number, not an object"),
        (b"null", "null, not an object"),
        (b"", "empty"),
        (b' {"a":1}', "leading whitespace"),
        (b'{"a":1} ', "trailing whitespace"),
        (b'{"a":1}{"b":2}', "two objects"),
        (b'{"a":1', "truncated"),
        (b"{'a':1}", "single quotes"),
        (_nested(MAX_DEPTH + 1), "nesting one past the limit"),
        (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nesting past the recursion limit"),
    ],
)
def test_rejects(data: bytes, why: str) -> None:
    """Anything but one strict JSON object raises ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - internal; callers map to typed errors
        loads_object(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{}", {}),
        (b'{"a":1}', {"a": 1}),
        (b'{ "a" : 1 }', {"a": 1}),
        ('{"n":"é☃"}'.encode(), {"n": "é☃"}),
        (b'{"n":"\\u00e9"}', {"n": "é"}),
        (b'{"big":' + b"9" * 200 + b"}", {"big": int("9" * 200)}),
        (b'{"f":1e999}', {"f": float("inf")}),
    ],
)
def test_accepts(data: bytes, expected: dict[str, object]) -> None:
    """A strict object parses, big integers stay exact (numeric checks happen in claims)."""
    assert loads_object(data) == expected


def test_depth_limit_is_inclusive() -> None:
    """Nesting exactly MAX_DEPTH deep is accepted."""
    assert "a" in loads_object(_nested(MAX_DEPTH))


def test_huge_integer_is_bounded() -> None:
    """An integer with more digits than Python converts raises ValueError, not a crash."""
    with pytest.raises(ValueError):  # noqa: PT011
        loads_object(b'{"exp":' + b"1" * 5000 + b"}")


def test_dumps_refuses_nan() -> None:
    """We never emit what we would reject."""
    with pytest.raises(ValueError):  # noqa: PT011
        dumps_compact({"exp": float("nan")})


def test_dumps_is_compact_utf8() -> None:
    """No whitespace and raw UTF-8 (RFC 7515 §3 leaves the choice; compact keeps tokens short)."""
    assert dumps_compact({"a": [1, 2], "n": "é"}) == '{"a":[1,2],"n":"é"}'.encode()


@pytest.mark.parametrize("depth", [400, 700, 950])
@pytest.mark.parametrize("read_only", [False, True], ids=["claims", "header"])
@pytest.mark.parametrize("stack", [0, 300, 600])
def test_deep_nesting_under_the_recursion_limit_is_value_error(
    depth: int, read_only: bool, stack: int
) -> None:
    """Nesting the scanner still decodes (under the recursion limit) is refused as
    ValueError, however deep the caller's own stack: never a RecursionError."""

    def at_depth(n: int) -> None:
        if n:
            at_depth(n - 1)
            return
        with pytest.raises(ValueError):  # noqa: PT011
            loads_object(_nested(depth), read_only=read_only)

    at_depth(stack)


@pytest.mark.parametrize(("depth", "ok"), [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_depth_limit_holds_for_read_only_values(depth: int, ok: bool) -> None:
    """Headers (decoded read-only) have the same depth limit as claim sets."""
    if ok:
        assert "a" in loads_object(_nested(depth), read_only=True)
    else:
        with pytest.raises(ValueError):  # noqa: PT011
            loads_object(_nested(depth), read_only=True)
