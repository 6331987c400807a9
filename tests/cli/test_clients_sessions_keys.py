"""`gatehouse clients`, `sessions`, `keys` and `migrate` over the project's store."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import PASSWORD, Project

from gatehouse.errors import InvalidClientError, InvalidGrantError


def test_client_secret_is_shown_once_and_authenticates(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """clients add prints the secret once; it authenticates; clients list never shows it."""
    added = project.json(
        "clients", "add", "billing", "--audience", "gatehouse-examples", "--scope", "invoices:read"
    )
    secret = added["client_secret"]
    token = open_service().client_credentials("billing", secret)
    assert token.scope == "invoices:read"
    listed = project.run("clients", "list", "--json")
    assert secret not in listed.output
    with pytest.raises(InvalidClientError):
        open_service().client_credentials("billing", secret + "x")


def test_client_secret_file_is_private(project: Project, open_service: Callable[[], Any]) -> None:
    """--secret-file writes the secret 0600 and not to stdout."""
    target = project.root / "billing.secret"
    result = project.run(
        "clients",
        "add",
        "billing",
        "--audience",
        "gatehouse-examples",
        "--secret-file",
        str(target),
    )
    assert result.exit_code == 0, result.stderr
    secret = target.read_text().strip()
    assert secret not in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert open_service().client_credentials("billing", secret).access_token


def test_client_secret_file_that_exists_registers_nothing(project: Project) -> None:
    """An existing --secret-file is refused before the client is registered."""
    target = project.root / "taken.secret"
    target.write_text("keep me")
    result = project.run("clients", "add", "billing", "--secret-file", str(target))
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert [c["client_id"] for c in project.json("clients", "list")] == ["orders-service"]


def test_sessions_list_and_revoke(project: Project, open_service: Callable[[], Any]) -> None:
    """sessions list shows a login; revoking its sid makes its refresh token fail."""
    project.add_user("alice")
    pair = open_service().login("alice", PASSWORD)
    listed = project.json("sessions", "list", "alice")
    assert [s["sid"] for s in listed] == [pair.sid]
    assert project.json("sessions", "revoke", pair.sid) == {"revoked": 1}
    with pytest.raises(InvalidGrantError):
        open_service().refresh(pair.refresh_token)
    assert project.json("sessions", "list", "alice") == []
    assert [s["revoke_reason"] for s in project.json("sessions", "list", "alice", "--all")] == [
        "logout"
    ]


def test_sessions_revoke_all_of_a_user(project: Project, open_service: Callable[[], Any]) -> None:
    """sessions revoke --user ends every session of that user."""
    project.add_user("alice")
    for _ in range(2):
        open_service().login("alice", PASSWORD)
    assert project.json("sessions", "revoke", "--user", "alice") == {"revoked": 2}
    assert project.json("sessions", "list", "alice") == []


def test_sessions_revoke_needs_exactly_one_target(project: Project) -> None:
    """Neither a sid nor --user: one line saying what to give."""
    result = project.run("sessions", "revoke")
    assert result.exit_code == 1
    assert "give a session id or --user NAME" in result.stderr


def test_keys_rotate_promotes_next_and_keeps_the_old_key_published(project: Project) -> None:
    """keys rotate: the next key becomes active; the JWKS still holds the retired one."""
    before = {k["state"]: k["kid"] for k in project.json("keys", "list")}
    rotated = project.json("keys", "rotate", "--force")  # the wait: test_key_rotation.py
    assert rotated["active_kid"] == before["next"]
    after = {k["kid"]: k["state"] for k in project.json("keys", "list")}
    assert after[before["active"]] == "retired"
    jwks = json.loads(project.run("keys", "jwks").stdout)
    published = {k["kid"] for k in jwks["keys"]}
    assert {before["active"], before["next"]} <= published
    assert len(published) == 3
    assert all("d" not in k for k in jwks["keys"])  # public keys only


def test_migrate_creates_a_store_at_a_new_url(project: Project) -> None:
    """migrate applies the schema to a store that does not exist yet."""
    text = project.config.read_text().replace(".gatehouse/gatehouse.db", "fresh.db")
    project.config.write_text(text)
    data = project.json("migrate")
    assert data["schema_versions"]["SQLiteStore"] >= 1
    assert (project.root / "fresh.db").is_file()
