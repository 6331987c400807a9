"""``gatehouse users``: accounts that log in with a password."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.output import format_time
from gatehouse.cli.secret_io import read_password, read_stdin_lines
from gatehouse.cli.state import CliState
from gatehouse.errors import InvalidGrantError
from gatehouse.storage.records import AccountRecord

__all__ = ["account_named", "users"]


def account_named(state: CliState, username: str) -> AccountRecord:
    found = state.service().find_account(username)
    if found is None:
        raise CliFailure(
            f"no user named {username!r}; see `gatehouse users list`", code="not_found"
        )
    return found


def account_data(record: AccountRecord) -> dict[str, Any]:
    """What may be shown of an account (never its password hash)."""
    return {
        "account_id": record.account_id,
        "username": record.username,
        "email": record.email,
        "roles": list(record.roles),
        "scopes": sorted(record.allowed_scopes),
        "disabled": record.disabled,
        "created_at": record.created_at,
    }


@click.group()
def users() -> None:
    """Create, list, disable users and change their passwords."""


@users.command("add")
@click.argument("username")
@click.option("--email", help="An email address (unique).")
@click.option("--role", "roles", multiple=True, help="A role (repeatable).")
@click.option("--scope", "scopes", multiple=True, help="A scope the user may get (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@json_option
@click.pass_context
def add(
    ctx: click.Context,
    username: str,
    email: str | None,
    roles: tuple[str, ...],
    scopes: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create USERNAME; the password is prompted twice (or read with --password-stdin)."""
    state = state_of(ctx)
    service = state.service()
    if service.find_account(username) is not None:
        raise CliFailure(f"a user named {username!r} already exists", code="conflict")
    if email is not None:
        from gatehouse.issuer.names import normalise_email

        wanted = normalise_email(email)
        owner = next((a for a in service.list_accounts() if a.email == wanted), None)
        if owner is not None:
            raise CliFailure(
                f"the email {email!r} already belongs to user {owner.username!r}", code="conflict"
            )
    password = read_stdin_lines(1)[0] if password_stdin else read_password("Password", confirm=True)
    service.check_new_password(password)  # NIST SP 800-63B length + breached list
    record = service.create_account(
        username, password, email=email, roles=roles, allowed_scopes=_split(scopes)
    )
    output_of(ctx).message(
        account_data(record),
        f"Created user [bold]{escape(record.username)}[/] ({record.account_id})",
    )


def _split(scopes: tuple[str, ...]) -> list[str]:
    """``--scope "a b" --scope c`` and ``--scope a --scope b --scope c`` mean the same."""
    return [part for value in scopes for part in value.split() if part]


@users.command("list")
@json_option
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Every user, by username."""
    accounts = state_of(ctx).service().list_accounts()
    output_of(ctx).table(
        [account_data(a) for a in accounts],
        [
            ("username", "User"),
            ("account_id", "Account id"),
            ("roles", "Roles"),
            ("scopes", "Scopes"),
            ("disabled", "Disabled"),
            ("created_at", "Created"),
        ],
        title="Users",
        empty="No users yet: add one with `gatehouse users add NAME`.",
        render={"created_at": format_time},
    )


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable instead.")
@json_option
@click.pass_context
def disable(ctx: click.Context, username: str, enable: bool) -> None:
    """Disable USERNAME (ending every session), or re-enable it with --enable."""
    state = state_of(ctx)
    record = account_named(state, username)
    if enable:
        state.service().enable_account(record.account_id)
        revoked = 0
        text = f"Enabled user [bold]{escape(record.username)}[/]"
    else:
        revoked = state.service().disable_account(record.account_id)
        text = f"Disabled user [bold]{escape(record.username)}[/]; {revoked} session(s) ended"
    output_of(ctx).message(
        {"username": record.username, "disabled": not enable, "sessions_revoked": revoked}, text
    )


@users.command("passwd")
@click.argument("username")
@click.option(
    "--current",
    "check_current",
    is_flag=True,
    help="Ask for the current password first and refuse if it is wrong.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from stdin (with --current: current, then new, one per line).",
)
@json_option
@click.pass_context
def passwd(ctx: click.Context, username: str, check_current: bool, password_stdin: bool) -> None:
    """Set a new password for USERNAME; every session of the user is ended."""
    state = state_of(ctx)
    record = account_named(state, username)
    current: str | None = None
    if password_stdin:
        lines = read_stdin_lines(2 if check_current else 1)
        current, new = (lines[0], lines[1]) if check_current else (None, lines[0])
    else:
        if check_current:
            current = read_password("Current password", confirm=False)
        new = read_password("New password", confirm=True)
    state.service().check_new_password(new)
    try:
        revoked = state.service().change_password(record.account_id, new, current_password=current)
    except InvalidGrantError as exc:
        raise CliFailure(
            f"the current password for {record.username!r} is wrong; nothing was changed"
        ) from exc
    output_of(ctx).message(
        {"username": record.username, "sessions_revoked": revoked},
        f"Password changed for [bold]{escape(record.username)}[/]; {revoked} session(s) ended",
    )
