"""gatehouse clients delete and users delete (issue 10 §4), through the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import PASSWORD, Project

from gatehouse.errors import InvalidClientError, InvalidGrantError


def test_user_delete_ends_sessions_and_frees_the_name(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """users delete revokes the live sessions, refuses login and refresh, frees the name."""
    project.add_user("alice")
    pair = open_service().login("alice", PASSWORD)
    data = project.json("users", "delete", "alice", "--yes")
    assert data == {"username": "alice", "deleted": True, "sessions_revoked": 1}
    with pytest.raises(InvalidGrantError):
        open_service().login("alice", PASSWORD)
    with pytest.raises(InvalidGrantError):
        open_service().refresh(pair.refresh_token)
    assert project.json("users", "list") == []
    project.add_user("alice")
    assert open_service().login("alice", PASSWORD).access_token


def test_user_delete_asks_first_and_a_no_keeps_the_user(project: Project) -> None:
    """Without --yes the command asks; answering no deletes nothing and exits non-zero."""
    project.add_user("alice")
    result = project.run("users", "delete", "alice", input="n\n")
    assert result.exit_code != 0
    assert [u["username"] for u in project.json("users", "list")] == ["alice"]


def test_deleting_an_unknown_user_or_client_names_it(project: Project) -> None:
    """An unknown name or id: one line naming it, exit 1."""
    for args, message in (
        (("users", "delete", "nobody", "--yes"), "no user named 'nobody'"),
        (("clients", "delete", "nobody", "--yes"), "no client 'nobody'"),
    ):
        result = project.run(*args)
        assert result.exit_code == 1
        assert message in result.stderr


def test_client_delete_refuses_its_secret_and_the_id_starts_fresh(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """clients delete: its secret stops working; the id registered again gets a new one."""
    old = project.json("clients", "add", "billing", "--audience", "gatehouse-examples")
    assert open_service().client_credentials("billing", old["client_secret"]).access_token
    assert project.json("clients", "delete", "billing", "--yes") == {
        "client_id": "billing",
        "deleted": True,
    }
    assert "billing" not in [c["client_id"] for c in project.json("clients", "list")]
    with pytest.raises(InvalidClientError):
        open_service().client_credentials("billing", old["client_secret"])
    new = project.json("clients", "add", "billing", "--audience", "gatehouse-examples")
    with pytest.raises(InvalidClientError):
        open_service().client_credentials("billing", old["client_secret"])
    assert open_service().client_credentials("billing", new["client_secret"]).access_token
