"""``[[encryption]]`` in gatehouse.toml: parsed once, checked once, documented from its schema."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import pytest

from gatehouse.errors import ConfigurationError, UnknownSettingError
from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.jose import b64url_encode
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.settings import Settings, load_settings
from gatehouse.service.settings_encryption import docs_table

PAYMENTS = "https://payments.example"
KEY = EncryptionKey.generate("ECDH-ES+A256KW", kid="pay-1")


def _project(tmp_path: Path, encryption: str) -> Path:
    (tmp_path / "payments.jwks.json").write_text(json.dumps({"keys": [KEY.public().to_dict()]}))
    config = tmp_path / "gatehouse.toml"
    config.write_text(
        f"""
[issuer]
url = "https://issuer.example"
audiences = ["https://api.example", "{PAYMENTS}"]
default_audience = "https://api.example"

[storage]
url = "memory:"

{encryption}
"""
    )
    return config


def _load(config: Path) -> Settings:
    env = {"GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)), "GATEHOUSE_DEVELOPMENT": "1"}
    return load_settings(config, environ=env)


ENTRY = f'[[encryption]]\naudience = "{PAYMENTS}"\njwks_file = "payments.jwks.json"\n'


def test_encryption_entry_reaches_the_token_service(tmp_path: Path) -> None:
    """A [[encryption]] entry makes client credentials tokens for that audience JWEs."""
    settings = _load(_project(tmp_path, ENTRY))
    stores = build_stores(settings)
    try:
        service = build_token_service(settings, stores, password_profile=FAST_TEST_PROFILE)
        service.bootstrap()
        client = service.register_client("billing", allowed_audiences=[PAYMENTS])
        assert client.client_secret is not None
        token = service.client_credentials("billing", client.client_secret, audience=PAYMENTS)
        assert token.access_token.count(".") == 4
    finally:
        stores.close()


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ('jwks_fil = "x"', UnknownSettingError),
        ('jwks_url = "https://payments.example/enc"', ConfigurationError),
        ('alg = "RSA1_5"', ConfigurationError),
    ],
    ids=["typo", "file-and-url", "rsa1_5"],
)
def test_bad_entries_are_refused_at_start_up(
    tmp_path: Path, extra: str, error: type[Exception]
) -> None:
    """A misspelt key (named with the nearest one), two key sources, a banned alg."""
    with pytest.raises(error):
        _load(_project(tmp_path, ENTRY + extra + "\n"))


def test_an_audience_the_issuer_does_not_serve_is_refused(tmp_path: Path) -> None:
    """Encryption for an audience outside [issuer] audiences is a configuration error."""
    entry = ENTRY.replace(PAYMENTS, "https://elsewhere.example")
    with pytest.raises(ConfigurationError, match="elsewhere"):
        _load(_project(tmp_path, entry))


def test_docs_jwe_table_is_the_schema() -> None:
    """docs/jwe.md's [[encryption]] table is rendered from EncryptionSettings."""
    page = Path(__file__).resolve().parents[2] / "docs" / "jwe.md"
    block = re.search(r"<!-- settings:encryption -->\n(.*?)<!-- /settings:encryption -->",
                      page.read_text(encoding="utf-8"), re.DOTALL)  # fmt: skip
    assert block is not None
    assert block.group(1) == docs_table()
