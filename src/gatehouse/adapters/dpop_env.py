"""DPoP switched on by configuration: ``dpop_from_environment(verifier, environ)``.

A function's code builds its ``Verifier`` once; whether its routes also take DPoP-bound
tokens (RFC 9449) is a deployment fact, so it is read from the environment the way the
issuer and audience are (``gatehouse deploy sam`` and ``gatehouse dev`` set it for
``[[functions]]`` entries with ``dpop = true``). The result goes wherever the verifier
went (``require_token``, ``BearerAuthorizer``, the middlewares): every adapter treats a
``DPoPVerifier`` as "DPoP and Bearer".

* ``GATEHOUSE_RESOURCE_DPOP``: ``off`` (default: the verifier unchanged), ``on`` (DPoP,
  and Bearer for unbound tokens), ``required`` (DPoP only, ``allow_bearer=False``);
* ``GATEHOUSE_RESOURCE_DPOP_ALGORITHMS``: optional comma-separated proof algorithms
  (§7.1 ``algs``);
* ``GATEHOUSE_RESOURCE_DPOP_NONCE_KEYS``: optional base64url keys (at least 32 random
  bytes each; comma-separated, newest first, to rotate): server nonces become mandatory
  (§9), with ``GATEHOUSE_RESOURCE_DPOP_NONCE_CONTEXT`` (default ``GATEHOUSE_AUDIENCE``)
  keeping one service's nonces from another's.

The names are not ``GATEHOUSE_DPOP_*``: those are the token service's ``[dpop]`` table
(its own nonces and algorithms at ``/login`` and ``/token``), read strictly.

The replay cache is this process's memory (``MemoryReplayCache``); a deployment that
needs single use across instances builds its ``DPoPVerifier`` with ``RedisReplayCache``
in code. ``gatehouse.dpop`` is imported only when DPoP is on.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from gatehouse.dpop import DPoPVerifier
    from gatehouse.verify import Verifier

__all__ = ["DPOP_MODES", "dpop_from_environment"]

DPOP_MODES = ("off", "on", "required")
_PREFIX = "GATEHOUSE_RESOURCE_DPOP"
_TRUE = {"on": "on", "true": "on", "1": "on", "yes": "on", "required": "required"}
_FALSE = {"off", "false", "0", "no", ""}


def _mode(environ: Mapping[str, str]) -> str:
    raw = environ.get(_PREFIX, "").strip().lower()
    if raw in _FALSE:
        return "off"
    if raw not in _TRUE:
        raise ConfigurationError(f"{_PREFIX}: expected one of {', '.join(DPOP_MODES)}")
    return _TRUE[raw]


def _keys(text: str) -> list[bytes]:
    from gatehouse.jose import b64url_decode

    try:
        return [b64url_decode(part.strip()) for part in text.split(",") if part.strip()]
    except (ValueError, binascii.Error) as exc:
        raise ConfigurationError(f"{_PREFIX}_NONCE_KEYS: expected base64url keys") from exc


def dpop_from_environment(
    verifier: Verifier, environ: Mapping[str, str], *, clock: Clock = SYSTEM_CLOCK
) -> Verifier | DPoPVerifier:
    """``verifier`` itself, or a ``DPoPVerifier`` over it, as ``environ`` says; pass the
    verifier's ``clock``."""
    mode = _mode(environ)
    if mode == "off":
        return verifier
    from gatehouse.dpop import DPOP_ALGORITHMS, DPoPVerifier, StatelessNonces

    algorithms = [
        a.strip() for a in environ.get(f"{_PREFIX}_ALGORITHMS", "").split(",") if a.strip()
    ] or list(DPOP_ALGORITHMS)
    nonces = None
    key_text = environ.get(f"{_PREFIX}_NONCE_KEYS", "")
    if key_text.strip():
        context = environ.get(f"{_PREFIX}_NONCE_CONTEXT") or environ.get("GATEHOUSE_AUDIENCE", "")
        nonces = StatelessNonces(_keys(key_text), context=context, clock=clock)
    return DPoPVerifier(
        verifier,
        nonces=nonces,
        algorithms=algorithms,
        allow_bearer=mode == "on",
        clock=clock,
    )
