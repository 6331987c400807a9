"""htu comparison (RFC 9449 §4.3 step 9) after RFC 3986 §6.2.2-6.2.3 normalisation."""

from __future__ import annotations

import pytest

from gatehouse.jose.htu import normalize_htu, strip_query

SAME = [
    ("https://api.example.com/orders", "https://api.example.com/orders"),
    ("HTTPS://API.Example.COM/orders", "https://api.example.com/orders"),
    ("https://api.example.com:443/orders", "https://api.example.com/orders"),
    ("http://api.example.com:80/orders", "http://api.example.com/orders"),
    ("https://api.example.com:8443/orders", "https://api.example.com:8443/orders"),
    ("https://api.example.com:08443/orders", "https://api.example.com:8443/orders"),
    ("https://api.example.com", "https://api.example.com/"),
    ("https://api.example.com:/x", "https://api.example.com/x"),
    ("https://api.example.com/a/./b/../c", "https://api.example.com/a/c"),
    ("https://api.example.com/a/b/..", "https://api.example.com/a/"),
    ("https://api.example.com/%7Euser", "https://api.example.com/~user"),
    ("https://api.example.com/a%2fb", "https://api.example.com/a%2Fb"),
    ("https://[::1]:443/x", "https://[::1]/x"),
]


@pytest.mark.parametrize(("raw", "normal"), SAME)
def test_normal_form(raw: str, normal: str) -> None:
    """Case, default port, dot segments and percent-encoding are normalised (§6.2.2-3)."""
    assert normalize_htu(raw) == normal


def test_path_case_and_other_ports_still_differ() -> None:
    """The path is case-sensitive and a non-default port is part of the target."""
    assert normalize_htu("https://a.example/Orders") != normalize_htu("https://a.example/orders")
    assert normalize_htu("https://a.example:444/") != normalize_htu("https://a.example/")
    assert normalize_htu("http://a.example/") != normalize_htu("https://a.example/")


def test_request_query_and_fragment_are_ignored() -> None:
    """The request's query and fragment are dropped before comparing (§4.3 step 9)."""
    assert normalize_htu("https://a.example/x?y=1#z", allow_query=True) == "https://a.example/x"
    assert strip_query("https://a.example/x#z?y") == "https://a.example/x"


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.example/x?y=1",
        "https://a.example/x#f",
        "/x",
        "a.example/x",
        "ftp://a.example/x",
        "https:///x",
        "https://user@a.example/x",
        "https://a.example:99999/x",
        "https://a.example:8x/x",
        "https://a.example/x y",
        "https://a.example/%zz",
        "https://[::1/x",
        "",
        "https://a.example/" + "a" * 5000,
    ],
)
def test_not_a_target(raw: str) -> None:
    """Anything but an absolute http(s) URI with a host and no query is ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - the function's one documented error
        normalize_htu(raw)
