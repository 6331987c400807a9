"""``gatehouse sessions``: a user's logins (refresh families), and ending them."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.output import format_time
from gatehouse.cli.users import account_named
from gatehouse.storage.records import SessionRecord

__all__ = ["sessions"]


def session_data(record: SessionRecord, now: float) -> dict[str, Any]:
    return {
        "sid": record.sid,
        "account_id": record.account_id,
        "client_id": record.client_id,
        "audience": record.audience,
        "scope": sorted(record.scope),
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "expires_at": min(record.idle_expires_at, record.absolute_expires_at),
        "live": record.is_live(now),
        "revoked_at": record.revoked_at,
        "revoke_reason": record.revoke_reason,
    }


@click.group()
def sessions() -> None:
    """List and revoke sessions (a login and every refresh token rotated from it)."""


@sessions.command("list")
@click.argument("username")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked sessions.")
@json_option
@click.pass_context
def list_sessions(ctx: click.Context, username: str, include_revoked: bool) -> None:
    """USERNAME's sessions, oldest first."""
    state = state_of(ctx)
    account = account_named(state, username)
    found = state.service().list_sessions(account.account_id, include_revoked=include_revoked)
    now = state.overrides.clock.time()
    output_of(ctx).table(
        [session_data(s, now) for s in found],
        [
            ("sid", "Session id"),
            ("client_id", "Client"),
            ("scope", "Scope"),
            ("created_at", "Started"),
            ("last_used_at", "Last used"),
            ("expires_at", "Expires"),
            ("revoke_reason", "Revoked"),
        ],
        title=f"Sessions of {escape(account.username)}",
        empty=f"{escape(account.username)} has no live sessions.",
        render=dict.fromkeys(("created_at", "last_used_at", "expires_at"), format_time),
    )


@sessions.command("revoke")
@click.argument("sid", required=False)
@click.option("--user", "username", help="Revoke every session of this user instead.")
@json_option
@click.pass_context
def revoke(ctx: click.Context, sid: str | None, username: str | None) -> None:
    """Revoke session SID, or every session of --user; their refresh tokens stop working."""
    if (sid is None) == (username is None):
        raise CliFailure("give a session id or --user NAME (one of them)")
    state = state_of(ctx)
    service = state.service()
    if username is not None:
        account = account_named(state, username)
        count = service.revoke_account_sessions(account.account_id)
        text = f"Revoked {count} session(s) of [bold]{escape(account.username)}[/]"
    else:
        count = int(service.revoke_session(str(sid), reason="logout"))
        if count == 0:
            raise CliFailure("no live session with that id; see `gatehouse sessions list USERNAME`")
        text = "Revoked 1 session"
    output_of(ctx).message({"revoked": count}, text)
