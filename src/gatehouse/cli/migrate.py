"""``gatehouse migrate``: bring the store's schema to this version of gatehouse.

Opening a store applies pending migrations (each in its own transaction, see
``gatehouse.storage.migrate``), so this command opens it and reports where it stands:
useful before a rolling deploy, or to create an empty store at a new URL.
"""

from __future__ import annotations

import click

from gatehouse.cli.app import json_option, output_of, state_of

__all__ = ["migrate"]


@click.command()
@json_option
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply pending schema migrations to the configured store (creating it if needed)."""
    opened = state_of(ctx).stores(create=True)
    versions = {type(part).__name__: getattr(part, "schema_version", None) for part in opened.parts}
    shown = ", ".join(
        f"{name} at schema version {v}" for name, v in versions.items() if v is not None
    )
    output_of(ctx).message(
        {"schema_versions": versions}, f"Store is up to date: {shown or 'no versioned schema'}"
    )
