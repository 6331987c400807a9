"""`gatehouse init`: a complete project at once, or nothing at all."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cli_helpers import Project, invoke

from gatehouse.issuer.kek import KeyEncryptionKey


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_config_store_keys_and_kek(project: Project) -> None:
    """init writes gatehouse.toml, a migrated SQLite store with two keys and a 0600 KEK file."""
    assert project.config.is_file()
    assert (project.root / ".gatehouse" / "gatehouse.db").is_file()
    kek = project.root / ".gatehouse" / "kek"
    assert _mode(kek) == 0o600
    assert KeyEncryptionKey.from_text(kek.read_text()).development is False
    keys = project.json("keys", "list")
    assert sorted(k["state"] for k in keys) == ["active", "next"]
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".gatehouse-init")] == []


def test_init_registers_the_example_client_with_a_private_secret(project: Project) -> None:
    """The orders example's client exists, its secret file is 0600, and it may only exchange
    a user's token for profile:read (no profiles:read: its own token reads nobody's)."""
    secret_file = project.root / ".gatehouse" / "orders-service.secret"
    assert _mode(secret_file) == 0o600
    clients = project.json("clients", "list")
    assert [c["client_id"] for c in clients] == ["orders-service"]
    assert clients[0]["scopes"] == ["profile:read"]
    assert clients[0]["grant_types"] == [
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ]
    assert "client_secret" not in clients[0]


def test_init_json_reports_what_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--json names the config, store, KEK file and the two signing key ids."""
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert Path(data["config"]) == tmp_path / "gatehouse.toml"
    assert len(data["signing_keys"]) == 2
    assert data["backups"] == []


def test_init_refuses_to_overwrite_without_force(project: Project) -> None:
    """A second init fails with one line naming the file and --force; nothing changes."""
    before = project.config.read_bytes()
    result = invoke("init")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "gatehouse.toml already exists" in result.stderr
    assert "--force" in result.stderr
    assert project.config.read_bytes() == before


def test_init_force_replaces_and_keeps_backups(project: Project) -> None:
    """--force makes a new project and keeps the old config and data folder as backups."""
    old_keys = {k["kid"] for k in project.json("keys", "list")}
    result = invoke("init", "--force", "--json")
    assert result.exit_code == 0, result.stderr
    backups = [Path(b).name for b in json.loads(result.stdout)["backups"]]
    assert sorted(b.split(".bak-")[0] for b in backups) == [".gatehouse", "gatehouse.toml"]
    assert all((project.root / b).exists() for b in backups)
    assert {k["kid"] for k in project.json("keys", "list")}.isdisjoint(old_keys)


def test_failed_init_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the KEK and store were made removes them all: no half project."""
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "--audience", "")  # refused by the issuer's config, mid-way
    assert result.exit_code == 1
    assert "audience" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_failed_force_init_restores_the_previous_project(
    project: Project,
) -> None:
    """A failing --force init leaves the existing project exactly as it was."""
    before = project.config.read_bytes()
    kids = {k["kid"] for k in project.json("keys", "list")}
    result = invoke("init", "--force", "--audience", "")
    assert result.exit_code == 1
    assert project.config.read_bytes() == before
    assert {k["kid"] for k in project.json("keys", "list")} == kids
    assert sorted(p.name for p in project.root.iterdir()) == [".gatehouse", "gatehouse.toml"]


def test_init_refuses_a_leftover_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .gatehouse folder without gatehouse.toml is not silently reused or replaced."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gatehouse").mkdir()
    result = invoke("init")
    assert result.exit_code == 1
    assert ".gatehouse exists" in result.stderr
    assert not (tmp_path / "gatehouse.toml").exists()


def test_init_into_a_missing_folder_names_it(tmp_path: Path) -> None:
    """--config in a folder that does not exist: one line naming the folder."""
    target = tmp_path / "nowhere" / "gatehouse.toml"
    result = invoke("--config", str(target), "init")
    assert result.exit_code == 1
    assert f"{target.parent} does not exist" in result.stderr


def test_init_with_config_path_elsewhere_resolves_relative_paths(tmp_path: Path) -> None:
    """A project made with --config works from any working directory."""
    target = tmp_path / "proj" / "gatehouse.toml"
    target.parent.mkdir()
    assert invoke("--config", str(target), "init").exit_code == 0
    listed = invoke("--config", str(target), "keys", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
