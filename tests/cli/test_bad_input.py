"""Bad input at the CLI: one line on stderr naming the problem and the fix, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Project, invoke


def _one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("error: ")
    return stderr


def test_missing_config_points_at_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No gatehouse.toml: the message says to run gatehouse init or pass --config."""
    monkeypatch.chdir(tmp_path)
    result = invoke("users", "list")
    assert result.exit_code == 1
    assert "run `gatehouse init`" in _one_line(result.stderr)


def test_malformed_toml_names_the_file(project: Project) -> None:
    """A syntax error in gatehouse.toml is one line naming the file and the position."""
    project.config.write_text(project.config.read_text() + "\n[issuer\n")
    result = project.run("users", "list")
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "gatehouse.toml is not valid TOML" in line
    assert "line" in line


def test_unknown_setting_lists_the_valid_ones(project: Project) -> None:
    """A misspelt key names the table, the key and the keys it could be."""
    text = project.config.read_text().replace("access_token_ttl =", "acces_token_ttl =")
    project.config.write_text(text)
    line = _one_line(project.run("keys", "list").stderr)
    assert "[issuer] acces_token_ttl: unknown setting" in line
    assert "access_token_ttl" in line


def test_wrongly_typed_setting_says_what_is_expected(project: Project) -> None:
    """A string where a number belongs: the expected type, with an example."""
    text = project.config.read_text().replace("access_token_ttl = 600", 'access_token_ttl = "10m"')
    project.config.write_text(text)
    line = _one_line(project.run("keys", "list").stderr)
    assert "[issuer] access_token_ttl: expected a whole number" in line


def test_missing_store_is_not_silently_recreated(project: Project) -> None:
    """A deleted SQLite file is reported with its path and the fix, and not re-created."""
    store = project.root / ".gatehouse" / "gatehouse.db"
    for path in store.parent.glob("gatehouse.db*"):
        path.unlink()
    result = project.run("users", "list")
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert f"the store {store} does not exist" in line
    assert "gatehouse init" in line
    assert not store.exists()


def test_missing_kek_file_is_named(project: Project) -> None:
    """Without the KEK file the keys cannot be opened: say which file and what to do."""
    (project.root / ".gatehouse" / "kek").unlink()
    line = _one_line(project.run("keys", "rotate").stderr)
    assert "key-encryption key file" in line
    assert "restore it" in line


def test_group_readable_kek_file_is_refused(project: Project) -> None:
    """A KEK file others can read stops the command with the reason."""
    (project.root / ".gatehouse" / "kek").chmod(0o644)
    line = _one_line(project.run("keys", "rotate").stderr)
    assert "must not be readable by group or others" in line


def test_usage_errors_are_one_line(project: Project) -> None:
    """An unknown option is one line pointing at --help, exit code 2."""
    result = project.run("users", "add", "alice", "--colour")
    assert result.exit_code == 2
    assert "No such option '--colour'" in _one_line(result.stderr)
    assert "gatehouse users add --help" in result.stderr


def test_unexpected_errors_are_one_line_unless_debug(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug is reported by class name with a --debug hint; --debug shows the traceback."""
    import gatehouse.cli.users as users_module

    def broken(*_args: object) -> None:
        raise RuntimeError("secret detail that must not be shown")

    monkeypatch.setattr(users_module, "account_data", broken)
    result = project.run("users", "add", "zed", "--password-stdin", input="pw-pw-pw-pw\n")
    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert "unexpected RuntimeError" in line
    assert "--debug" in line
    assert "secret detail" not in result.output
    with pytest.raises(RuntimeError):
        project.run("--debug", "users", "list")
