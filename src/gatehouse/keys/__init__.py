"""Where verification keys come from: a static set, a file, the environment, or a URL."""

from __future__ import annotations

from gatehouse.keys.base import KeySource
from gatehouse.keys.jwks import JWKS

__all__ = ["JWKS", "KeySource"]
