"""The AWS Lambda entry point: ``gatehouse.service.lambda_entry.handler``.

The app is built on the first invocation, from the function's environment (settings
file via ``GATEHOUSE_CONFIG`` if present, every setting as ``GATEHOUSE_*``), and kept for
the container's life. Nothing is built at import time, so a broken configuration shows
up as a clear error in the first invocation's log rather than an import failure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from gatehouse.service.lambda_bridge import LambdaBridge

__all__ = ["build_bridge", "handler"]


class _Lazy:
    bridge: LambdaBridge | None = None


def build_bridge(environ: Mapping[str, str]) -> LambdaBridge:
    """A bridge over the token service configured by ``environ``."""
    from gatehouse.service.compose import build_app
    from gatehouse.service.settings import load_settings

    return LambdaBridge(build_app(load_settings(environ=environ), inline=True))


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """API Gateway REST (1.0), HTTP API (2.0), Function URL or ALB event → response."""
    if _Lazy.bridge is None:
        _Lazy.bridge = build_bridge(os.environ)
    return _Lazy.bridge(event, context)
