"""The ``gatehouse.toml`` that ``gatehouse init`` writes: development settings, commented.

Paths in it are relative to the file's own folder, so a project folder can be moved
or checked out elsewhere and keep working.
"""

from __future__ import annotations

import json

from gatehouse._record import record

__all__ = [
    "DATA_DIR",
    "EXAMPLE_AUDIENCE",
    "EXAMPLE_CLIENT_GRANTS",
    "EXAMPLE_CLIENT_ID",
    "EXAMPLE_CLIENT_SCOPES",
    "InitChoices",
    "config_text",
]

DATA_DIR = ".gatehouse"
EXAMPLE_AUDIENCE = "gatehouse-examples"
EXAMPLE_CLIENT_ID = "orders-service"
# orders reads a profile only *for* the customer whose request it handles: it exchanges
# her token (RFC 8693) for one with profile:read and act.sub = orders-service. It is not
# given profiles:read (anyone's profile), so its own client-credentials token, stolen,
# reads nobody's (docs/delegation.md, "The examples").
EXAMPLE_CLIENT_SCOPES = ("profile:read",)
EXAMPLE_CLIENT_GRANTS = ("client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange")
STORE_FILE = f"{DATA_DIR}/gatehouse.db"
KEK_FILE = f"{DATA_DIR}/kek"
CLIENT_SECRET_FILE = f"{DATA_DIR}/{EXAMPLE_CLIENT_ID}.secret"


@record
class InitChoices:
    issuer: str = "http://127.0.0.1:8000"
    audience: str = EXAMPLE_AUDIENCE
    signing_alg: str = "ES256"
    host: str = "127.0.0.1"
    port: int = 8000


def _q(text: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(text)


NO_FUNCTIONS = """
# No [[functions]] yet: `gatehouse new function NAME` scaffolds a handler, its entry here
# and a test (docs/cli.md); `gatehouse dev` then serves it beside the token service.
"""


def config_text(choices: InitChoices, *, examples: bool = True) -> str:
    """The settings file; ``examples=False`` leaves out the example services (outside a
    checkout of the gatehouse repository they are not there to import)."""
    text = _config_text(choices)
    if examples:
        return text
    return text[: text.index("# The example services")] + NO_FUNCTIONS.lstrip("\n")


def _config_text(choices: InitChoices) -> str:
    c = choices
    return f"""\
# gatehouse.toml: written by `gatehouse init` for local development.
# Every setting is described in docs/configuration.md; any of them can be overridden
# from the environment as GATEHOUSE_<TABLE>_<KEY> (e.g. GATEHOUSE_STORAGE_URL).

[issuer]
url = {_q(c.issuer)}
default_audience = {_q(c.audience)}
audiences = [{_q(c.audience)}]
signing_alg = {_q(c.signing_alg)}
access_token_ttl = 600
# Development mode allows an http:// issuer and `gatehouse token mint`. Never in production.
development = true

[storage]
# The embedded store: one SQLite file. PostgreSQL + Redis for several instances:
# see docs/storage-backends.md.
url = {_q("sqlite:///" + STORE_FILE)}

[keys]
# The key-encryption key that seals the private signing keys in the store (mode 0600).
# Lose it and the keys in the store cannot be opened; never commit it.
kek_file = {_q(KEK_FILE)}

[dev]
# `gatehouse dev` serves the token service and the functions below on one port.
host = {_q(c.host)}
port = {c.port}

# The example services (examples/ in the gatehouse repository): see examples/README.md.
# orders: protected inside the handler by @require_token; it calls profile for the
# customer with her token exchanged (RFC 8693) by the client {_q(EXAMPLE_CLIENT_ID)}.
[[functions]]
name = "orders"
handler = "examples.orders.handler.handler"
routes = ["GET /orders"]
event = "v2"
auth = "none"

[functions.environment]
# ${{GATEHOUSE_DEV_URL}} and ${{GATEHOUSE_PROJECT_DIR}} are filled in by `gatehouse dev`.
PROFILE_SERVICE_URL = "${{GATEHOUSE_DEV_URL}}"
ORDERS_CLIENT_ID = {_q(EXAMPLE_CLIENT_ID)}
ORDERS_CLIENT_SECRET_FILE = {_q("${GATEHOUSE_PROJECT_DIR}/" + CLIENT_SECRET_FILE)}

# profile: behind a gatehouse Lambda authorizer (examples/profile/authorizer.py).
[[functions]]
name = "profile"
handler = "examples.profile.handler.handler"
routes = ["GET /profile", "GET /profiles/{{sub}}"]
event = "v1"
auth = "lambda"
authorizer = "examples.profile.authorizer.handler"
authorizer_ttl = 300
"""
