"""`gatehouse users`: accounts from the command line; passwords never on it or echoed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import PASSWORD, Project

from gatehouse.errors import InvalidGrantError


def test_add_reads_the_password_from_stdin_and_lists_the_user(project: Project) -> None:
    """users add --password-stdin creates an account users list shows, without the hash."""
    added = project.add_user("Alice", "orders:read", "profile:read")
    assert added["username"] == "alice"  # normalised (NFKC + casefold)
    listed = project.json("users", "list")
    assert [u["username"] for u in listed] == ["alice"]
    assert listed[0]["scopes"] == ["orders:read", "profile:read"]
    assert "password_hash" not in listed[0]


def test_add_prompts_twice_and_never_echoes(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """Without --password-stdin the password is prompted with confirmation and not shown."""
    result = project.run("users", "add", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.stderr
    assert PASSWORD not in result.output
    assert open_service().login("bob", PASSWORD).access_token


def test_prompt_mismatch_creates_nothing(project: Project) -> None:
    """Two different entries at the prompt, then end of input: aborted, no account."""
    result = project.run("users", "add", "bob", input="one-password\nanother-one\n")
    assert result.exit_code == 1
    assert "aborted" in result.stderr
    assert project.json("users", "list") == []


def test_adding_an_existing_user_is_one_line(project: Project) -> None:
    """A duplicate username fails with one line naming it."""
    project.add_user("alice")
    result = project.run("users", "add", "alice", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert result.stderr == "error: a user named 'alice' already exists\n"


def test_empty_stdin_password_is_refused(project: Project) -> None:
    """--password-stdin with nothing on stdin is an error, not an empty password."""
    result = project.run("users", "add", "carol", "--password-stdin", input="")
    assert result.exit_code == 1
    assert "--password-stdin expects a password" in result.stderr


def test_disable_ends_sessions_and_blocks_login(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """users disable revokes live sessions and login is refused; --enable restores it."""
    project.add_user("alice")
    open_service().login("alice", PASSWORD)
    disabled = project.json("users", "disable", "alice")
    assert disabled == {"username": "alice", "disabled": True, "sessions_revoked": 1}
    with pytest.raises(InvalidGrantError):
        open_service().login("alice", PASSWORD)
    project.json("users", "disable", "alice", "--enable")
    assert open_service().login("alice", PASSWORD).access_token


def test_passwd_with_wrong_current_password_changes_nothing(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """passwd --current with a wrong current password: one line, old password still works."""
    project.add_user("alice")
    result = project.run(
        "users",
        "passwd",
        "alice",
        "--current",
        "--password-stdin",
        input="not-the-password\nnew-password-123\n",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the current password for 'alice' is wrong; nothing was changed\n"
    )
    assert "not-the-password" not in result.output
    assert open_service().login("alice", PASSWORD).access_token


def test_passwd_sets_the_new_password_and_ends_sessions(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """passwd with the right current password switches passwords and revokes sessions."""
    project.add_user("alice")
    open_service().login("alice", PASSWORD)
    data = project.json(
        "users",
        "passwd",
        "alice",
        "--current",
        "--password-stdin",
        input=f"{PASSWORD}\nnew-password-123\n",
    )
    assert data["sessions_revoked"] == 1
    with pytest.raises(InvalidGrantError):
        open_service().login("alice", PASSWORD)
    assert open_service().login("alice", "new-password-123").access_token


def test_unknown_user_names_the_fix(project: Project) -> None:
    """Acting on a user that does not exist points at users list."""
    result = project.run("users", "disable", "nobody")
    assert result.exit_code == 1
    assert "no user named 'nobody'; see `gatehouse users list`" in result.stderr
