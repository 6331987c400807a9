"""The maintainer's commands: disable and rotate a client, change a user's grants, purge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import PASSWORD, Project

from gatehouse.errors import InvalidClientError


def _client(project: Project, client_id: str = "billing") -> str:
    data = project.json("clients", "add", client_id, "--audience", "gatehouse-examples")
    secret: str = data["client_secret"]
    return secret


def test_disabled_client_gets_no_token_until_enabled(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """clients disable stops client credentials at once; --enable lets them in again."""
    secret = _client(project)
    assert project.json("clients", "disable", "billing")["disabled"] is True
    with pytest.raises(InvalidClientError):
        open_service().client_credentials("billing", secret)
    assert project.json("clients", "disable", "billing", "--enable")["disabled"] is False
    assert open_service().client_credentials("billing", secret).access_token


def test_rotated_secret_replaces_the_old_one(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """clients rotate-secret: the new secret authenticates, the old one no longer does."""
    old = _client(project)
    new = project.json("clients", "rotate-secret", "billing")["client_secret"]
    assert new != old
    assert open_service().client_credentials("billing", new).access_token
    with pytest.raises(InvalidClientError):
        open_service().client_credentials("billing", old)


def test_unknown_client_is_named(project: Project) -> None:
    """A client id that does not exist: one line naming it, exit 1, nothing changed."""
    result = project.run("clients", "rotate-secret", "nobody")
    assert result.exit_code == 1
    assert "no client 'nobody'" in result.stderr


def test_grants_replace_scopes_and_roles(project: Project, open_service: Callable[[], Any]) -> None:
    """users grants replaces what is given, keeps what is not, and new logins carry it."""
    project.add_user("alice", "orders:read")
    data = project.json("users", "grants", "alice", "--scope", "orders:write", "--role", "admin")
    assert data == {"username": "alice", "scopes": ["orders:write"], "roles": ["admin"]}
    kept = project.json("users", "grants", "alice", "--no-roles")
    assert kept == {"username": "alice", "scopes": ["orders:write"], "roles": []}
    tokens = open_service().login("alice", PASSWORD, scope="orders:write")
    assert tokens.access_token


def test_grants_without_a_change_is_refused(project: Project) -> None:
    """users grants with nothing to change says what to give."""
    project.add_user("alice")
    result = project.run("users", "grants", "alice")
    assert result.exit_code == 1
    assert "nothing to change" in result.stderr


def test_purge_reports_what_it_removed(project: Project) -> None:
    """sessions purge runs on a fresh project and reports each count."""
    data = project.json("sessions", "purge")
    assert set(data) == {"sessions", "denied", "keys"}
    assert all(isinstance(v, int) for v in data.values())


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (("users", "add", "alice", "--email", "b@example.com"), "a user named 'alice'"),
        (("users", "add", "bob", "--email", "A@Example.com"), "email 'A@Example.com' already"),
        (("clients", "add", "billing"), "a client with id 'billing' already exists"),
    ],
    ids=["username", "email", "client-id"],
)
def test_each_conflict_names_its_field(
    project: Project, second: tuple[str, ...], message: str
) -> None:
    """A duplicate username, email or client id says which, not a storage constraint."""
    project.json("users", "add", "alice", "--email", "a@example.com", "--password-stdin",
                 input=PASSWORD + "\n")  # fmt: skip
    _client(project)
    result = (
        project.run(*second, "--password-stdin", input=PASSWORD + "\n")
        if second[0] == "users"
        else project.run(*second)
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert "constraint" not in result.stderr
    assert "[storage]" not in result.stderr
