"""The typed event views read every recorded HTTP event the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import ConfigurationError

from .conftest import load_event


@pytest.mark.parametrize(
    ("name", "family", "method", "path", "multi"),
    [
        ("powertools/apiGatewayProxyEvent.json", EventFamily.REST_V1, "GET", "/my/path", False),
        ("aws-lambda-go/apigw-request.json", EventFamily.REST_V1, "POST", "/hello/world", False),
        ("powertools/apiGatewayProxyV2Event.json", EventFamily.HTTP_V2, "POST", "/my/path", False),
        ("powertools/lambdaFunctionUrlEvent.json", EventFamily.HTTP_V2, "GET", "/", False),
        ("powertools/albEvent.json", EventFamily.ALB, "GET", "/lambda", False),
        ("powertools/albMultiValueHeadersEvent.json", EventFamily.ALB, "GET", "/todos", True),
    ],
)
def test_event_view_reads_family_method_and_path(
    shared_dir: Path, name: str, family: EventFamily, method: str, path: str, multi: bool
) -> None:
    """Each family is recognised and its method, path and header style read from its fields."""
    view = HttpEvent.from_dict(load_event(shared_dir / "events" / name))
    assert view.family is family
    assert view.method == method
    assert view.path == path
    assert view.uses_multi_value_headers is multi


def test_header_lookup_is_case_insensitive_and_keeps_repeats(shared_dir: Path) -> None:
    """Header names match in any case; multi-value headers keep every value."""
    event = load_event(shared_dir / "events" / "powertools" / "apiGatewayProxyEvent.json")
    view = HttpEvent.from_dict(event)
    assert view.header_values("HEADER2") == ("value1", "value2")
    assert view.header_values("header1") == ("value1",)
    assert view.header_values("absent") == ()


@pytest.mark.parametrize("event", [[], "text", {"Records": []}, {"requestContext": None}])
def test_non_http_events_are_configuration_errors(event: object) -> None:
    """Anything that is not an HTTP event is refused with a typed error."""
    with pytest.raises(ConfigurationError):
        HttpEvent.from_dict(event)


def test_every_recorded_http_event_has_a_family(shared_dir: Path) -> None:
    """No recorded proxy event falls outside the three families."""
    names = [
        p
        for p in (shared_dir / "events").glob("*/*.json")
        if "response" not in p.name and "type" not in json.loads(p.read_text())
    ]
    assert names
    for path in names:
        assert HttpEvent.from_dict(load_event(path)).family in EventFamily
