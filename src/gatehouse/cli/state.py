"""What one ``gatehouse`` invocation knows: where its config is, and the parts it opened.

Commands ask ``CliState`` for settings, stores or the ``TokenService`` and get them from
the composition root (``gatehouse.service.compose``), built on first use and closed when
the command ends. The CLI never wires parts itself, so it behaves exactly like the
service it administers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gatehouse._record import record
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConfigurationError

if TYPE_CHECKING:
    from gatehouse.issuer.passwords import PasswordProfile
    from gatehouse.issuer.service import TokenService
    from gatehouse.service.settings import Settings
    from gatehouse.service.store_urls import OpenStores

__all__ = ["DEFAULT_CONFIG", "CliOverrides", "CliState"]

DEFAULT_CONFIG = "gatehouse.toml"
ENV_ONLY = ("GATEHOUSE_STORAGE_URL", "GATEHOUSE_ISSUER_URL")  # configured without a file
"""Either of these set and no settings file: the environment alone configures the CLI
(as in a container or a CI job), exactly as it configures the Lambda token service."""


@record
class CliOverrides:
    """What a test (never a command-line flag) may inject: a clock, a cheap argon2 profile."""

    clock: Clock = SYSTEM_CLOCK
    password_profile: PasswordProfile | None = None


@dataclass(slots=True)
class CliState:
    config_path: Path
    json_output: bool = False
    config_given: bool = False  # --config or GATEHOUSE_CONFIG named the file
    debug: bool = False
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    overrides: CliOverrides = field(default_factory=CliOverrides)
    _settings: Settings | None = None
    _stores: OpenStores | None = None
    _service: TokenService | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            from gatehouse.service.settings import load_settings

            if not self.config_path.exists():
                if not self.config_given and any(self.environ.get(n) for n in ENV_ONLY):
                    self._settings = _on_dev_port(
                        load_settings(None, environ=self.environ), self.environ
                    )
                    return self._settings
                raise ConfigurationError(
                    f"{self.config_path} not found; run `gatehouse init` here, or pass"
                    " --config PATH (or set GATEHOUSE_CONFIG), or configure it from the"
                    " environment alone (GATEHOUSE_STORAGE_URL, GATEHOUSE_ISSUER_URL, …)"
                )
            self._settings = _on_dev_port(
                load_settings(self.config_path, environ=self.environ), self.environ
            )
        return self._settings

    def stores(self, *, create: bool = False) -> OpenStores:
        """The open stores; a missing SQLite file is an error unless ``create``."""
        if self._stores is None:
            from gatehouse.service.compose import build_stores

            settings = self.settings()
            if not create:
                _require_sqlite_file(settings)
            self._stores = build_stores(settings, clock=self.overrides.clock)
        return self._stores

    def service(self, *, bootstrap: bool = False) -> TokenService:
        if self._service is None:
            from gatehouse.service.compose import build_token_service

            settings = self.settings()
            _require_kek_file(settings)
            self._service = build_token_service(
                settings,
                self.stores(),
                clock=self.overrides.clock,
                password_profile=self.overrides.password_profile,
                bootstrap=bootstrap,
            )
        return self._service

    def close(self) -> None:
        if self._stores is not None:
            self._stores.close()
            self._stores = None
            self._service = None


def _on_dev_port(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """The CLI sees the issuer ``gatehouse dev`` serves: with ``PORT`` set in this shell (as
    for ``PORT=N gatehouse dev``), a development loopback issuer is on that port, unless
    ``GATEHOUSE_ISSUER_URL`` names the issuer outright."""
    from gatehouse.service.settings import follow_dev_port

    text = environ.get("PORT", "")
    if "GATEHOUSE_ISSUER_URL" in environ or not text.isdigit() or int(text) > 65535:
        return settings
    return follow_dev_port(settings, int(text))


def _require_sqlite_file(settings: Settings) -> None:
    from gatehouse.service.store_urls import sqlite_path

    url = settings.storage.url
    if not url.startswith("sqlite:///"):
        return
    path = sqlite_path(url, settings.storage.base_dir)
    if not path.is_file():
        raise ConfigurationError(
            f"the store {path} does not exist; run `gatehouse init` to create a new one,"
            " or fix [storage] url if it moved"
        )


def _require_kek_file(settings: Settings) -> None:
    name = settings.keys.kek_file
    if name is None or settings.keys.kek:
        return
    path = settings.storage.base_dir / name
    if not path.is_file():
        raise ConfigurationError(
            f"the key-encryption key file {path} is missing; restore it from your backup"
            " (the signing keys in the store cannot be opened without it) or fix [keys] kek_file"
        )
