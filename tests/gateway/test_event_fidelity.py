"""Every event the dev gateway emits, path by path and type by type, against AWS's recordings.

tests/gateway/fidelity.py merges each kind's recordings from ``../shared/events``
(aws-lambda-go, aws-sam-cli, powertools); ``bench/event_fidelity.py`` prints the counts.
"""

from __future__ import annotations

import pytest

from gatehouse.gateway.authorizer_events import token_authorizer_event
from gatehouse.gateway.events import proxy_event
from gateway.fidelity import KINDS, compare, key_paths, sample_events, sample_request
from shared_material import shared_path


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_field_missing_mistyped_or_undocumented(kind: str) -> None:
    """Zero recorded paths missing, zero mistyped, extras only where documented."""
    events = shared_path("events")
    for name in KINDS[kind]:
        shared_path("events", name)  # every recording is there (fails in CI if not)
    counts = compare(kind, sample_events()[kind], events)
    assert (counts.missing, counts.mistyped, counts.extra) == ((), (), ())


def test_the_comparison_sees_a_missing_field() -> None:
    """The comparison is not vacuous: a dropped or retyped field is counted."""
    events = shared_path("events")
    event = dict(sample_events()["rest-proxy"] or {})
    del event["requestContext"]["domainPrefix"]
    event["requestContext"]["requestTimeEpoch"] = "now"
    event["isBase64Encoded"] = None
    counts = compare("rest-proxy", event, events)
    assert counts.missing == ("requestContext.domainPrefix",)
    assert len(counts.mistyped) == 2
    v2 = proxy_event(sample_request(), "2.0", None)
    assert "isBase64Encoded" in compare("http-request-authorizer", v2, events).extra


def test_rest_events_keep_the_clients_header_case() -> None:
    """REST: names as sent; repeated values last in headers, all in multiValueHeaders."""
    event = proxy_event(sample_request(), "1.0", None)
    assert event["headers"]["User-Agent"] == "curl/8.5.0"
    assert event["headers"]["Cookie"] == "b=2"
    assert event["multiValueHeaders"]["Cookie"] == ["a=1", "b=2"]
    assert "user-agent" not in event["headers"]


def test_http_events_lower_case_and_take_every_cookie() -> None:
    """HTTP API 2.0: lower-case names; both Cookie headers' pairs in cookies."""
    event = proxy_event(sample_request(), "2.0", None)
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["user-agent"] == "curl/8.5.0"


def test_token_authorizer_input_is_three_fields() -> None:
    """A TOKEN authorizer gets type, authorizationToken and methodArn, nothing else."""
    event = token_authorizer_event(sample_request(), "Bearer t")
    assert set(key_paths(event)) == {"type", "authorizationToken", "methodArn"}
    assert event["methodArn"].endswith("/dev/GET/profiles/42")
