"""The token service's domain: accounts, sessions, clients, signing keys.

``TokenService`` is the one surface the HTTP service, the Lambda handler and the CLI
call (its managers are private: see its module docstring); everything it needs is injected
(config, storage ports, the key-encryption key, a clock and a random source). Import
cost is paid only by code that issues tokens: the verifier side never imports this.
"""

from __future__ import annotations

from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import IssuerConfig, ThrottlePolicy
from gatehouse.issuer.kek import KeyEncryptionKey
from gatehouse.issuer.passwords import (
    DEFAULT_PROFILE,
    FAST_TEST_PROFILE,
    PasswordHasher,
    PasswordProfile,
)
from gatehouse.issuer.results import AccessTokenResponse, RegisteredClient, TokenPair
from gatehouse.issuer.service import TokenService

__all__ = [
    "DEFAULT_PROFILE",
    "FAST_TEST_PROFILE",
    "AccessTokenResponse",
    "AuditLog",
    "IssuerConfig",
    "KeyEncryptionKey",
    "PasswordHasher",
    "PasswordProfile",
    "RegisteredClient",
    "ThrottlePolicy",
    "TokenPair",
    "TokenService",
]
