"""gatehouse.toml + GATEHOUSE_* environment → frozen settings, with one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.service.compose import build_issuer_config, build_kek
from gatehouse.service.settings import load_settings
from gatehouse.service.store_urls import sqlite_path

GOOD = """
[issuer]
url = "https://auth.example.com"
audiences = ["https://api.example.com"]
access_token_ttl = 300
signing_alg = "EdDSA"

[storage]
url = "sqlite:///data/gatehouse.db"

[http]
refresh_cookie = true

[[functions]]
name = "orders"
routes = ["GET /orders"]
handler = "orders.app:handler"

[dev]
port = 8000
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gatehouse.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_is_read_with_every_table(tmp_path: Path) -> None:
    """The service's tables are read, and the gateway's [[functions]] and [dev] beside them."""
    settings = load_settings(_write(tmp_path, GOOD))
    assert settings.issuer.url == "https://auth.example.com"
    assert settings.issuer.default_audience == "https://api.example.com"
    assert settings.issuer.access_token_ttl == 300
    assert settings.http.refresh_cookie is True
    assert sqlite_path(settings.storage.url, settings.storage.base_dir) == (
        tmp_path / "data" / "gatehouse.db"
    )
    config = build_issuer_config(settings)
    assert config.signing_alg == "EdDSA"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """GATEHOUSE_<TABLE>_<KEY> and the short aliases win over the file."""
    env = {
        "GATEHOUSE_STORAGE_URL": "sqlite:////var/lib/g.db",
        "GATEHOUSE_ISSUER_ACCESS_TOKEN_TTL": "120",
        "GATEHOUSE_DEVELOPMENT": "yes",
        "GATEHOUSE_HTTP_CORS_ORIGINS": "https://a.example, https://b.example",
        "GATEHOUSE_KEK_FILE": "kek.txt",
        "GATEHOUSE_GATEWAY_PORT": "9000",  # someone else's variable: ignored
    }
    settings = load_settings(_write(tmp_path, GOOD), environ=env)
    assert settings.storage.url == "sqlite:////var/lib/g.db"
    assert settings.issuer.access_token_ttl == 120
    assert settings.issuer.development is True
    assert settings.http.cors_origins == ("https://a.example", "https://b.example")
    assert settings.keys.kek_file == "kek.txt"


def test_config_path_from_environment(tmp_path: Path) -> None:
    """GATEHOUSE_CONFIG names the file when no path is given."""
    path = _write(tmp_path, GOOD)
    assert load_settings(environ={"GATEHOUSE_CONFIG": str(path)}).issuer.access_token_ttl == 300


@pytest.mark.parametrize(
    ("text", "env", "names"),
    [
        (
            GOOD.replace("access_token_ttl = 300", 'access_token_ttl = "300"'),
            {},
            "access_token_ttl",
        ),
        (GOOD.replace("access_token_ttl = 300", "acces_token_ttl = 300"), {}, "acces_token_ttl"),
        (GOOD, {"GATEHOUSE_ISSUER_ACCESS_TOKEN_TTL": "ten"}, "access_token_ttl"),
        (GOOD, {"GATEHOUSE_HTTP_REFRESH_COOKIE": "perhaps"}, "refresh_cookie"),
        (GOOD.replace('url = "https://auth.example.com"', ""), {}, "[issuer] url"),
        (GOOD.replace('url = "sqlite:///data/gatehouse.db"', ""), {}, "[storage] url"),
        (GOOD + "\n[http.x]\n", {}, "[http]"),
        ("[issuer\n", {}, "not valid TOML"),
        ("issuer = 5\n", {}, "[issuer] must be a table"),
        (GOOD.replace('audiences = ["https://api.example.com"]', ""), {}, "default_audience"),
        (GOOD.replace("[http]", '[http]\ncookie_path = "token"'), {}, "cookie_path"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, env: dict[str, str], names: str) -> None:
    """Each mistake is one ConfigurationError whose message names the setting."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_write(tmp_path, text), environ=env)
    assert names in caught.value.message


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    """A missing settings file points at `gatehouse init`."""
    with pytest.raises(ConfigurationError, match="gatehouse init"):
        load_settings(tmp_path / "absent.toml")


def test_issuer_rules_are_prefixed_with_their_table(tmp_path: Path) -> None:
    """The domain's own refusals (an http issuer outside development) name [issuer]."""
    path = _write(tmp_path, GOOD.replace("https://auth.example.com", "http://auth.example.com"))
    with pytest.raises(ConfigurationError, match=r"^\[issuer\] "):
        build_issuer_config(load_settings(path))


def test_kek_is_required_outside_development(tmp_path: Path) -> None:
    """No KEK and no development mode: refuse to start, naming the variables."""
    settings = load_settings(_write(tmp_path, GOOD))
    with pytest.raises(ConfigurationError, match="GATEHOUSE_KEK"):
        build_kek(settings)
    dev = load_settings(_write(tmp_path, GOOD), environ={"GATEHOUSE_DEVELOPMENT": "true"})
    assert build_kek(dev).development is True


def test_kek_file_is_read_relative_to_the_settings(tmp_path: Path) -> None:
    """kek_file is resolved beside gatehouse.toml and must be private (0600)."""
    import secrets

    from gatehouse.jose import b64url_encode

    kek = tmp_path / "kek.txt"
    kek.write_text(b64url_encode(secrets.token_bytes(32)), encoding="ascii")
    kek.chmod(0o644)
    text = GOOD + '\n[keys]\nkek_file = "kek.txt"\n'
    with pytest.raises(ConfigurationError, match=r"\[keys\].*group or others"):
        build_kek(load_settings(_write(tmp_path, text)))
    kek.chmod(0o600)
    assert build_kek(load_settings(_write(tmp_path, text))).development is False


def test_storage_urls_are_checked(tmp_path: Path) -> None:
    """Unknown schemes, memory outside development, and bad redis URLs are refused."""
    from gatehouse.clock import ManualClock
    from gatehouse.service.compose import build_stores

    for url, env in (
        ("mysql://x", {}),
        ("memory:", {}),
        ("sqlite:///", {}),
        ("sqlite:///g.db", {"GATEHOUSE_STORAGE_REDIS_URL": "http://redis"}),
    ):
        settings = load_settings(
            _write(tmp_path, GOOD), environ={"GATEHOUSE_STORAGE_URL": url, **env}
        )
        with pytest.raises(ConfigurationError, match=r"\[storage\]"):
            build_stores(settings, clock=ManualClock())
