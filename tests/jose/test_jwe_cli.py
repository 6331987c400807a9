"""The CLI's JWE commands: ``keys generate --use enc`` and ``token verify --decrypt-jwks``.

Run in-process through click, as the console script would, with an injected clock.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner, Result

from gatehouse import ManualClock
from gatehouse.cli.main import cli
from gatehouse.cli.state import CliOverrides
from gatehouse.jose import JWK, encode_jwt
from gatehouse.jose.jwe import encrypt_nested
from gatehouse.jose.jwe_jwk import EncryptionKey

NOW = 1_700_000_000
ISSUER = "https://issuer.example"
AUDIENCE = "https://payments.example"
OVERRIDES = CliOverrides(clock=ManualClock(wall=NOW))


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=OVERRIDES, catch_exceptions=False)


def test_keys_generate_use_enc_writes_private_and_prints_public(tmp_path: Path) -> None:
    """The private JWKS goes to a new 0600 file, the public one (no d) to stdout."""
    private = tmp_path / "enc.private.jwks.json"
    result = _run("keys", "generate", "--use", "enc", "--crv", "X25519", "--kid", "pay-1",
                  "--private-out", str(private))  # fmt: skip
    assert result.exit_code == 0, result.output
    public = json.loads(result.stdout)["keys"][0]
    assert public["use"] == "enc"
    assert public["crv"] == "X25519"
    assert "d" not in public
    assert "d" in json.loads(private.read_text())["keys"][0]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    again = _run("keys", "generate", "--use", "enc", "--private-out", str(private))
    assert again.exit_code != 0  # never overwrites a private key file


def test_token_verify_decrypts_with_the_given_keys(tmp_path: Path) -> None:
    """token verify opens a nested JWT with --decrypt-jwks, and refuses it without."""
    private = tmp_path / "enc.jwks.json"
    _run("keys", "generate", "--use", "enc", "--private-out", str(private))
    recipient = EncryptionKey(json.loads(private.read_text())["keys"][0], private_allowed=True)
    signer = JWK.generate("ES256", kid="sig")
    signing_jwks = tmp_path / "jwks.json"
    signing_jwks.write_text(json.dumps({"keys": [signer.public().to_dict()]}))
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "billing", "iat": NOW, "exp": NOW + 60}
    inner = encode_jwt(claims, signer, "ES256", typ="at+jwt")
    token = encrypt_nested(inner, recipient.public(), alg="ECDH-ES+A256KW", enc="A256GCM")
    where = ("--config", str(tmp_path / "none.toml"), "--json", "token", "verify", token)
    common = (*where, "--jwks-file", str(signing_jwks), "--issuer", ISSUER, "--audience", AUDIENCE)
    opened = _run(*common, "--decrypt-jwks", str(private))
    assert opened.exit_code == 0, opened.stderr
    assert json.loads(opened.stdout)["claims"]["sub"] == "billing"
    refused = _run(*common)
    assert refused.exit_code == 1
    assert token not in refused.output
