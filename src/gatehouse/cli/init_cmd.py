"""``gatehouse init``: a working development project in one command."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.scaffold import InitResult, initialise
from gatehouse.cli.scaffold_text import EXAMPLE_CLIENT_ID, InitChoices
from gatehouse.issuer.config import SIGNING_ALGORITHMS

__all__ = ["init"]

_DEFAULTS = InitChoices()


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _next_steps(console: Console, result: InitResult, config_flag: str) -> None:
    console.print(f"[bold green]Initialised[/] {escape(_shown(result.config))}")
    console.print(f"  store            {escape(_shown(result.store))} (SQLite, schema applied)")
    console.print(f"  signing keys     {len(result.kids)} (active + next)")
    kek = escape(_shown(result.kek_file))
    console.print(f"  encryption key   {kek} (mode 0600; back it up, never commit)")
    console.print(
        f"  example client   {EXAMPLE_CLIENT_ID}, secret in"
        f" {escape(_shown(result.client_secret_file))}"
    )
    for backup in result.backups:
        console.print(f"  previous files   kept as {escape(_shown(backup))}")
    if not Path("examples/orders/handler.py").is_file():
        console.print(
            "[yellow]note[/]: examples/ is not in this folder; the \\[\\[functions]] in the"
            " settings file expect the gatehouse repository's examples (or edit them)."
        )
    console.print("\nNext steps:")
    console.print(
        f"  gatehouse{config_flag} users add alice --scope orders:read --scope profile:read"
    )
    console.print(f"  gatehouse{config_flag} dev            # token service + examples on one port")
    console.print("  see docs/tour.md for the five-minute tour")


@click.command()
@click.option(
    "--force", is_flag=True, help="Replace an existing project (old files kept as backups)."
)
@click.option(
    "--issuer",
    help="The issuer URL (iss) [default: http://127.0.0.1:PORT, this server in `gatehouse dev`].",
)
@click.option(
    "--audience", default=_DEFAULTS.audience, show_default=True, help="The API audience (aud)."
)
@click.option(
    "--signing-alg",
    type=click.Choice(SIGNING_ALGORITHMS),
    default=_DEFAULTS.signing_alg,
    show_default=True,
    help="Signing algorithm (RS256 if services use API Gateway's JWT authorizer).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=_DEFAULTS.port,
    envvar="PORT",
    show_default=True,
    help="The port of `gatehouse dev` (env PORT), and so of the development issuer URL.",
)
@json_option
@click.pass_context
def init(
    ctx: click.Context,
    force: bool,
    issuer: str | None,
    audience: str,
    signing_alg: str,
    port: int,
) -> None:
    """Create gatehouse.toml, the SQLite store, signing keys and a development KEK."""
    state = state_of(ctx)
    choices = InitChoices(
        issuer=issuer or f"http://{_DEFAULTS.host}:{port}",
        audience=audience,
        signing_alg=signing_alg,
        port=port,
    )
    result = initialise(state.config_path, choices, force=force, overrides=state.overrides)
    flag = "" if state.config_path == Path("gatehouse.toml") else f" --config {state.config_path}"
    data = {
        "config": str(result.config),
        "store": str(result.store),
        "kek_file": str(result.kek_file),
        "client_id": EXAMPLE_CLIENT_ID,
        "client_secret_file": str(result.client_secret_file),
        "signing_keys": list(result.kids),
        "backups": [str(b) for b in result.backups],
    }
    output_of(ctx).emit(data, lambda console: _next_steps(console, result, flag))
