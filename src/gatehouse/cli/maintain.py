"""The commands a maintainer reaches for after day one (issue 10 §4): disable, delete a
client or rotate its secret, change a user's scopes and roles, delete a user, purge what
has expired.

Each is a thin call on the ``TokenService`` facade (the one surface the HTTP API and the
CLI share); ``gatehouse.cli.main`` attaches them to the ``clients``, ``users`` and
``sessions`` groups.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.clients import client_data
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.secret_io import write_secret_file
from gatehouse.cli.users import account_named

__all__ = [
    "client_delete",
    "client_disable",
    "client_rotate_secret",
    "sessions_purge",
    "user_delete",
    "user_grants",
]

_YES = click.option("--yes", is_flag=True, help="Do not ask for confirmation.")


def _client(ctx: click.Context, client_id: str) -> None:
    found = [c for c in state_of(ctx).service().list_clients() if c.client_id == client_id]
    if not found:
        raise CliFailure(f"no client {client_id!r}; see `gatehouse clients list`", code="not_found")


@click.command("disable")
@click.argument("client_id")
@click.option("--enable", is_flag=True, help="Let the client authenticate again.")
@json_option
@click.pass_context
def client_disable(ctx: click.Context, client_id: str, enable: bool) -> None:
    """Stop CLIENT_ID from getting tokens; the access tokens issued to it are set INVALID in
    the status lists."""
    _client(ctx, client_id)
    service = state_of(ctx).service()
    if enable:
        service.enable_client(client_id)
    else:
        service.disable_client(client_id)
    record = next(c for c in service.list_clients() if c.client_id == client_id)
    state = "enabled" if enable else "disabled"
    output_of(ctx).message(client_data(record), f"Client [bold]{escape(client_id)}[/] {state}.")


@click.command("delete")
@click.argument("client_id")
@_YES
@json_option
@click.pass_context
def client_delete(ctx: click.Context, client_id: str, yes: bool) -> None:
    """Delete CLIENT_ID: tokens issued to it are revoked (status lists), sessions logged in
    through it end, then it is gone (the id may be registered again, inheriting nothing)."""
    _client(ctx, client_id)
    if not yes:
        click.confirm(f"Delete client {client_id!r} and revoke what it was issued?", abort=True)
    state_of(ctx).service().delete_client(client_id)
    output_of(ctx).message(
        {"client_id": client_id, "deleted": True}, f"Deleted client [bold]{escape(client_id)}[/]."
    )


@click.command("delete")
@click.argument("username")
@_YES
@json_option
@click.pass_context
def user_delete(ctx: click.Context, username: str, yes: bool) -> None:
    """Delete USERNAME: every session ends first (its access tokens denied), then the
    account is gone and the username and email are free again."""
    state = state_of(ctx)
    record = account_named(state, username)
    if not yes:
        click.confirm(f"Delete user {record.username!r} and end every session?", abort=True)
    revoked = state.service().delete_account(record.account_id)
    output_of(ctx).message(
        {"username": record.username, "deleted": True, "sessions_revoked": revoked},
        f"Deleted user [bold]{escape(record.username)}[/]; {revoked} session(s) ended",
    )


@click.command("rotate-secret")
@click.argument("client_id")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the new secret to this new file (mode 0600) instead of printing it.",
)
@json_option
@click.pass_context
def client_rotate_secret(ctx: click.Context, client_id: str, secret_file: Path | None) -> None:
    """Give CLIENT_ID a new secret; the old one stops working at once."""
    if secret_file is not None and secret_file.exists():
        raise CliFailure(f"{secret_file} already exists; remove it or choose another file")
    _client(ctx, client_id)
    secret = state_of(ctx).service().rotate_client_secret(client_id)
    data: dict[str, str] = {"client_id": client_id}
    if secret_file is not None:
        write_secret_file(secret_file, secret)
        data["secret_file"] = str(secret_file)
        note = f"written to {escape(str(secret_file))} (mode 0600)"
    else:
        data["client_secret"] = secret
        note = f"(shown once, store it now): [bold]{secret}[/]"
    output_of(ctx).message(data, f"New secret for [bold]{escape(client_id)}[/] {note}")


def _replaced(values: tuple[str, ...], clear: bool, what: str) -> list[str] | None:
    if clear and values:
        raise CliFailure(f"give --{what} or --no-{what}s, not both")
    if clear:
        return []
    return [p for v in values for p in v.split()] or None


@click.command("grants")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, help="Allowed scope (repeatable; replaces).")
@click.option("--role", "roles", multiple=True, help="Role (repeatable; replaces).")
@click.option("--no-scopes", is_flag=True, help="Remove every allowed scope.")
@click.option("--no-roles", is_flag=True, help="Remove every role.")
@json_option
@click.pass_context
def user_grants(
    ctx: click.Context,
    username: str,
    scopes: tuple[str, ...],
    roles: tuple[str, ...],
    no_scopes: bool,
    no_roles: bool,
) -> None:
    """Replace USERNAME's allowed scopes and/or roles (what is not given stays as is).

    New tokens carry the change; tokens already issued keep theirs until they expire."""
    state = state_of(ctx)
    record = account_named(state, username)
    new_scopes = _replaced(scopes, no_scopes, "scope")
    new_roles = _replaced(roles, no_roles, "role")
    if new_scopes is None and new_roles is None:
        raise CliFailure("nothing to change: give --scope, --role, --no-scopes or --no-roles")
    updated = state.service().set_account_grants(
        record.account_id, roles=new_roles, allowed_scopes=new_scopes
    )
    data = {
        "username": updated.username,
        "scopes": sorted(updated.allowed_scopes),
        "roles": sorted(updated.roles),
    }
    shown = f"scopes: {' '.join(data['scopes']) or '-'}; roles: {' '.join(data['roles']) or '-'}"
    output_of(ctx).message(data, f"User [bold]{escape(updated.username)}[/]: {escape(shown)}")


@click.command("purge")
@json_option
@click.pass_context
def sessions_purge(ctx: click.Context) -> None:
    """Delete expired sessions, lapsed deny-list entries and retired keys past retention.

    Safe to run at any time and from a schedule (docs/deploy.md, "Housekeeping")."""
    counts = state_of(ctx).service().purge()
    text = (
        f"Purged {counts['sessions']} expired session(s), {counts['denied']} deny-list"
        f" entr{'y' if counts['denied'] == 1 else 'ies'}, {counts['keys']} retired key(s)"
    )
    output_of(ctx).message(counts, text)
