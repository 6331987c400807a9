"""``gatehouse new function NAME``: a handler, its ``[[functions]]`` entry and a test.

The handler verifies tokens itself (``@require_token``, ``auth = "none"``), so it runs the
same under ``gatehouse dev``, behind any AWS trigger, and in its own test; the entry
routes ``GET /NAME`` to it with the scope ``NAME:read``. The settings file is re-read
after the entry is appended, with the same strict rules as ``dev`` and ``deploy sam``; if
it no longer loads (a route taken, a name in use) everything written is taken back.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.new_text import entry_text, handler_text, test_text
from gatehouse.cli.scaffold_text import NO_FUNCTIONS

__all__ = ["new"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@click.group()
def new() -> None:
    """Scaffold new parts of a project."""


@new.command("function")
@click.argument("name")
@json_option
@click.pass_context
def function(ctx: click.Context, name: str) -> None:
    """Create NAME/handler.py, tests/test_NAME.py and a [[functions]] entry for GET /NAME."""
    state = state_of(ctx)
    config = state.config_path
    if not config.is_file():
        raise CliFailure(f"{config} not found; run `gatehouse init` (or `gatehouse dev`) first")
    if not _NAME.fullmatch(name):
        raise CliFailure(
            f"function name {name!r}: lower-case letters, digits and _ (a Python package name)"
        )
    folder = config.absolute().parent
    package, test = folder / name, folder / "tests" / f"test_{name}.py"
    for path in (package, test):
        if path.exists():
            raise CliFailure(f"{path} already exists; choose another name")
    settings_before = config.read_text(encoding="utf-8")
    algorithms = ",".join(_algorithms())
    made_tests = not test.parent.exists()
    try:
        package.mkdir()
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / "handler.py").write_text(handler_text(name, algorithms), encoding="utf-8")
        test.parent.mkdir(exist_ok=True)
        test.write_text(test_text(name), encoding="utf-8")
        kept = settings_before.replace(NO_FUNCTIONS.lstrip("\n"), "")  # not "none yet" now
        config.write_text(kept.rstrip("\n") + "\n" + entry_text(name), "utf-8")
        _check(state.config_path, state.environ)
    except BaseException:
        config.write_text(settings_before, encoding="utf-8")
        shutil.rmtree(package, ignore_errors=True)
        test.unlink(missing_ok=True)
        if made_tests:
            shutil.rmtree(test.parent, ignore_errors=True)
        raise
    data = {
        "name": name,
        "handler": f"{name}.handler.handler",
        "route": f"GET /{name}",
        "scope": f"{name}:read",
        "files": [str(package / "handler.py"), str(test)],
    }
    lines = [
        f"Created [bold]{escape(name)}[/]: {escape(name)}/handler.py, tests/test_{escape(name)}.py",
        f"  \\[\\[functions]] {escape(name)}: GET /{escape(name)}"
        f" (needs scope {escape(name)}:read)",
        f"Next: gatehouse dev, then call /{escape(name)} with a token"
        f" (gatehouse token mint alice --scope {escape(name)}:read)",
    ]
    output_of(ctx).message(data, "\n".join(lines))


def _algorithms() -> tuple[str, ...]:
    from gatehouse.issuer.config import SIGNING_ALGORITHMS

    return tuple(SIGNING_ALGORITHMS)


def _check(config: Path, environ: Mapping[str, str]) -> None:
    from gatehouse.service.settings import load_settings
    from gatehouse.service.settings_checks import check_function_routes

    settings = load_settings(config, environ=environ)
    check_function_routes(settings.functions)
