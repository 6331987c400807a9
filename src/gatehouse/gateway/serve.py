"""Starting the local stack: bind the port, wire the parts, hand the socket to uvicorn.

The socket is bound (and listening) before anything else happens, so "port in use" is
the first and clearest error, and a client that connects as soon as the ready line is
printed waits in the backlog instead of being refused. Everything comes from one
``Settings`` value (``[dev]`` and ``[[functions]]`` included): nothing here reads the file.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from gatehouse.service.settings import Settings
    from gatehouse.service.store_urls import OpenStores

__all__ = ["bind", "run_gateway"]


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that name TCP; without it
    # every small response waits for a delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"port {port} on {host} is already in use; stop the other server or run"
                " `gatehouse dev --port N`"
            ) from None
        raise ConfigurationError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    return sock


def run_gateway(settings: Settings, stores: OpenStores, host: str | None, port: int | None) -> None:
    """Serve the token service and ``settings.functions`` until stopped.

    The caller (``gatehouse dev``) opened ``stores`` from ``settings`` and closes them.
    """
    import uvicorn

    from gatehouse.functions.spec import Protection
    from gatehouse.gateway.app import DevGateway
    from gatehouse.gateway.handlers import close_functions, load_functions, start_functions
    from gatehouse.gateway.protocol import CaseKeepingProtocol
    from gatehouse.service.app import create_app
    from gatehouse.service.compose import IssuerKeySource, build_token_service
    from gatehouse.service.issuer_status import issuer_status_lists
    from gatehouse.service.settings import SIGNING_ALGORITHMS, follow_dev_port
    from gatehouse.service.settings_checks import check_function_routes
    from gatehouse.verify import Verifier

    specs = settings.functions
    check_function_routes(specs)
    sock = bind(host or settings.dev.host, settings.dev.port if port is None else port)
    try:
        bound_host, bound_port = sock.getsockname()[:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        url = f"http://{shown_host}:{bound_port}"
        configured = settings.issuer.url
        settings = follow_dev_port(settings, bound_port)
        issuer = settings.issuer.url
        folder = settings.source.resolve().parent if settings.source else Path.cwd()
        project = str(folder)
        base = {
            "GATEHOUSE_DEV_URL": url,
            "GATEHOUSE_PROJECT_DIR": project,
            "GATEHOUSE_ISSUER_URL": settings.issuer.url,
            "GATEHOUSE_AUDIENCE": settings.issuer.default_audience,
            "GATEHOUSE_JWKS_URL": f"{url}/.well-known/jwks.json",
            "GATEHOUSE_TOKEN_URL": f"{url}/token",
        }
        service = build_token_service(settings, stores, bootstrap=True)
        # Each function gets its own worker processes and environment (the gateway's,
        # these values, its own table); nothing is written to this process's os.environ
        # or sys.path.
        functions = load_functions(
            specs, log=_log, base=base, parent=dict(os.environ), project=project
        )
        start_functions(functions)
        verifier = None
        if any(s.protection is Protection.JWT for s in specs):
            verifier = Verifier(
                issuer=settings.issuer.url,
                audience=settings.issuer.default_audience,
                keys=IssuerKeySource(service),
                algorithms=SIGNING_ALGORITHMS,
                status_lists=issuer_status_lists(service),  # a logout holds here too
            )
        upstream: Any = create_app(service, settings.http, ping=stores.ping)
        app = DevGateway(upstream, functions, verifier=verifier, log=_log)
        _log(f"gatehouse dev: token service and {len(functions)} function(s) on {url}")
        if bound_host not in ("127.0.0.1", "::1"):
            _log(
                f"warning: {bound_host} is reachable from other machines; the local stack is"
                " for development (use 127.0.0.1 unless you mean it)"
            )
        for function in functions:
            routes = ", ".join(f"{r.method} {r.path}" for r in function.spec.routes)
            _log(f"  {function.spec.name}: {routes} (auth: {function.spec.protection.value})")
        if issuer != configured:
            _log(f"  issuer: {issuer} (this port; [issuer] url says {configured})")
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", access_log=False, http=CaseKeepingProtocol
        )
        try:
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            close_functions(functions)
    finally:
        sock.close()


def _log(line: str) -> None:
    """A line as given: the start-up banner, and the request lines the gateway stamps
    with the time from its own clock."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
