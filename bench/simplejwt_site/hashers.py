"""Django's argon2 hasher at gatehouse's default cost (argon2id, m=19 MiB, t=2, p=1)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class GatehouseCostArgon2(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
