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


def test_docs_tables_are_generated_from_the_schema() -> None:
    """docs/configuration.md holds exactly the tables the settings fields declare."""
    from gatehouse.service.settings_docs import render

    page = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    text = page.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m gatehouse.service.settings_docs"
    from gatehouse.service.settings import TABLES

    for name in TABLES:
        assert f"<!-- settings:{name} -->" in text


def test_every_table_has_a_parser_for_every_field() -> None:
    """Each setting field's annotation maps to a parser, and its env name is derived."""
    from gatehouse.service.settings import TABLES
    from gatehouse.service.settings_schema import settings_of

    for name, cls in TABLES.items():
        schema = settings_of(name, cls)
        assert schema, name
        for key, item in schema.items():
            assert item.env[0] == f"GATEHOUSE_{name.upper()}_{key.upper()}"
            assert item.doc


def test_a_new_setting_is_one_field() -> None:
    """A dataclass field with setting() is read from TOML and env with no other code."""
    from dataclasses import dataclass

    from gatehouse.service.settings_schema import from_environment, from_toml, setting

    @dataclass(frozen=True)
    class Example:
        nonce_ttl: int = setting(300, doc="Seconds a nonce lives.")
        enabled: bool = setting(False, doc="On or off.")

    assert from_toml("f.toml", "dpop", Example, {"nonce_ttl": 60}) == {"nonce_ttl": 60}
    assert from_environment("dpop", Example, {"GATEHOUSE_DPOP_ENABLED": "yes"}) == {"enabled": True}
    with pytest.raises(ConfigurationError, match='did you mean "nonce_ttl"'):
        from_toml("f.toml", "dpop", Example, {"nonce_tll": 60})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[http]", "[htpp]"), 'gatehouse.toml: table htpp: unknown table; did you mean "http"?'),
        (
            ("access_token_ttl = 300", "acess_token_ttl = 300"),
            "gatehouse.toml: [issuer] acess_token_ttl: unknown setting; did you mean"
            ' "access_token_ttl"?',
        ),
        (("port = 8000", "prot = 8000"), '[dev] prot: unknown setting; did you mean "port"?'),
        (
            ('handler = "orders.app:handler"', 'handler = "orders.app:handler"\nscope = ["a"]'),
            '[[functions]] orders scope: unknown key; did you mean "scopes"?',
        ),
    ],
)
def test_unknown_names_name_the_file_table_key_and_nearest(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    """A typo in any table is refused with the file, the table, the key and a suggestion."""
    from gatehouse.errors import UnknownSettingError

    with pytest.raises(UnknownSettingError) as caught:
        load_settings(_write(tmp_path, GOOD.replace(*change)))
    assert expected in caught.value.message
    assert str(tmp_path / "gatehouse.toml") in caught.value.message


def test_dev_and_functions_come_from_the_same_read(tmp_path: Path) -> None:
    """[dev] and [[functions]] are part of the one Settings value (one reader of the file)."""
    settings = load_settings(_write(tmp_path, GOOD), environ={"GATEHOUSE_DEV_PORT": "9100"})
    assert (settings.dev.host, settings.dev.port) == ("127.0.0.1", 9100)
    assert [f.name for f in settings.functions] == ["orders"]
    assert settings.source == tmp_path / "gatehouse.toml"


def test_inline_kek_is_refused_outside_development(tmp_path: Path) -> None:
    """[keys] kek written in the file (which gets committed) is refused unless development."""
    text = GOOD + '\n[keys]\nkek = "' + "k" * 43 + '"\n'
    with pytest.raises(ConfigurationError, match=r"GATEHOUSE_KEK.*0600"):
        load_settings(_write(tmp_path, text))
    dev = load_settings(_write(tmp_path, text), environ={"GATEHOUSE_DEVELOPMENT": "true"})
    assert dev.keys.kek == "k" * 43
    from_env = load_settings(_write(tmp_path, GOOD), environ={"GATEHOUSE_KEK": "k" * 43})
    assert from_env.keys.kek == "k" * 43


@pytest.mark.parametrize(
    "url",
    ["auth.example.com", "https://", "https:///path", "https://a.example/?x=1", "ftp://a.example"],
)
def test_issuer_must_be_an_absolute_https_url_outside_development(tmp_path: Path, url: str) -> None:
    """RFC 8414 §2: an https URL with a host and no query or fragment."""
    text = GOOD.replace('url = "https://auth.example.com"', f'url = "{url}"')
    with pytest.raises(ConfigurationError, match=r"^\[issuer\] url .*RFC 8414"):
        load_settings(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GATEHOUSE_HTTP_TRUSTED_PROXIES", "10.0.0.0/8,not-an-ip", "trusted_proxies"),
        ("GATEHOUSE_HTTP_TRUSTED_PROXIES", "*,10.0.0.1", "stands alone"),
        ("GATEHOUSE_STORAGE_CONNECT_TIMEOUT", "0", "connect_timeout"),
        ("GATEHOUSE_DEV_PORT", "70000", "[dev] port"),
        ("GATEHOUSE_ISSUER_SIGNING_ALG", "none", "signing_alg 'none'"),
    ],
)
def test_values_are_validated_once_for_every_consumer(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    """A bad value is refused when the settings are read, whoever reads them."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_write(tmp_path, GOOD), environ={variable: value})
    assert named in caught.value.message


def test_trusted_proxies_and_connect_timeout_are_read(tmp_path: Path) -> None:
    """The new [http] and [storage] settings arrive typed."""
    text = GOOD.replace("[http]", '[http]\ntrusted_proxies = ["10.0.0.0/8", "::1"]').replace(
        'url = "sqlite:///data/gatehouse.db"',
        'url = "sqlite:///data/gatehouse.db"\nconnect_timeout = 1.5',
    )
    settings = load_settings(_write(tmp_path, text))
    assert settings.http.trusted_proxies == ("10.0.0.0/8", "::1")
    assert settings.storage.connect_timeout == 1.5


def test_the_documented_example_is_accepted(tmp_path: Path) -> None:
    """The complete example in docs/configuration.md parses under the strict reader."""
    page = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    text = page.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```")[0]
    settings = load_settings(_write(tmp_path, example), environ={"GATEHOUSE_KEK": "x"})
    assert settings.issuer.url == "https://auth.example.com"


def test_every_table_is_a_field_of_settings() -> None:
    """TABLES and the Settings fields name the same tables (a new table is added to both)."""
    from dataclasses import fields

    from gatehouse.service.settings import TABLES, Settings

    names = {f.name for f in fields(Settings)} - {"functions", "source"}
    assert names == set(TABLES)


def test_misspelt_variable_is_refused_with_the_nearest_name(tmp_path: Path) -> None:
    """GATEHOUSE_STORAGE_POOLSIZE is a typo, not a default: refused, naming the real one."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_write(tmp_path, GOOD), environ={"GATEHOUSE_STORAGE_POOLSIZE": "2"})
    assert 'did you mean "GATEHOUSE_STORAGE_POOL_SIZE"?' in caught.value.message
    dev_url = {"GATEHOUSE_DEV_URL": "http://127.0.0.1:8000"}  # the gateway's, for functions
    assert load_settings(_write(tmp_path, GOOD), environ=dev_url).dev.port == 8000
