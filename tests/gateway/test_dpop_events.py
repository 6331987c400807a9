"""The dev gateway's events let a function rebuild the URL its client addressed (``htu``)."""

from __future__ import annotations

import pytest

from gatehouse.adapters.events import HttpEvent
from gatehouse.adapters.target_url import lambda_url
from gatehouse.gateway.app import _forwarded
from gatehouse.gateway.events import DevRequest, proxy_event


def _request(headers: tuple[tuple[str, str], ...]) -> DevRequest:
    return DevRequest(
        method="GET",
        path="/profiles/42",
        query="x=1",
        headers=headers,
        body=b"",
        source_ip="127.0.0.1",
        route_path="/profiles/{sub}",
        path_parameters={"sub": "42"},
    )


@pytest.mark.parametrize("payload", ["1.0", "2.0"])
def test_event_url_is_the_one_the_client_used(payload: str) -> None:
    """Both payloads give http://host:port/path: no stage prefix, the gateway's scheme."""
    scope = {
        "scheme": "http",
        "headers": [(b"host", b"127.0.0.1:8123"), (b"x-forwarded-proto", b"https")],
    }
    event = proxy_event(_request(_forwarded(scope)), payload, None)
    assert lambda_url(HttpEvent.from_dict(event)) == "http://127.0.0.1:8123/profiles/42"


def test_client_forwarded_proto_is_replaced() -> None:
    """A client's X-Forwarded-Proto never reaches the function; the gateway's own does."""
    scope = {"scheme": "http", "headers": [(b"X-Forwarded-Proto", b"https")]}
    assert [v for k, v in _forwarded(scope) if k.lower() == "x-forwarded-proto"] == ["http"]
