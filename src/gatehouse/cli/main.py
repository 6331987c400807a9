"""The ``gatehouse`` console script: the root group with every command attached."""

from __future__ import annotations

from gatehouse.cli.app import root
from gatehouse.cli.clients import clients
from gatehouse.cli.deploy_cmd import deploy
from gatehouse.cli.dev_cmd import dev
from gatehouse.cli.init_cmd import init
from gatehouse.cli.keys import keys
from gatehouse.cli.maintain import (
    client_delete,
    client_disable,
    client_rotate_secret,
    sessions_purge,
    user_delete,
    user_grants,
)
from gatehouse.cli.migrate import migrate
from gatehouse.cli.new_cmd import new
from gatehouse.cli.serve_cmd import serve
from gatehouse.cli.sessions import sessions
from gatehouse.cli.tokens import token
from gatehouse.cli.users import users

__all__ = ["cli", "main"]

cli = root
for command in (init, dev, new, serve, users, clients, sessions, keys, token, migrate, deploy):
    cli.add_command(command)
for group, command in (
    (clients, client_disable),
    (clients, client_rotate_secret),
    (clients, client_delete),
    (users, user_grants),
    (users, user_delete),
    (sessions, sessions_purge),
):
    group.add_command(command)


def main() -> None:
    """Entry point of the console script (``gatehouse = gatehouse.cli.main:main``)."""
    cli.main(prog_name="gatehouse")
