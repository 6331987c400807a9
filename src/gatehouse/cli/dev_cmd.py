"""``gatehouse dev``: the token service and the [[functions]] on one local port."""

from __future__ import annotations

from pathlib import Path

import click

from gatehouse.cli.app import state_of
from gatehouse.cli.state import CliState

__all__ = ["dev"]

EXAMPLE_HANDLER = Path("examples/orders/handler.py")


def _initialise_if_missing(state: CliState, port: int | None) -> None:
    """No settings file, none named, no environment-only settings: do what `gatehouse init`
    does, say so on stderr (stdout's first line stays the ready line), then serve. The
    example services are included only where their code is (a checkout of gatehouse)."""
    from gatehouse.cli.scaffold import initialise
    from gatehouse.cli.scaffold_text import InitChoices
    from gatehouse.cli.state import ENV_ONLY

    if state.config_given or state.config_path.exists():
        return
    if any(state.environ.get(name) for name in ENV_ONLY):
        return
    chosen = port or InitChoices().port
    examples = EXAMPLE_HANDLER.is_file()
    choices = InitChoices(issuer=f"http://{InitChoices().host}:{chosen}", port=chosen)
    result = initialise(
        state.config_path, choices, force=False, overrides=state.overrides, examples=examples
    )
    click.echo(
        f"No {state.config_path.name} here: initialised it, the SQLite store, signing keys and"
        f" a development KEK in {result.store.parent.name}/ (as `gatehouse init` does).",
        err=True,
    )
    if not examples:
        click.echo(
            "Serving the token service alone (the example services live in a checkout of the"
            " gatehouse repository). Add a function: gatehouse new function NAME",
            err=True,
        )


@click.command()
@click.option("--host", help="Interface to listen on (default: [dev] host, or 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    envvar="PORT",
    help="Port (env PORT; default: [dev] port, or 8000; 0 picks a free one).",
)
@click.pass_context
def dev(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the local stack: the token service and your functions behind one HTTP port.

    Each route in [[functions]] maps to a handler by import path, with its event format
    (v1 REST or v2 HTTP API) and auth (none, jwt, or a Lambda authorizer). Stop with Ctrl-C.
    """
    from gatehouse.gateway.serve import run_gateway

    state = state_of(ctx)
    _initialise_if_missing(state, port)
    try:
        run_gateway(state.settings(), state.stores(), host, port)
    except KeyboardInterrupt:
        # Ctrl-C is how a developer stops the stack: not a failure, nothing to report.
        return
