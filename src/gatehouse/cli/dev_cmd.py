"""``gatehouse dev``: the token service and the [[functions]] on one local port."""

from __future__ import annotations

import click

from gatehouse.cli.app import state_of

__all__ = ["dev"]


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
    try:
        run_gateway(state.settings(), state.stores(), host, port)
    except KeyboardInterrupt:
        # Ctrl-C is how a developer stops the stack: not a failure, nothing to report.
        return
