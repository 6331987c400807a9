"""A ready-made API Gateway Lambda authorizer: ``gatehouse.deploy.lambda_authorizer.handler``.

For services deployed with ``gatehouse deploy sam --authorizer lambda`` that bring no
authorizer of their own. It verifies against the token service's published JWKS
(``RemoteJWKS``, cached across warm invocations) with the settings the template puts in
the function's environment:

* ``GATEHOUSE_ISSUER_URL``: the expected ``iss`` (the token service's ``[issuer] url``);
* ``GATEHOUSE_AUDIENCE``: the expected ``aud``;
* ``GATEHOUSE_JWKS_URL``: where the keys are (``{issuer}/.well-known/jwks.json``);
* ``GATEHOUSE_ALGORITHMS``: comma-separated; the template sets the issuer's one algorithm
  (when unset: every algorithm a gatehouse issuer signs with);
* ``GATEHOUSE_SCOPES``: optional, space-separated scopes every call needs.
* ``GATEHOUSE_RESOURCE_DPOP``: ``on`` for a ``dpop = true`` function (RFC 9449 proofs
  checked; ``gatehouse.adapters.dpop_env`` lists the other ``GATEHOUSE_RESOURCE_DPOP_*``).
* ``GATEHOUSE_STATUS_LISTS``: Token Status Lists (draft-ietf-oauth-status-list) checked
  with ``RemoteStatusLists`` (lists under the issuer's URL, cached across warm
  invocations for their ``ttl``): ``required`` (or ``on``; the template sets it when
  ``[status_list] enabled``) refuses a token without a ``status`` reference as well as a
  revoked one; ``optional`` checks only tokens that carry one (while rolling out);
  ``off`` or unset: no check.

The authorizer is built on the first invocation, not at import, so a missing variable
shows as one clear error in the log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gatehouse.adapters.authorizer import BearerAuthorizer
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from gatehouse.keys.status_lists import RemoteStatusLists

__all__ = ["build_authorizer", "handler"]


class _Built:
    authorizer: BearerAuthorizer | None = None


_STATUS_MODES = {"required": True, "on": True, "optional": False}


def _status_lists(environ: Mapping[str, str], clock: Clock) -> RemoteStatusLists | None:
    mode = environ.get("GATEHOUSE_STATUS_LISTS", "").strip().lower()
    if mode in ("", "off"):
        return None
    if mode not in _STATUS_MODES:
        raise ConfigurationError(
            f"GATEHOUSE_STATUS_LISTS={mode!r}: expected required (or on), optional or off"
        )
    from gatehouse import RemoteStatusLists

    return RemoteStatusLists(require=_STATUS_MODES[mode], clock=clock)


def build_authorizer(
    environ: Mapping[str, str], *, clock: Clock = SYSTEM_CLOCK
) -> BearerAuthorizer:
    """The authorizer the environment describes (see the module docstring); ``clock`` for
    tests."""
    from gatehouse import RemoteJWKS, Verifier

    missing = [
        name
        for name in ("GATEHOUSE_ISSUER_URL", "GATEHOUSE_AUDIENCE", "GATEHOUSE_JWKS_URL")
        if not environ.get(name)
    ]
    if missing:
        raise ConfigurationError(f"the authorizer needs {', '.join(missing)} in its environment")
    algorithms = environ.get("GATEHOUSE_ALGORITHMS")
    if not algorithms:  # the issuer's package is imported only when the template did not say
        from gatehouse.issuer.config import SIGNING_ALGORITHMS

        algorithms = ",".join(SIGNING_ALGORITHMS)
    verifier = Verifier(
        issuer=environ["GATEHOUSE_ISSUER_URL"],
        audience=environ["GATEHOUSE_AUDIENCE"],
        keys=RemoteJWKS(environ["GATEHOUSE_JWKS_URL"], clock=clock),
        algorithms=[a.strip() for a in algorithms.split(",") if a.strip()],
        clock=clock,
        status_lists=_status_lists(environ, clock),
    )
    from gatehouse.adapters.dpop_env import dpop_from_environment

    checker = dpop_from_environment(verifier, environ)
    return BearerAuthorizer(checker, scopes=environ.get("GATEHOUSE_SCOPES", "").split())


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    if _Built.authorizer is None:
        _Built.authorizer = build_authorizer(os.environ)
    return _Built.authorizer(event, context)
