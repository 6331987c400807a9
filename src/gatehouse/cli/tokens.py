"""``gatehouse token``: look inside a token, verify one, or mint one for development.

``decode`` says UNVERIFIED in its name, its output and its JSON (``"verified": false``):
anyone can write a token that decodes. ``verify`` runs the same ``Verifier`` a service
embeds. ``mint`` signs with the issuer's active key and only in development mode, where
the store and its keys are throwaway.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from gatehouse.adapters.bearer import read_credentials
from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.output import format_time
from gatehouse.cli.state import CliState
from gatehouse.keys.base import KeySource

__all__ = ["token"]

_MAX_TOKEN_CHARS = 64 * 1024


def _read_token(value: str | None) -> str:
    """The token argument, or stdin for ``-`` or none (keeps it out of shell history)."""
    text = sys.stdin.read(_MAX_TOKEN_CHARS + 1) if value in (None, "-") else value
    assert text is not None
    text = text.strip()
    if " " in text and len(text) <= _MAX_TOKEN_CHARS:  # pasted as "Bearer <token>"
        credentials = read_credentials([text])
        if credentials is not None:
            text = credentials[1]
    if not text:
        raise CliFailure("no token given: pass it as an argument or on stdin")
    if len(text) > _MAX_TOKEN_CHARS:
        raise CliFailure(f"the token is longer than {_MAX_TOKEN_CHARS} characters")
    return text


@click.group()
def token() -> None:
    """Decode (unverified), verify, or mint (development only) access tokens."""


@token.command("decode")
@click.argument("value", metavar="[TOKEN|-]", required=False)
@json_option
@click.pass_context
def decode(ctx: click.Context, value: str | None) -> None:
    """Show a token's header and claims WITHOUT checking its signature."""
    from gatehouse.jose import decode_unverified

    header, claims = decode_unverified(_read_token(value))
    data = {"verified": False, "header": header, "claims": claims}

    def human(console: Console) -> None:
        console.print("[bold red]UNVERIFIED[/]: the signature was NOT checked; do not trust this.")
        console.print_json(json.dumps({"header": header, "claims": claims}))

    output_of(ctx).emit(data, human)


def _key_source(state: CliState, jwks_url: str | None, jwks_file: Path | None) -> KeySource:
    if jwks_url is not None and jwks_file is not None:
        raise CliFailure("give --jwks-url or --jwks-file, not both")
    if jwks_file is not None:
        from gatehouse.keys.jwks import JWKS, MAX_JWKS_BYTES

        # Read here rather than JWKS.from_file, which refuses the trailing newline that
        # `gatehouse keys jwks > file` (and every editor) writes.
        with open(jwks_file, "rb") as fh:
            return JWKS.from_json(fh.read(MAX_JWKS_BYTES + 1).strip())
    if jwks_url is not None:
        from gatehouse.keys.remote import RemoteJWKS

        return RemoteJWKS(jwks_url)
    from gatehouse.keys.jwks import JWKS

    return JWKS.from_dict(state.service().jwks())


@token.command("verify")
@click.argument("value", metavar="[TOKEN|-]", required=False)
@click.option("--jwks-url", help="Verify against this JWKS URL (default: the local store).")
@click.option(
    "--jwks-file", type=click.Path(dir_okay=False, path_type=Path), help="…or this JWKS file."
)
@click.option("--issuer", help="Expected iss (default: [issuer] url).")
@click.option("--audience", help="Expected aud (default: [issuer] default_audience).")
@click.option("--alg", "algorithms", multiple=True, help="Allowed algorithm (repeatable).")
@click.option("--scope", "scopes", multiple=True, help="Required scope (repeatable).")
@click.option(
    "--decrypt-jwks",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A private JWKS (use: enc) that opens nested JWTs (JWE) for this audience.",
)
@json_option
@click.pass_context
def verify(
    ctx: click.Context,
    value: str | None,
    jwks_url: str | None,
    jwks_file: Path | None,
    issuer: str | None,
    audience: str | None,
    algorithms: tuple[str, ...],
    scopes: tuple[str, ...],
    decrypt_jwks: Path | None,
) -> None:
    """Verify a token's signature and claims as a service would; exit 1 if rejected."""
    from gatehouse.verify import Verifier

    decryption = None
    if decrypt_jwks is not None:  # docs/jwe.md: the encrypted audience's own keys
        from gatehouse.keys.decryption import Decryption
        from gatehouse.keys.decryption_keys import DecryptionKeys

        decryption = Decryption(DecryptionKeys.from_file(decrypt_jwks))

    state = state_of(ctx)
    text = _read_token(value)
    if issuer is None or audience is None:
        settings = state.settings()
        issuer = issuer or settings.issuer.url
        audience = audience or settings.issuer.default_audience
    if not algorithms:
        from gatehouse.issuer.config import SIGNING_ALGORITHMS

        algorithms = tuple(sorted(SIGNING_ALGORITHMS))  # what a gatehouse issuer signs with
    verifier = Verifier(
        issuer=issuer,
        audience=audience,
        keys=_key_source(state, jwks_url, jwks_file),
        algorithms=algorithms,
        clock=state.overrides.clock,
        cache_size=0,
        decryption=decryption,
    )
    claims = verifier.verify(text, scopes=[p for s in scopes for p in s.split()])
    data = {"verified": True, "claims": dict(claims)}

    def human(console: Console) -> None:
        console.print(f"[bold green]VERIFIED[/]: signature, iss, aud, exp and typ ({issuer})")
        console.print_json(json.dumps(dict(claims)))
        for name in _TIME_CLAIMS:  # docs/cli.md: ISO 8601 UTC for people, epoch in JSON
            value = claims.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                console.print(f"  {name:<9} {format_time(value)}")

    output_of(ctx).emit(data, human)


_TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")  # RFC 7519 §4.1, OIDC Core §2


@token.command("mint")
@click.argument("subject")
@click.option("--scope", "scopes", multiple=True, help="A scope to grant (repeatable).")
@click.option("--audience", help="The aud claim (default: [issuer] default_audience).")
@click.option("--role", "roles", multiple=True, help="A role (repeatable).")
@click.option("--ttl", type=click.IntRange(1, 86400), help="Lifetime in seconds.")
@json_option
@click.pass_context
def mint(
    ctx: click.Context,
    subject: str,
    scopes: tuple[str, ...],
    audience: str | None,
    roles: tuple[str, ...],
    ttl: int | None,
) -> None:
    """Sign an access token for SUBJECT with the active key (development mode only)."""
    state = state_of(ctx)
    if not state.settings().issuer.development:
        raise CliFailure(
            "token mint is for development only and [issuer] development is false;"
            " real tokens come from POST /login or /token"
        )
    service = state.service(bootstrap=True)
    access_token, claims = service.mint_access_token(
        subject,
        audience=audience,
        scope=[p for s in scopes for p in s.split()],
        roles=roles,
        ttl=ttl,
    )
    data: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": claims["exp"] - claims["iat"],
        "claims": claims,
    }

    def human(_console: Console) -> None:
        sys.stdout.write(access_token + "\n")  # bare, so TOKEN=$(gatehouse token mint ...) works

    output_of(ctx).emit(data, human)
