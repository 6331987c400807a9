"""Running `gatehouse` in-process in a project folder, as the console script would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from gatehouse.cli.main import cli
from gatehouse.cli.state import CliOverrides
from gatehouse.issuer import FAST_TEST_PROFILE

PASSWORD = "correct horse battery staple"
FAST = CliOverrides(password_profile=FAST_TEST_PROFILE)


def invoke(*args: str, input: str | None = None, obj: CliOverrides = FAST) -> Result:
    """Run `gatehouse ARGS` in-process, as the console script would (same error handling)."""
    return CliRunner().invoke(cli, list(args), input=input, obj=obj, catch_exceptions=False)


@dataclass
class Project:
    root: Path
    run: Callable[..., Result]

    @property
    def config(self) -> Path:
        return self.root / "gatehouse.toml"

    def json(self, *args: str, input: str | None = None) -> Any:
        result = self.run(*args, "--json", input=input)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    def add_user(self, name: str = "alice", *scopes: str) -> dict[str, Any]:
        flags = [f"--scope={s}" for s in scopes]
        data: dict[str, Any] = self.json(
            "users", "add", name, *flags, "--password-stdin", input=PASSWORD + "\n"
        )
        return data
