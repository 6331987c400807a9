"""The production HTTP runtime of the token service: uvicorn, configured so it cannot trap.

What plain ``uvicorn app --workers 2`` gets wrong, and what this module does instead:

* **Nagle on keep-alive** (uvicorn issue #3149): every accepted socket gets TCP_NODELAY
  (``serve_protocols``), and the listener is bound with ``proto=IPPROTO_TCP`` so asyncio's
  own check agrees. Without it each keep-alive request waits ~44 ms with 2 workers.
* **Proxy headers from anyone**: ``X-Forwarded-For``/``-Proto`` are honoured only from the
  addresses in ``trusted_proxies`` (none by default); uvicorn otherwise reads the
  ``FORWARDED_ALLOW_IPS`` environment variable and trusts 127.0.0.1.
* **Worker count**: one per CPU this process may run on (``sched_getaffinity``, so a
  container's cpuset counts), not 1; uvloop and httptools when installed (``auto``).
* **Graceful shutdown**: SIGTERM/SIGINT stop accepting, let in-flight requests finish for
  up to ``graceful_timeout`` seconds, then run the app's lifespan shutdown (which closes
  the stores).
* **First signing key created once**: with several workers, ``serve`` bootstraps the
  store in the parent before any worker starts, so workers never race to create keys.

Workers are separate processes (``spawn``): each builds its own app from the same
``Settings`` through ``build_app``, so no connection or pool crosses a fork.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Literal

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.service.settings import Settings

__all__ = [
    "AppFromSettings",
    "ServeOptions",
    "bind_listener",
    "default_workers",
    "serve",
    "serve_app",
]

LoopName = Literal["auto", "asyncio", "uvloop"]
HttpName = Literal["auto", "h11", "httptools"]


def default_workers() -> int:
    """One worker per CPU this process may use (a container's cpuset, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@record
class ServeOptions:
    """How to serve: where, how many processes, whom to trust, how long to drain."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int | None = None
    trusted_proxies: tuple[str, ...] = ()
    graceful_timeout: int = 30
    keep_alive_timeout: int = 5
    backlog: int = 2048
    loop: LoopName = "auto"
    http: HttpName = "auto"
    access_log: bool = False

    @property
    def worker_count(self) -> int:
        return default_workers() if self.workers is None else self.workers

    def check(self) -> None:
        """Refuse values uvicorn would accept and misbehave with."""
        if not 1 <= self.worker_count <= 256:
            raise ConfigurationError("workers must be between 1 and 256")
        if not 0 <= self.port <= 65535:
            raise ConfigurationError("port must be between 0 and 65535")
        if self.graceful_timeout < 0 or self.keep_alive_timeout < 1:
            raise ConfigurationError(
                "graceful_timeout must be >= 0 and keep_alive_timeout >= 1 (seconds)"
            )
        if "*" in self.trusted_proxies and len(self.trusted_proxies) > 1:
            raise ConfigurationError('trusted_proxies: "*" (trust every peer) stands alone')
        for entry in self.trusted_proxies:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ConfigurationError(
                        f"trusted proxy {entry!r} is not an address or CIDR, e.g. 10.0.0.0/8"
                    ) from None


@record
class AppFromSettings:
    """A picklable app factory: each worker process builds the token service from settings."""

    settings: Settings

    def __call__(self) -> Any:
        from gatehouse.service.compose import build_app

        return build_app(self.settings)


def bind_listener(host: str, port: int) -> socket.socket:
    """A bound TCP listener with ``proto=IPPROTO_TCP`` (asyncio then disables Nagle too)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host!r}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


def _loop(name: LoopName) -> str:
    if name == "uvloop":
        import importlib.util

        if importlib.util.find_spec("uvloop") is None:
            raise ConfigurationError("loop uvloop needs the uvloop package: pip install uvloop")
    return name


def log_config() -> dict[str, Any]:
    """uvicorn's own logging plus gatehouse's loggers on stderr at INFO.

    uvicorn configures only its own loggers; without this, the ``gatehouse.audit`` events
    (logins, revocations, refresh-token reuse: ``issuer.audit``) and the service's error
    lines would reach no handler, and a production server would keep no audit trail. They
    do not propagate to the root logger, so a root handler set up elsewhere does not print
    them twice; route them elsewhere with your own ``logging`` configuration.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["gatehouse"] = {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    }
    config["handlers"]["gatehouse"] = {
        "class": "logging.StreamHandler",
        "formatter": "gatehouse",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["gatehouse"] = {
        "handlers": ["gatehouse"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _config(factory: Callable[[], Any], options: ServeOptions) -> Any:
    import uvicorn

    from gatehouse.service.serve_protocols import protocol_path

    trusted = list(options.trusted_proxies)
    return uvicorn.Config(
        factory,
        factory=True,
        workers=options.worker_count,
        loop=_loop(options.loop),
        http=protocol_path(options.http),
        ws="none",
        lifespan="on",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or [],  # explicit: never read FORWARDED_ALLOW_IPS
        server_header=False,
        date_header=True,
        access_log=options.access_log,
        log_level="info",
        log_config=log_config(),
        timeout_keep_alive=options.keep_alive_timeout,
        timeout_graceful_shutdown=options.graceful_timeout,
        backlog=options.backlog,
    )


@contextmanager
def _signals_end_cleanly(server: Any) -> Iterator[None]:
    """SIGTERM/SIGINT stop ``server`` gracefully and end the process with 0, from now on.

    A signal that arrives before uvicorn installs its own handlers sets ``should_exit``,
    which uvicorn checks once started. uvicorn re-raises the signal it caught after its
    shutdown, under the handler that was there before: this one again, so ``run`` returns
    instead of the process dying with -15 or a KeyboardInterrupt traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # uvicorn installs no handlers off the main thread either
        return

    def stop(_sig: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def serve_app(
    factory: Callable[[], Any],
    options: ServeOptions,
    *,
    on_listening: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the ASGI app ``factory()`` builds (once per worker) until SIGTERM or SIGINT.

    ``factory`` must be picklable when ``options.worker_count > 1`` (workers are spawned).
    ``on_listening(url, workers)`` is called once the port is bound, before workers start:
    with ``port=0`` it is how a caller learns the port.
    """
    options.check()
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = _config(factory, options)
    sock = bind_listener(options.host, options.port)
    try:
        sock.listen(options.backlog)  # connections queue while the workers start
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}"
        if options.worker_count == 1:
            server = uvicorn.Server(config)
            with _signals_end_cleanly(server):
                if on_listening is not None:
                    on_listening(url, 1)
                server.run(sockets=[sock])
        else:
            supervisor = Multiprocess(config, sockets=[sock])  # takes the signals from here on
            if on_listening is not None:
                on_listening(url, options.worker_count)
            supervisor.run()
    finally:
        sock.close()


def serve(
    settings: Settings,
    options: ServeOptions,
    *,
    on_listening: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the token service that ``settings`` describe (see the module docstring)."""
    options.check()
    from gatehouse.service.compose import build_stores, build_token_service

    with build_stores(settings) as opened:  # migrate and create the first keys, once
        build_token_service(settings, opened, bootstrap=True)
    serve_app(AppFromSettings(settings), options, on_listening=on_listening)
