"""New passwords follow NIST SP 800-63B: a minimum length and an optional breached list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cli_helpers import PASSWORD, Project

from gatehouse.errors import ConfigurationError, WeakPasswordError
from gatehouse.issuer.password_policy import PasswordPolicy


def _add(project: Project, password: str, name: str = "alice") -> tuple[int, str]:
    result = project.run("users", "add", name, "--password-stdin", input=password + "\n")
    return result.exit_code, result.stderr


def test_one_character_password_is_refused(project: Project) -> None:
    """users add with a 1-character password: refused, saying the minimum; no user made."""
    code, stderr = _add(project, "x")
    assert code == 1
    assert "at least 8 characters" in stderr
    assert project.json("users", "list") == []


def test_eight_characters_are_enough(project: Project) -> None:
    """Exactly the minimum is accepted (spaces and any characters count, no rules)."""
    assert _add(project, "a b c d ")[0] == 0


def test_the_minimum_is_configurable(project: Project) -> None:
    """[issuer] password_min_length = 12 refuses an 11-character password."""
    text = project.config.read_text().replace("[issuer]\n", "[issuer]\npassword_min_length = 12\n")
    project.config.write_text(text)
    code, stderr = _add(project, "elevenchars")
    assert code == 1
    assert "at least 12 characters" in stderr
    assert _add(project, "twelve chars")[0] == 0


def test_breached_passwords_are_refused(project: Project, tmp_path: Path) -> None:
    """A breached password (plain or as a SHA-1 digest) is refused by add and by passwd."""
    breached = tmp_path / "breached.txt"
    digest = hashlib.sha1(b"correct horse battery", usedforsecurity=False).hexdigest()
    breached.write_text(f"password123\n{digest.upper()}:3730471\n")
    text = project.config.read_text().replace(
        "[issuer]\n", f"[issuer]\nbreached_passwords_file = {json.dumps(str(breached))}\n"
    )
    project.config.write_text(text)
    for bad in ("password123", "correct horse battery"):
        code, stderr = _add(project, bad)
        assert code == 1
        assert "list of breached passwords" in stderr
    assert _add(project, PASSWORD)[0] == 0
    result = project.run("users", "passwd", "alice", "--password-stdin", input="password123\n")
    assert result.exit_code == 1
    assert "list of breached passwords" in result.stderr


def test_passwd_checks_the_length_too(project: Project) -> None:
    """users passwd refuses a new password under the minimum and changes nothing."""
    project.add_user("alice")
    result = project.run("users", "passwd", "alice", "--password-stdin", input="short\n")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.stderr


@pytest.mark.parametrize("length", [0, 7, 65])
def test_minimum_outside_the_guideline_is_refused(length: int) -> None:
    """A minimum under NIST's 8 (or absurdly long) is a configuration error."""
    with pytest.raises(ConfigurationError, match="password_min_length"):
        PasswordPolicy(length)


def test_missing_breached_file_is_named(tmp_path: Path) -> None:
    """A breached-list file that cannot be read stops start-up naming it."""
    with pytest.raises(ConfigurationError, match="breached_passwords_file"):
        PasswordPolicy.load(8, str(tmp_path / "absent.txt"))


def test_weak_password_is_an_invalid_request() -> None:
    """The error is a 400 invalid_request with its own code."""
    with pytest.raises(WeakPasswordError) as caught:
        PasswordPolicy().check("short")
    assert (caught.value.status, caught.value.error, caught.value.code) == (
        400,
        "invalid_request",
        "weak_password",
    )
