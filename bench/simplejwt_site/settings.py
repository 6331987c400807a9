"""Django settings for the simplejwt peer, read from the environment the bench sets.

``BENCH_DJANGO_ENGINE`` is ``sqlite`` (``BENCH_DJANGO_NAME`` the file) or ``postgres``
(``BENCH_DJANGO_NAME`` a ``postgresql://`` URL); with PostgreSQL the tables live in the
schema ``BENCH_DJANGO_SCHEMA``, which the bench creates and drops.
Passwords use argon2id with gatehouse's default profile (m=19 MiB, t=2, p=1), so a login
costs both sides the same hash.
"""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

SECRET_KEY = os.environ.get("BENCH_DJANGO_SECRET", "bench-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "simplejwt_site.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
]
MIDDLEWARE: list[str] = []
PASSWORD_HASHERS = ["simplejwt_site.hashers.GatehouseCostArgon2"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=10),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
}

if os.environ.get("BENCH_DJANGO_ENGINE", "sqlite") == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_DJANGO_NAME", "bench-django.db"),
            # the durability gatehouse's SQLite store runs with, and its busy wait
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 5,
            },
        }
    }
else:
    _pg = urlsplit(os.environ["BENCH_DJANGO_NAME"])
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _pg.path.lstrip("/"),
            "USER": _pg.username or "postgres",
            "HOST": _pg.hostname or "127.0.0.1",
            "PORT": _pg.port or 5432,
            "CONN_MAX_AGE": 600,
            "OPTIONS": {"options": f"-c search_path={os.environ['BENCH_DJANGO_SCHEMA']}"},
        }
    }
