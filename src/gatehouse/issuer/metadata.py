"""The authorization-server metadata document (RFC 8414 §2; OIDC Discovery 1.0 §3).

Endpoint paths are the HTTP layer's choice, so they are parameters; the document is
built from config and is pure data.
"""

from __future__ import annotations

from typing import Any

from gatehouse.issuer.clients import TOKEN_EXCHANGE
from gatehouse.issuer.config import IssuerConfig

__all__ = ["server_metadata"]


def server_metadata(
    config: IssuerConfig,
    *,
    token_path: str = "/oauth2/token",
    jwks_path: str = "/.well-known/jwks.json",
    revocation_path: str = "/oauth2/revoke",
    introspection_path: str = "/oauth2/introspect",
    scopes_supported: list[str] | None = None,
) -> dict[str, Any]:
    """The JSON served at ``/.well-known/oauth-authorization-server`` (and, being a
    superset of what resource servers read, at ``/.well-known/openid-configuration``)."""
    base = config.issuer.rstrip("/")
    doc: dict[str, Any] = {
        "issuer": config.issuer,
        "token_endpoint": base + token_path,
        "jwks_uri": base + jwks_path,
        "revocation_endpoint": base + revocation_path,
        "introspection_endpoint": base + introspection_path,
        # RFC 9700 §2.4: the password grant is not offered at the token endpoint
        # (passwords go to /login, a first-party endpoint, never to /token).
        "grant_types_supported": ["refresh_token", "client_credentials", TOKEN_EXCHANGE],
        # RFC 8414 §2 requires the member; there is no authorization endpoint, so no
        # response type (the implicit "token" type is not offered: RFC 9700 §2.1.2).
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        # No ID tokens are issued, so none of OpenID Connect Discovery's ID-token members.
        "token_endpoint_auth_signing_alg_values_supported": [config.signing_alg],
    }
    if scopes_supported is not None:
        doc["scopes_supported"] = sorted(scopes_supported)
    return doc
