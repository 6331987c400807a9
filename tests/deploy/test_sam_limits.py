"""`deploy sam` carries each [[functions]] entry's runtime limits and authorizer kind:
Timeout and MemorySize from `timeout`/`memory`, the authorizer's identity sources, and
a refusal for `authorizer_type = "token"` (the template's HTTP API has no TOKEN kind)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from deploy_helpers import lint_problems, sam_transform

from gatehouse.cli.main import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _gatehouse(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`gatehouse init` beside a copy of the examples its [[functions]] import."""
    monkeypatch.chdir(tmp_path)
    assert _gatehouse("init").exit_code == 0
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _edit(project: Path, old: str, new: str) -> None:
    config = project / "gatehouse.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def _template(project: Path) -> dict[str, Any]:
    result = _gatehouse("deploy", "sam", "--force")
    assert result.exit_code == 0, result.stderr
    template: dict[str, Any] = json.loads((project / "template.yaml").read_text().split("\n", 2)[2])
    assert lint_problems(sam_transform(template)) == []
    return template


def test_timeout_and_memory_come_from_functions(project: Path) -> None:
    """timeout 2.5 s deploys as Timeout 3 (whole seconds, up), memory as MemorySize; the
    defaults are Lambda's (3 s, 128 MB)."""
    _edit(project, 'name = "profile"', 'name = "profile"\ntimeout = 2.5\nmemory = 512')
    resources = _template(project)["Resources"]
    profile = resources["ProfileFunction"]["Properties"]
    assert (profile["Timeout"], profile["MemorySize"]) == (3, 512)
    orders = resources["OrdersFunction"]["Properties"]
    assert (orders["Timeout"], orders["MemorySize"]) == (3, 128)


def test_identity_sources_key_the_authorizer(project: Path) -> None:
    """identity_sources become the HTTP API authorizer's Identity headers and query strings."""
    _edit(
        project,
        "authorizer_ttl = 300",
        'authorizer_ttl = 300\nidentity_sources = ["$request.header.Authorization",'
        ' "$request.querystring.tenant"]',
    )
    api = _template(project)["Resources"]["ServicesApi"]["Properties"]
    identity = api["Auth"]["Authorizers"]["ProfileAuthorizer"]["Identity"]
    assert identity["Headers"] == ["Authorization"]
    assert identity["QueryStrings"] == ["tenant"]
    assert identity["Context"] == ["routeKey"]


def test_token_authorizer_is_refused_with_the_reason(project: Path) -> None:
    """authorizer_type = "token": one line saying HTTP APIs have no TOKEN authorizers; no file."""
    _edit(project, "authorizer_ttl = 300", 'authorizer_ttl = 300\nauthorizer_type = "token"')
    result = _gatehouse("deploy", "sam")
    assert result.exit_code == 1
    assert "profile" in result.stderr
    assert "HTTP API, which has no TOKEN authorizers" in result.stderr
    assert not (project / "template.yaml").exists()


def test_status_lists_turn_on_in_the_authorizers_with_the_token_service(project: Path) -> None:
    """[status_list] enabled (the default): the token service publishes lists and each
    Lambda authorizer gets GATEHOUSE_STATUS_LISTS=required; disabled: neither."""
    resources = _template(project)["Resources"]
    token_service = resources["TokenServiceFunction"]["Properties"]["Environment"]["Variables"]
    authorizer = resources["ProfileAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert token_service["GATEHOUSE_STATUS_LIST_ENABLED"] == "true"
    assert authorizer["GATEHOUSE_STATUS_LISTS"] == "required"
    config = project / "gatehouse.toml"
    config.write_text("[status_list]\nenabled = false\n\n" + config.read_text())
    resources = _template(project)["Resources"]
    token_service = resources["TokenServiceFunction"]["Properties"]["Environment"]["Variables"]
    authorizer = resources["ProfileAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert token_service["GATEHOUSE_STATUS_LIST_ENABLED"] == "false"
    assert "GATEHOUSE_STATUS_LISTS" not in authorizer
