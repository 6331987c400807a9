"""``gatehouse serve``: the token service in production, over ``gatehouse.service.serve``.

The command only parses options and prints where it listens; the runtime (worker count,
TCP_NODELAY, trusted proxies, graceful shutdown) is ``gatehouse.service.serve``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gatehouse.cli.app import state_of

if TYPE_CHECKING:
    from gatehouse.service.serve import HttpName, LoopName

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    envvar="PORT",
    show_default=True,
    help="Port (env PORT; 0 picks a free one).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    envvar="WEB_CONCURRENCY",
    help="Worker processes (env WEB_CONCURRENCY; default: one per usable CPU).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="Honour X-Forwarded-For/-Proto only from this address or CIDR (repeatable;"
    " default: [http] trusted_proxies, else nobody).",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(0, 3600),
    default=30,
    show_default=True,
    help="Seconds in-flight requests get to finish after SIGTERM.",
)
@click.option(
    "--loop",
    type=click.Choice(["auto", "asyncio", "uvloop"]),
    default="auto",
    show_default=True,
    help="Event loop (auto: uvloop when installed).",
)
@click.option(
    "--http",
    "http_impl",
    type=click.Choice(["auto", "h11", "httptools"]),
    default="auto",
    show_default=True,
    help="HTTP parser (auto: httptools when installed).",
)
@click.option("--access-log", is_flag=True, help="Log every request (off by default).")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int | None,
    trusted_proxies: tuple[str, ...],
    graceful_timeout: int,
    loop: LoopName,
    http_impl: HttpName,
    access_log: bool,
) -> None:
    """Serve the token service over HTTP until SIGTERM or Ctrl-C (for production).

    uvloop and httptools are used when installed (gatehouse-auth[server]); every connection
    has TCP_NODELAY, so keep-alive requests never wait on Nagle's algorithm.
    """
    from gatehouse.service.serve import ServeOptions
    from gatehouse.service.serve import serve as run

    settings = state_of(ctx).settings()
    if not trusted_proxies:
        trusted_proxies = tuple(getattr(settings.http, "trusted_proxies", ()))
    options = ServeOptions(
        host=host,
        port=port,
        workers=workers,
        trusted_proxies=trusted_proxies,
        graceful_timeout=graceful_timeout,
        loop=loop,
        http=http_impl,
        access_log=access_log,
    )

    def listening(url: str, count: int) -> None:
        trust = ", ".join(options.trusted_proxies) or "none"
        click.echo(f"gatehouse serving on {url} ({count} workers, trusted proxies: {trust})")

    run(settings, options, on_listening=listening)
