"""The AWS Lambda entry point: ``gatehouse.service.lambda_entry.handler``.

The service is built on the first invocation, from the function's environment (settings
file via ``GATEHOUSE_CONFIG`` if present, every setting as ``GATEHOUSE_*``), and kept for
the container's life. Nothing is built at import time, so a broken configuration shows
up as a clear error in the first invocation's log rather than an import failure, and
importing this module costs almost nothing: events go to the route handlers directly
(``lambda_dispatch``), the ASGI app is built only for what they leave to it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gatehouse.service.lambda_dispatch import LambdaDispatch

__all__ = ["build_bridge", "handler"]


class _Lazy:
    bridge: LambdaDispatch | None = None


def build_bridge(environ: Mapping[str, str]) -> LambdaDispatch:
    """The token service configured by ``environ``, answering AWS HTTP events."""
    from gatehouse.service.compose import build_context
    from gatehouse.service.lambda_dispatch import LambdaDispatch
    from gatehouse.service.settings import load_settings

    settings = load_settings(environ=environ)
    context, opened = build_context(settings, inline=True)

    def asgi_app() -> Any:
        from gatehouse.service.app import app_for_context

        return app_for_context(context, close=opened.close)

    return LambdaDispatch(context, asgi_app)


def _build_once(environ: Mapping[str, str]) -> LambdaDispatch:
    """``build_bridge`` with the cyclic collector paused, then what it built frozen.

    The build makes most of the objects the container will ever hold (modules, classes,
    settings, the service), and all of them live as long as it does. Left running, the
    collector walks them again and again while they are being made, a few milliseconds
    of every cold start (issue 15 §2) for no garbage; ``gc.freeze`` then keeps them out
    of every later collection, so a warm request's collections stay small too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build_bridge(environ)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """API Gateway REST (1.0), HTTP API (2.0), Function URL or ALB event → response."""
    if _Lazy.bridge is None:
        _Lazy.bridge = _build_once(os.environ)
    return _Lazy.bridge(event, context)
