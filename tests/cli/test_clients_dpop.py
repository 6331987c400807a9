"""`gatehouse clients add --require-dpop` and `clients require-dpop`: the per-client DPoP
policy (RFC 9449 §5) set from the command line and honoured by the token service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import Project

from gatehouse.errors import InvalidDPoPProofError


def test_add_require_dpop_is_stored_listed_and_enforced(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """--require-dpop marks the client; the listing shows it; a grant without a proof fails."""
    added = project.json(
        "clients", "add", "edge", "--audience", "gatehouse-examples", "--require-dpop"
    )
    assert added["require_dpop"] is True
    listed = project.json("clients", "list")
    assert [c["require_dpop"] for c in listed if c["client_id"] == "edge"] == [True]
    with pytest.raises(InvalidDPoPProofError):
        open_service().client_credentials("edge", added["client_secret"])


def test_require_dpop_command_turns_the_policy_on_and_off(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """clients require-dpop ID turns the requirement on; --off turns it off again."""
    added = project.json("clients", "add", "batch", "--audience", "gatehouse-examples")
    assert added["require_dpop"] is False
    assert project.json("clients", "require-dpop", "batch")["require_dpop"] is True
    with pytest.raises(InvalidDPoPProofError):
        open_service().client_credentials("batch", added["client_secret"])
    assert project.json("clients", "require-dpop", "batch", "--off")["require_dpop"] is False
    assert open_service().client_credentials("batch", added["client_secret"]).scope == ""
