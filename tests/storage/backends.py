"""Registers the server-backed adapters with the storage contract suite.

PostgreSQL implements every port; Redis the deny-list and throttle counters. Each
yields a fresh, empty store in a namespace of its own (a schema, a key prefix) and
drops it on exit; a server that is down skips locally and fails in CI.
"""

from __future__ import annotations

import pytest

from backend_servers import postgres_backend, redis_backend

FULL_BACKENDS = {"postgres": postgres_backend}
COUNTER_BACKENDS = {"redis": redis_backend}
BACKEND_MARKS = {"postgres": pytest.mark.postgres, "redis": pytest.mark.redis}
