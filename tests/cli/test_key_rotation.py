"""`gatehouse keys rotate` waits for the verifiers' key caches and never switches alg silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke
from click.testing import Result

from gatehouse.cli.state import CliOverrides
from gatehouse.clock import ManualClock
from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.issuer.key_rotation import (
    JWT_AUTHORIZER_CACHE,
    REMOTE_JWKS_CACHE,
    describe_wait,
)
from gatehouse.keys.remote_policy import RemoteJWKSPolicy


class Project:
    """An init project whose every command runs on one manual clock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = ManualClock()
        self.overrides = CliOverrides(clock=self.clock, password_profile=FAST_TEST_PROFILE)

    def run(self, *args: str) -> Result:
        return invoke(*args, obj=self.overrides)

    def keys(self) -> dict[str, list[dict[str, object]]]:
        listed = json.loads(self.run("keys", "list", "--json").stdout)
        by_state: dict[str, list[dict[str, object]]] = {}
        for key in listed:
            by_state.setdefault(str(key["state"]), []).append(key)
        return by_state


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """`gatehouse init` at the manual clock's time, in tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in ("GATEHOUSE_CONFIG", "GATEHOUSE_KEK", "GATEHOUSE_KEK_FILE"):
        monkeypatch.delenv(name, raising=False)
    made = Project(tmp_path)
    assert made.run("init").exit_code == 0
    return made


def _one_line(result: Result) -> str:
    assert result.exit_code == 1, result.stdout
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_cache_times_are_the_verifiers_own() -> None:
    """The wait for RemoteJWKS is its default max-age; the JWT authorizer's is two hours."""
    assert RemoteJWKSPolicy().max_age == REMOTE_JWKS_CACHE == 600
    assert JWT_AUTHORIZER_CACHE == 2 * 3600


def test_rotation_right_after_init_is_refused_with_the_wait(project: Project) -> None:
    """A next key published 4 min ago: refused, saying to wait 6 min; nothing changes."""
    before = project.keys()
    project.clock.advance(240)
    line = _one_line(project.run("keys", "rotate"))
    assert "published 4 min ago" in line
    assert "wait 6 min, or use --force" in line
    assert project.keys() == before


def test_rotation_after_the_cache_time_promotes(project: Project) -> None:
    """Ten minutes after it was published, the next key becomes active."""
    next_kid = project.keys()["next"][0]["kid"]
    project.clock.advance(REMOTE_JWKS_CACHE)
    result = project.run("keys", "rotate", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "active_kid": next_kid,
        "alg": "ES256",
        "previous_alg": "ES256",
    }


def test_force_promotes_at_once(project: Project) -> None:
    """--force skips the wait (the operator accepts the risk)."""
    next_kid = project.keys()["next"][0]["kid"]
    result = project.run("keys", "rotate", "--force")
    assert result.exit_code == 0, result.stderr
    assert next_kid in result.stdout


def test_a_jwt_authorizer_function_waits_two_hours(project: Project) -> None:
    """With auth = "jwt" in [[functions]] (or --jwt-authorizer) ten minutes are not enough."""
    config = project.root / "gatehouse.toml"
    config.write_text(config.read_text().replace('auth = "none"', 'auth = "jwt"', 1))
    project.clock.advance(REMOTE_JWKS_CACHE)
    line = _one_line(project.run("keys", "rotate"))
    assert "cache the JWKS for 2 h" in line
    assert "wait 1 h 50 min" in line
    assert project.run("keys", "rotate", "--no-jwt-authorizer").exit_code == 0


def test_a_changed_signing_alg_is_said_and_rotated_to(project: Project) -> None:
    """signing_alg ES256 -> RS256: the ES256 next key is replaced, promoted only after the wait."""
    config = project.root / "gatehouse.toml"
    config.write_text(config.read_text().replace('signing_alg = "ES256"', 'signing_alg = "RS256"'))
    project.clock.advance(REMOTE_JWKS_CACHE)
    line = _one_line(project.run("keys", "rotate"))
    assert "the next key signs ES256 but [issuer] signing_alg is RS256" in line
    assert "rotate again in 10 min" in line
    keys = project.keys()
    assert [k["alg"] for k in keys["next"]] == ["RS256"]
    assert [k["alg"] for k in keys["active"]] == ["ES256"]
    project.clock.advance(REMOTE_JWKS_CACHE)
    result = project.run("keys", "rotate")
    assert result.exit_code == 0, result.stderr
    assert "(RS256); tokens were signed with ES256 until now" in result.stdout


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (40.2, "41 s"),
        (360, "6 min"),
        (361, "7 min"),
        (7200, "2 h"),
        (6600, "1 h 50 min"),
    ],
)
def test_waits_read_at_a_glance(seconds: float, text: str) -> None:
    """Waits are rounded up to the unit a person reads."""
    assert describe_wait(seconds) == text
