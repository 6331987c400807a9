"""`gatehouse deploy sam` from a `gatehouse init` project, and the ready-made authorizer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from deploy_helpers import lint_problems, sam_transform

from gatehouse.cli.main import cli
from gatehouse.deploy.lambda_authorizer import build_authorizer
from gatehouse.errors import ConfigurationError


def _gatehouse(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`gatehouse init` beside a copy of the examples its [[functions]] import."""
    monkeypatch.chdir(tmp_path)
    assert _gatehouse("init").exit_code == 0
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_deploy_sam_writes_a_template_sam_and_cfn_lint_accept(project: Path) -> None:
    """The template from the init project parses as YAML, transforms and lints clean."""
    result = _gatehouse("deploy", "sam", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["services"] == {"orders": "none", "profile": "lambda"}
    template = yaml.safe_load((project / "template.yaml").read_text())
    assert lint_problems(sam_transform(template)) == []
    orders_env = template["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"]
    assert orders_env["ORDERS_CLIENT_ID"] == "orders-service"
    assert "ORDERS_CLIENT_SECRET_FILE" not in orders_env  # a dev-only path is not deployed
    # ... and the command says which values the deployed function still needs.
    assert summary["set_on_deploy"] == {
        "orders": ["PROFILE_SERVICE_URL", "ORDERS_CLIENT_SECRET_FILE"]
    }
    events = template["Resources"]["ProfileFunction"]["Properties"]["Events"]
    assert events["Route0"]["Properties"]["PayloadFormatVersion"] == "1.0"


def _without_profile(project: Path) -> None:
    """Drop the profile function: its own authorizer cannot become the JWT authorizer."""
    config = project / "gatehouse.toml"
    text = config.read_text()
    config.write_text(text[: text.index("# profile: behind a gatehouse Lambda authorizer")])


def test_jwt_authorizer_with_es256_is_refused_in_one_line(project: Path) -> None:
    """--authorizer jwt on an ES256 project fails, names RS256, and writes nothing."""
    _without_profile(project)
    result = _gatehouse("deploy", "sam", "--authorizer", "jwt")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "accepts only RSA keys" in result.stderr
    assert not (project / "template.yaml").exists()


def test_jwt_authorizer_with_rs256(project: Path) -> None:
    """--authorizer jwt --signing-alg RS256: the deployed issuer signs RS256, lint is clean."""
    _without_profile(project)
    result = _gatehouse("deploy", "sam", "--authorizer", "jwt", "--signing-alg", "RS256")
    assert result.exit_code == 0, result.stderr
    template = yaml.safe_load((project / "template.yaml").read_text())
    token_env = template["Resources"]["TokenServiceFunction"]["Properties"]["Environment"]
    assert token_env["Variables"]["GATEHOUSE_ISSUER_SIGNING_ALG"] == "RS256"
    assert lint_problems(sam_transform(template)) == []


def test_generic_lambda_authorizer_for_services_without_one(project: Path) -> None:
    """--authorizer lambda gives orders the ready-made gatehouse authorizer with its scopes."""
    assert _gatehouse("deploy", "sam", "--authorizer", "lambda").exit_code == 0
    template = yaml.safe_load((project / "template.yaml").read_text())
    authorizer = template["Resources"]["OrdersAuthorizerFunction"]["Properties"]
    assert authorizer["Handler"] == "gatehouse.deploy.lambda_authorizer.handler"
    assert lint_problems(sam_transform(template)) == []


def test_existing_template_is_kept_without_force(project: Path) -> None:
    """A second run refuses to overwrite template.yaml unless --force."""
    assert _gatehouse("deploy", "sam").exit_code == 0
    (project / "template.yaml").write_text("mine")
    result = _gatehouse("deploy", "sam")
    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert (project / "template.yaml").read_text() == "mine"
    assert _gatehouse("deploy", "sam", "--force").exit_code == 0


def test_ready_made_authorizer_names_missing_settings() -> None:
    """Without its environment the authorizer names each missing variable."""
    with pytest.raises(ConfigurationError, match="GATEHOUSE_ISSUER_URL, GATEHOUSE_AUDIENCE"):
        build_authorizer({"GATEHOUSE_JWKS_URL": "https://auth.example.com/jwks.json"})


def _edit(project: Path, old: str, new: str) -> None:
    config = project / "gatehouse.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def test_typo_in_a_function_is_refused_not_deployed_open(project: Path) -> None:
    """`scope` for `scopes` on a jwt function: one line naming it, and no template."""
    _edit(project, 'auth = "none"', 'auth = "jwt"\nscope = ["admin"]')
    result = _gatehouse("deploy", "sam")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert '[[functions]] orders scope: unknown key; did you mean "scopes"?' in result.stderr
    assert "gatehouse.toml" in result.stderr
    assert not (project / "template.yaml").exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--signing-alg", "none"), "--signing-alg"),
        (("--signing-alg", "HS256"), "--signing-alg"),
        (("--runtime", "python2.7"), "--runtime"),
        (("--runtime", "python3.10"), "--runtime"),
    ],
)
def test_unsupported_algorithms_and_runtimes_are_refused(
    project: Path, args: tuple[str, ...], named: str
) -> None:
    """Values no gatehouse issuer or Lambda runtime supports never reach a template."""
    result = _gatehouse("deploy", "sam", *args)
    assert result.exit_code == 2
    assert named in result.stderr
    assert not (project / "template.yaml").exists()


def test_deploy_spec_validates_what_the_cli_validates() -> None:
    """DeploySpec itself refuses `none` and python2.7, for callers that skip the CLI."""
    from gatehouse.deploy.spec import LAMBDA_PYTHON_RUNTIMES, DeploySpec

    with pytest.raises(ConfigurationError, match="signing algorithm 'none'"):
        DeploySpec(audience="a", signing_alg="none")
    with pytest.raises(ConfigurationError, match=r"runtime 'python2\.7'"):
        DeploySpec(audience="a", runtime="python2.7")
    assert "python3.14" in LAMBDA_PYTHON_RUNTIMES
    assert DeploySpec(audience="a", runtime="python3.14").runtime == "python3.14"


def test_a_route_over_the_token_service_is_refused(project: Path) -> None:
    """A function on POST /token would replace the token service: refused before writing."""
    _edit(project, 'routes = ["GET /orders"]', 'routes = ["GET /orders", "POST /token"]')
    result = _gatehouse("deploy", "sam")
    assert result.exit_code == 1
    assert "would shadow the token service's /token" in result.stderr
    assert not (project / "template.yaml").exists()


def test_template_gives_functions_the_one_issuer_name(project: Path) -> None:
    """Functions get GATEHOUSE_ISSUER_URL, the setting's own name, and the issuer's alg."""
    assert _gatehouse("deploy", "sam", "--runtime", "python3.14").exit_code == 0
    template = yaml.safe_load((project / "template.yaml").read_text())
    env = template["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"]
    assert "GATEHOUSE_ISSUER" not in env
    assert env["GATEHOUSE_ISSUER_URL"] == {"Ref": "IssuerUrl"}
    assert env["GATEHOUSE_ALGORITHMS"] == "ES256"
    assert template["Globals"]["Function"]["Runtime"] == "python3.14"
