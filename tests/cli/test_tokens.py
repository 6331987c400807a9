"""`gatehouse token`: decode says UNVERIFIED, verify decides, mint only in development."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cli_helpers import PASSWORD, Project


def _mint(project: Project, *args: str) -> str:
    result = project.run("token", "mint", "alice", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_decode_is_marked_unverified(project: Project) -> None:
    """decode shows the claims under an UNVERIFIED banner, and verified=false in JSON."""
    token = _mint(project, "--scope", "orders:read")
    shown = project.run("token", "decode", token)
    assert shown.stdout.startswith("UNVERIFIED")
    data = project.json("token", "decode", "-", input=token)
    assert data["verified"] is False
    assert data["claims"]["sub"] == "alice"
    assert data["header"]["typ"] == "at+jwt"


def test_minted_token_verifies_against_the_local_jwks(project: Project) -> None:
    """A minted token verifies with the project's issuer, audience and keys."""
    token = _mint(project, "--scope", "orders:read")
    data = project.json("token", "verify", token, "--scope", "orders:read")
    assert data["verified"] is True
    assert data["claims"]["scope"] == "orders:read"


def test_login_token_verifies_and_names_the_missing_scope(
    project: Project, open_service: Callable[[], Any]
) -> None:
    """A real login token verifies; asking for a scope it lacks is a one-line 403 reason."""
    project.add_user("alice", "orders:read")
    pair = open_service().login("alice", PASSWORD)
    assert project.json("token", "verify", pair.access_token)["claims"]["sid"] == pair.sid
    result = project.run("token", "verify", pair.access_token, "--scope", "orders:write")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: token rejected (insufficient_scope)")


def test_verify_of_a_bad_token_is_one_line_without_the_token(project: Project) -> None:
    """A tampered token: exit 1, one line with the reason, the token never echoed."""
    token = _mint(project)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    result = project.run("token", "verify", forged)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: token rejected (bad_signature)")
    assert forged not in result.output
    assert payload not in result.output


def test_verify_with_wrong_audience_is_rejected(project: Project) -> None:
    """--audience that the token does not carry fails with invalid_audience."""
    result = project.run("token", "verify", _mint(project), "--audience", "someone-else")
    assert result.exit_code == 1
    assert "(invalid_audience)" in result.stderr


def test_verify_against_a_jwks_file_needs_no_project(
    project: Project, tmp_path_factory: Any
) -> None:
    """--jwks-file with --issuer and --audience works from a folder with no config."""
    token = _mint(project)
    jwks = project.root / "jwks.json"
    jwks.write_text(project.run("keys", "jwks").stdout)
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "missing.toml"
    result = project.run(
        "--config",
        str(elsewhere),
        "--json",
        "token",
        "verify",
        token,
        "--jwks-file",
        str(jwks),
        "--issuer",
        "http://127.0.0.1:8000",
        "--audience",
        "gatehouse-examples",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["claims"]["sub"] == "alice"


def test_mint_is_refused_outside_development(project: Project) -> None:
    """With [issuer] development = false, token mint refuses and says why."""
    text = project.config.read_text()
    text = text.replace("development = true", "development = false")
    text = text.replace('url = "http://127.0.0.1:8000"', 'url = "https://auth.example.com"')
    project.config.write_text(text)
    result = project.run("token", "mint", "alice")
    assert result.exit_code == 1
    assert "token mint is for development only" in result.stderr


def test_mint_ttl_sets_the_lifetime(project: Project) -> None:
    """--ttl sets exp - iat."""
    claims = project.json("token", "mint", "alice", "--ttl", "60")["claims"]
    assert claims["exp"] - claims["iat"] == 60


def test_verify_shows_times_in_iso_8601(project: Project) -> None:
    """In text, verify prints iat and exp as ISO 8601 UTC; JSON keeps epoch seconds."""
    import re

    token = _mint(project)
    text = project.run("token", "verify", token)
    assert text.exit_code == 0, text.stderr
    stamp = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z"
    assert re.search(rf"^  exp\s+{stamp}$", text.stdout, re.M), text.stdout
    assert re.search(rf"^  iat\s+{stamp}$", text.stdout, re.M)
    claims = project.json("token", "verify", token)["claims"]
    assert isinstance(claims["exp"], int)
