"""``gatehouse clients``: service clients that get tokens by client credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.output import format_time
from gatehouse.cli.secret_io import write_secret_file
from gatehouse.issuer.clients import CLIENT_CREDENTIALS
from gatehouse.storage.records import ClientRecord

__all__ = ["client_data", "clients"]


def client_data(record: ClientRecord) -> dict[str, Any]:
    """What may be shown of a client (never its secret hash)."""
    return {
        "client_id": record.client_id,
        "name": record.name,
        "audiences": sorted(record.allowed_audiences),
        "scopes": sorted(record.allowed_scopes),
        "grant_types": sorted(record.grant_types),
        "confidential": record.secret_hash is not None,
        "disabled": record.disabled,
        "require_dpop": record.require_dpop,
        "created_at": record.created_at,
    }


@click.group()
def clients() -> None:
    """Register and list service clients (service-to-service tokens)."""


@clients.command("add")
@click.argument("client_id")
@click.option("--name", default="", help="A display name.")
@click.option("--audience", "audiences", multiple=True, help="An allowed audience (repeatable).")
@click.option("--scope", "scopes", multiple=True, help="An allowed scope (repeatable).")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    default=(CLIENT_CREDENTIALS,),
    show_default=True,
    help="An allowed grant type (repeatable).",
)
@click.option("--public", is_flag=True, help="A public client: no secret.")
@click.option(
    "--require-dpop",
    is_flag=True,
    help="Its token requests must carry a DPoP proof (RFC 9449); its tokens are key-bound.",
)
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the secret to this new file (mode 0600) instead of printing it.",
)
@json_option
@click.pass_context
def add(
    ctx: click.Context,
    client_id: str,
    name: str,
    audiences: tuple[str, ...],
    scopes: tuple[str, ...],
    grants: tuple[str, ...],
    public: bool,
    require_dpop: bool,
    secret_file: Path | None,
) -> None:
    """Register CLIENT_ID; its secret is shown this once and never stored in clear."""
    if secret_file is not None:
        _check_secret_target(secret_file)
    if any(c.client_id == client_id for c in state_of(ctx).service().list_clients()):
        raise CliFailure(f"a client with id {client_id!r} already exists", code="conflict")
    registered = (
        state_of(ctx)
        .service()
        .register_client(
            client_id,
            name=name,
            allowed_audiences=audiences,
            allowed_scopes=[p for s in scopes for p in s.split()],
            grant_types=grants,
            confidential=not public,
            require_dpop=require_dpop,
        )
    )
    data = client_data(registered.client)
    secret = registered.client_secret
    if secret is not None and secret_file is not None:
        write_secret_file(secret_file, secret)
        data["secret_file"] = str(secret_file)
        note = f"Secret written to {escape(str(secret_file))} (mode 0600)."
    elif secret is not None:
        data["client_secret"] = secret
        note = (
            f"Client secret (shown once, store it now): [bold]{secret}[/]\n"
            "Lost it? Register a new client; secrets are kept only as hashes."
        )
    else:
        note = "A public client: it has no secret."
    output_of(ctx).message(
        data, f"Registered client [bold]{escape(registered.client.client_id)}[/]\n{note}"
    )


def _check_secret_target(path: Path) -> None:
    """Refuse before registering: a client whose secret cannot be written is useless."""
    if path.exists():
        raise CliFailure(f"{path} already exists; remove it or choose another file")
    if not path.parent.is_dir():
        raise CliFailure(f"the folder {path.parent} does not exist; create it first")


@clients.command("require-dpop")
@click.argument("client_id")
@click.option("--off", is_flag=True, help="Stop requiring DPoP proofs from this client.")
@json_option
@click.pass_context
def require_dpop_command(ctx: click.Context, client_id: str, off: bool) -> None:
    """Require DPoP proofs from CLIENT_ID at the token endpoint (or stop, with --off)."""
    record = state_of(ctx).service().set_client_require_dpop(client_id, not off)
    state = "no longer requires" if off else "now requires"
    output_of(ctx).message(
        client_data(record), f"Client [bold]{escape(client_id)}[/] {state} DPoP proofs."
    )


@clients.command("list")
@json_option
@click.pass_context
def list_clients(ctx: click.Context) -> None:
    """Every registered client."""
    found = state_of(ctx).service().list_clients()
    output_of(ctx).table(
        [client_data(c) for c in found],
        [
            ("client_id", "Client id"),
            ("audiences", "Audiences"),
            ("scopes", "Scopes"),
            ("grant_types", "Grants"),
            ("confidential", "Secret"),
            ("require_dpop", "DPoP"),
            ("disabled", "Disabled"),
            ("created_at", "Created"),
        ],
        title="Clients",
        empty="No clients yet: add one with `gatehouse clients add ID --audience AUD`.",
        render={"created_at": format_time},
    )
