"""The CLI configured by GATEHOUSE_* variables alone, as docs/cli.md promises (a container,
a CI job): no gatehouse.toml anywhere."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from cli_helpers import PASSWORD, invoke

from gatehouse.jose import b64url_encode


@pytest.fixture
def environment_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder and a complete configuration in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEHOUSE_CONFIG", raising=False)
    monkeypatch.delenv("GATEHOUSE_KEK_FILE", raising=False)
    monkeypatch.setenv("GATEHOUSE_ISSUER_URL", "https://auth.example.com")
    monkeypatch.setenv("GATEHOUSE_ISSUER_AUDIENCES", "https://api.example.com")
    monkeypatch.setenv("GATEHOUSE_STORAGE_URL", "sqlite:///store.db")
    monkeypatch.setenv("GATEHOUSE_KEK", b64url_encode(secrets.token_bytes(32)))
    return tmp_path


def test_commands_run_from_the_environment_alone(environment_only: Path) -> None:
    """migrate creates the store the variables name; users add and list work on it."""
    assert not (environment_only / "gatehouse.toml").exists()
    migrated = invoke("migrate")
    assert migrated.exit_code == 0, migrated.stderr
    assert (environment_only / "store.db").is_file()
    added = invoke("users", "add", "alice", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.stderr
    listed = invoke("users", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert "alice" in json.dumps(json.loads(listed.stdout))


def test_a_named_missing_file_is_still_an_error(environment_only: Path) -> None:
    """--config naming a file that is not there fails, even with the variables set."""
    result = invoke("--config", "elsewhere.toml", "migrate")
    assert result.exit_code == 1
    assert "elsewhere.toml not found" in result.stderr


def test_without_variables_the_missing_file_points_at_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No file and no variables: the error names `gatehouse init` and the variables."""
    monkeypatch.chdir(tmp_path)
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_STORAGE_URL", "GATEHOUSE_ISSUER_URL"):
        monkeypatch.delenv(name, raising=False)
    result = invoke("migrate")
    assert result.exit_code == 1
    assert "gatehouse init" in result.stderr
    assert "GATEHOUSE_STORAGE_URL" in result.stderr
