"""The profile service's API Gateway Lambda authorizer.

API Gateway calls it before the profile function; the function runs only if it allows,
and receives the verified claims in ``requestContext.authorizer``. Scopes depend on
the path: a user reads their own profile with ``profile:read`` (so does orders, *for* the
user, with her token exchanged: ``sub`` is hers, ``act.sub`` orders-service); reading
anyone's (``/profiles/{sub}``) needs ``profiles:read``, which no client `gatehouse init`
registers holds: a stolen orders-service token reads nobody's profile. The decision is
cached by API Gateway, so the default ``PolicyScope.METHOD`` allows only the route that
was called: a cached Allow for ``/profile`` never opens ``/profiles/{sub}`` (see
docs/adapters.md, "Caching").
"""

from __future__ import annotations

from examples.environment import verifier_from_environment
from gatehouse.adapters.authorizer import BearerAuthorizer

__all__ = ["handler"]

handler = BearerAuthorizer(
    verifier_from_environment(),
    path_scopes={"/profile": ["profile:read"], "/profiles": ["profiles:read"]},
)
