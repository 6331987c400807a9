"""``[[encryption]]``: the audiences whose access tokens are nested JWTs, declared once.

One entry per encrypted audience (RFC 7519 §5.2; docs/jwe.md)::

    [[encryption]]
    audience = "https://payments.example.com"
    jwks_url = "https://payments.example.com/.well-known/enc-jwks.json"
    alg = "ECDH-ES+A256KW"
    enc = "A256GCM"

Each field below is a setting (``settings_schema``): the keys, their types, defaults and
documentation come from here, unknown keys are refused with the nearest known name, and
docs/jwe.md's table is rendered from this class (a test holds it). An array, like
``[[functions]]``, has no environment overrides: each entry names one audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatehouse._record import record
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError, KeySourceError
from gatehouse.issuer.encryption import AudienceEncryption, RecipientKeys
from gatehouse.service.settings_schema import from_toml, setting, settings_of

__all__ = ["EncryptionSettings", "audience_encryption", "docs_table", "encryption_from_document"]

TABLE = "encryption"
_URL_SCHEMES = ("https://", "http://127.0.0.1:", "http://localhost:")


@record
class EncryptionSettings:
    """One encrypted audience: where its public encryption keys are, and the algorithms."""

    audience: str = setting(
        doc="The audience (one of `[issuer] audiences`) whose access tokens are encrypted."
    )
    jwks_file: str | None = setting(
        None,
        doc="The audience's public encryption JWKS (`use: enc`) as a file, relative to"
        " `gatehouse.toml`'s folder; read at start-up.",
    )
    jwks_url: str | None = setting(
        None,
        doc="…or as a URL the resource server publishes; re-read after `max_age`, the last"
        " good copy kept if a refresh fails, minting for the audience refused with none.",
    )
    max_age: float = setting(300.0, doc="Seconds a fetched `jwks_url` copy is used.")
    alg: str = setting(
        "ECDH-ES+A256KW",
        doc="Key management: `ECDH-ES+A256KW`, `ECDH-ES+A128KW`, `ECDH-ES`, `RSA-OAEP-256`"
        " (RSA1_5, PBES2 and `none` are refused).",
    )
    enc: str = setting(
        "A256GCM", doc="Content encryption: `A256GCM`, `A128GCM`, `A128CBC-HS256`, `A256CBC-HS512`."
    )

    def __post_init__(self) -> None:
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ConfigurationError(f"{self.audience}: set exactly one of jwks_file, jwks_url")
        # https only, as for any key source (a loopback http URL is for local testing).
        if self.jwks_url is not None and not self.jwks_url.startswith(_URL_SCHEMES):
            raise ConfigurationError(f"{self.audience}: jwks_url must be an https URL")
        if self.max_age <= 0:
            raise ConfigurationError(f"{self.audience}: max_age must be positive")


def encryption_from_document(
    document: Mapping[str, Any], source: str
) -> tuple[EncryptionSettings, ...]:
    """The ``[[encryption]]`` entries of a settings document, each checked."""
    entries = document.get(TABLE, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigurationError(f"{source}: [[encryption]] must be an array of tables")
    out: list[EncryptionSettings] = []
    for entry in entries:
        values = from_toml(source, TABLE, EncryptionSettings, entry)
        if "audience" not in values:
            raise ConfigurationError(f"{source}: [[encryption]] audience is required")
        out.append(EncryptionSettings(**values))
    audiences = [e.audience for e in out]
    if len(set(audiences)) != len(audiences):
        raise ConfigurationError(f"{source}: [[encryption]] names an audience twice")
    return tuple(out)


def audience_encryption(
    entries: tuple[EncryptionSettings, ...], base_dir: Path, *, clock: Clock = SYSTEM_CLOCK
) -> dict[str, AudienceEncryption]:
    """``IssuerConfig.encryption`` from the entries: files read now, URLs when first used."""
    built: dict[str, AudienceEncryption] = {}
    for entry in entries:
        if entry.jwks_file is not None:
            try:
                keys = RecipientKeys.from_file(str(base_dir / entry.jwks_file))
            except KeySourceError as exc:
                raise ConfigurationError(f"[[encryption]] {entry.audience}: {exc.message}") from exc
        else:
            keys = RecipientKeys(url=entry.jwks_url, max_age=entry.max_age, clock=clock)
        built[entry.audience] = AudienceEncryption(keys, alg=entry.alg, enc=entry.enc)
    return built


def docs_table() -> str:
    """The Markdown table of ``[[encryption]]`` keys for docs/jwe.md (no environment
    column: an array entry names one audience and has no variables)."""
    import json

    lines = ["| key | default | meaning |", "|---|---|---|"]
    for item in settings_of(TABLE, EncryptionSettings).values():
        shown = "required" if item.required else "none" if item.default is None else ""
        shown = shown or f"`{json.dumps(item.default)}`"
        lines.append(f"| `{item.key}` | {shown} | {item.doc} |")
    return "\n".join(lines) + "\n"
