"""``gatehouse keys``: the issuer's signing keys (next → active → retired → removed), and
``keys generate --use enc``: a resource server's own encryption key pair (docs/jwe.md)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.output import format_time
from gatehouse.storage.records import KeyState, SigningKeyRecord

__all__ = ["keys"]


def key_data(record: SigningKeyRecord) -> dict[str, Any]:
    """Public facts about a key; the sealed private part is never shown."""
    return {
        "kid": record.kid,
        "alg": record.alg,
        "state": record.state.value,
        "created_at": record.created_at,
        "state_changed_at": record.state_changed_at,
    }


@click.group()
def keys() -> None:
    """List and rotate signing keys; print the published JWKS."""


@keys.command("list")
@click.option("--all", "include_removed", is_flag=True, help="Include removed keys.")
@json_option
@click.pass_context
def list_keys(ctx: click.Context, include_removed: bool) -> None:
    """Signing keys and their states."""
    records = state_of(ctx).service().list_signing_keys()
    shown = [r for r in records if include_removed or r.state is not KeyState.REMOVED]
    order = [KeyState.ACTIVE, KeyState.NEXT, KeyState.RETIRED, KeyState.REMOVED]
    shown.sort(key=lambda r: (order.index(r.state), -r.created_at))
    output_of(ctx).table(
        [key_data(r) for r in shown],
        [
            ("kid", "Key id (RFC 7638 thumbprint)"),
            ("alg", "Alg"),
            ("state", "State"),
            ("created_at", "Created"),
            ("state_changed_at", "Since"),
        ],
        title="Signing keys",
        empty="No signing keys yet: `gatehouse keys rotate` creates them.",
        render={"created_at": format_time, "state_changed_at": format_time},
    )


def _active_alg(records: list[SigningKeyRecord]) -> str | None:
    return next((r.alg for r in records if r.state is KeyState.ACTIVE), None)


@keys.command("rotate")
@click.option(
    "--force",
    is_flag=True,
    help="Promote the next key even if verifiers may not have fetched it yet.",
)
@click.option(
    "--jwt-authorizer/--no-jwt-authorizer",
    default=None,
    help="Wait the HTTP API JWT authorizer's 2 h key cache [default: when a"
    ' [[functions]] entry has auth = "jwt"].',
)
@json_option
@click.pass_context
def rotate(ctx: click.Context, force: bool, jwt_authorizer: bool | None) -> None:
    """Promote the next key to active and retire the active one.

    Refused until the next key has been published for as long as verifiers cache the
    JWKS (10 min for gatehouse's RemoteJWKS, 2 h for the HTTP API JWT authorizer), so no
    verifier meets a token signed by a key it has not fetched; --force skips the wait.
    The retired key stays published for the access-token lifetime plus the verifiers'
    cache time, so tokens signed before the rotation keep verifying.
    """
    from gatehouse.functions.spec import Protection
    from gatehouse.issuer.key_rotation import verifier_cache_time

    state = state_of(ctx)
    settings = state.settings()
    if jwt_authorizer is None:
        jwt_authorizer = any(f.protection is Protection.JWT for f in settings.functions)
    wait = verifier_cache_time(settings.issuer.verifier_cache_ttl, jwt_authorizer=jwt_authorizer)
    service = state.service()
    before = _active_alg(service.list_signing_keys())
    kid = service.rotate_keys(min_published=0.0 if force else wait)
    after = _active_alg(service.list_signing_keys())
    text = f"Rotated: the active key is now {kid} ({after})"
    if before is not None and before != after:
        text += f"; tokens were signed with {before} until now"
    output_of(ctx).message({"active_kid": kid, "alg": after, "previous_alg": before}, text)


@keys.command("jwks")
@json_option
@click.pass_context
def jwks(ctx: click.Context) -> None:
    """Print the public JWKS the token service publishes (JSON either way)."""
    document = state_of(ctx).service().jwks()
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


@keys.command("generate")
@click.option("--use", type=click.Choice(["enc"]), required=True, help="enc: a JWE key pair.")
@click.option(
    "--alg",
    type=click.Choice(["ECDH-ES+A256KW", "ECDH-ES+A128KW", "ECDH-ES", "RSA-OAEP-256"]),
    default="ECDH-ES+A256KW",
    show_default=True,
)
@click.option(
    "--crv", type=click.Choice(["P-256", "P-384", "P-521", "X25519"]), default="P-256",
    show_default=True, help="The curve for ECDH-ES.",
)  # fmt: skip
@click.option("--kid", help="Key id (default: the RFC 7638 thumbprint).")
@click.option(
    "--private-out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the private JWKS here (mode 0600, refused if it exists).",
)
def generate(use: str, alg: str, crv: str, kid: str | None, private_out: Path) -> None:
    """Make an encryption key pair: the private JWKS to a file, the public JWKS to stdout.

    The resource server keeps the private file (its Verifier's decryption keys) and
    publishes the public JWKS for the token service to encrypt its tokens to.
    """
    from gatehouse.jose.jwe_jwk import EncryptionKey

    key = EncryptionKey.generate(alg, crv=crv, kid=kid)
    document = json.dumps({"keys": [key.to_dict(private=True)]}, indent=2) + "\n"
    try:
        fd = os.open(private_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise click.ClickException(f"cannot create {private_out}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(document)
    sys.stdout.write(json.dumps({"keys": [key.public().to_dict()]}, indent=2) + "\n")
