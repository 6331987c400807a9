"""Storage for the token service: ports (Protocols), records, and adapters.

The issuer depends only on ``gatehouse.storage.ports`` and ``.records``. Adapters
live in their own modules so importing this package pulls in no database driver:
``gatehouse.storage.memory.MemoryStore``, ``gatehouse.storage.sqlite.SQLiteStore``
(and, from the postgres/redis extras, ``.postgres`` and ``.redis``).
"""

from __future__ import annotations

from gatehouse.storage.ports import (
    AccountStore,
    ClientStore,
    DenyList,
    FullStore,
    SessionStore,
    SigningKeyStore,
    StoreLifecycle,
    Stores,
    ThrottleStore,
)
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    DenyKind,
    KeyState,
    KeyTransition,
    RefreshTokenRecord,
    RotationOutcome,
    RotationRequest,
    RotationResult,
    SessionRecord,
    SigningKeyRecord,
)

__all__ = [
    "AccountRecord",
    "AccountStore",
    "ClientRecord",
    "ClientStore",
    "DenyKind",
    "DenyList",
    "FullStore",
    "KeyState",
    "KeyTransition",
    "RefreshTokenRecord",
    "RotationOutcome",
    "RotationRequest",
    "RotationResult",
    "SessionRecord",
    "SessionStore",
    "SigningKeyRecord",
    "SigningKeyStore",
    "StoreLifecycle",
    "Stores",
    "ThrottleStore",
]
