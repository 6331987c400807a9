"""`deploy sam` code packaging builds for real: aws-lambda-builders (what `sam build` runs for
pure-Python functions, no container) packages the staged CodeUri, and each built handler
answers a recorded API Gateway event from the artifact alone."""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_builders.builder import LambdaBuilder
from click.testing import CliRunner

from gatehouse._distribution import DISTRIBUTION
from gatehouse.cli.main import cli
from shared_material import shared_path

ROOT = Path(__file__).resolve().parents[2]
INVOKE = Path(__file__).with_name("lambda_invoke.py")
ISSUER = "https://auth.example.com"
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"  # the builder's python


def _wheel(out: Path) -> Path:
    """This checkout as the wheel the index would serve (built from a clean copy)."""
    source = out / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("gatehouse_auth-*.whl")
    return wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A user's project (examples, tests, .gatehouse, .git), `deploy sam`, then the build."""
    base = tmp_path_factory.mktemp("build")
    project = base / "project"
    project.mkdir()
    old = Path.cwd()
    os.chdir(project)
    try:
        assert CliRunner().invoke(cli, ["init"]).exit_code == 0
        shutil.copytree(
            ROOT / "examples", project / "examples", ignore=shutil.ignore_patterns("__pycache__")
        )
        (project / "examples" / "tests").mkdir()
        (project / "examples" / "tests" / "test_orders.py").write_text("def test(): pass\n")
        (project / "tests").mkdir()
        (project / ".git").mkdir()
        result = CliRunner().invoke(cli, ["deploy", "sam", "--runtime", RUNTIME, "--json"])
        assert result.exit_code == 0, result.output
    finally:
        os.chdir(old)
    summary = json.loads(result.stdout)
    template = json.loads((project / "template.yaml").read_text().split("\n", 2)[2])
    code = project / template["Globals"]["Function"]["CodeUri"]
    wheels = _wheel(base / "wheels").parent
    artifact = base / "artifact"
    # Our wheel is not on the index yet: pip finds it beside the usual links.
    links = " ".join([str(wheels), os.environ.get("PIP_FIND_LINKS", "")]).strip()
    environ = {**os.environ, "PIP_FIND_LINKS": links}
    saved = os.environ.copy()
    os.environ.update(environ)
    try:
        LambdaBuilder("python", "pip", None).build(
            str(code),
            str(artifact),
            str(base / "scratch"),
            str(code / "requirements.txt"),
            runtime=RUNTIME,
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"summary": summary, "template": template, "code": code, "artifact": artifact}


def test_requirements_name_this_gatehouse(built: dict[str, Any]) -> None:
    """requirements.txt pins gatehouse-auth (never `gatehouse`) at the installed version."""
    from importlib.metadata import version

    lines = (built["code"] / "requirements.txt").read_text().splitlines()
    wanted = [line for line in lines if line and not line.startswith("#")]
    assert wanted == [f"{DISTRIBUTION}[issuer,postgres,redis,server]=={version(DISTRIBUTION)}"]
    assert built["summary"]["requirements"] == wanted
    assert built["summary"]["packages"] == ["examples"]


def test_artifact_holds_gatehouse_and_handlers_only(built: dict[str, Any]) -> None:
    """The artifact has gatehouse and the handlers, never .gatehouse/, .git or tests."""
    artifact: Path = built["artifact"]
    assert (artifact / "gatehouse" / "service" / "lambda_entry.py").is_file()
    assert (artifact / "examples" / "orders" / "handler.py").is_file()
    names = {p.name for p in artifact.rglob("*")}
    assert not names & {".gatehouse", ".git", "tests", "kek", "gatehouse.db", "gatehouse.toml"}
    assert not [p for p in artifact.rglob("test_*.py") if "examples" in p.parts]
    assert not list(artifact.rglob("*.secret"))


def _resolve(value: Any, parameters: dict[str, str]) -> Any:
    """A CloudFormation value with Ref / Fn::Sub / Fn::If(HasRedis) resolved (no Redis)."""
    if isinstance(value, dict) and "Ref" in value:
        return parameters[value["Ref"]]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return re.sub(r"\$\{(\w+)\}", lambda m: parameters[m.group(1)], value["Fn::Sub"])
    if isinstance(value, dict) and "Fn::If" in value:
        return None
    return value


def _environment(template: dict[str, Any], resource: str, db: Path) -> dict[str, str]:
    parameters = {
        "IssuerUrl": ISSUER,
        "DatabaseUrl": f"sqlite:///{db}",
        "KeyEncryptionKey": secrets.token_urlsafe(32),
    }
    variables = template["Resources"][resource]["Properties"]["Environment"]["Variables"]
    resolved = {k: _resolve(v, parameters) for k, v in variables.items()}
    return {"PATH": os.environ["PATH"], **{k: v for k, v in resolved.items() if v is not None}}


def _invoke(
    built: dict[str, Any],
    resource: str,
    event: dict[str, Any],
    db: Path,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    template = built["template"]
    handler = template["Resources"][resource]["Properties"]["Handler"]
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(INVOKE)],
        input=json.dumps({"task_root": str(built["artifact"]), "handler": handler, "event": event}),
        env=_environment(template, resource, db) | (extra or {}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    site = [m for m in out["modules"] if "site-packages" in m or str(ROOT / "src") in m]
    assert site == [], "the handler imported code from outside the artifact"
    return out


def _recorded(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(shared_path("events", "aws-sam-cli", name).read_text())
    return event


def _v2(path: str) -> dict[str, Any]:
    event = copy.deepcopy(_recorded("apigateway-http-api-proxy-v2.json"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "GET"
    event["rawQueryString"] = ""
    for key in ("body", "queryStringParameters", "cookies", "pathParameters"):
        event.pop(key, None)
    event["isBase64Encoded"] = False
    event["headers"] = {k: v for k, v in event["headers"].items() if k.lower() != "authorization"}
    return event


def test_built_token_service_answers_discovery(built: dict[str, Any], tmp_path: Path) -> None:
    """The built token service serves its metadata: the deployed issuer, nothing it cannot do."""
    out = _invoke(
        built, "TokenServiceFunction", _v2("/.well-known/openid-configuration"), tmp_path / "t.db"
    )
    assert out["result"]["statusCode"] == 200, out
    document = json.loads(out["result"]["body"])
    assert document["issuer"] == ISSUER
    # It advertises only what it does: no response types, no ID-token members.
    assert document["response_types_supported"] == []
    assert not [k for k in document if k.startswith("id_token") or k == "subject_types_supported"]


def test_built_orders_handler_refuses_a_call_without_token(
    built: dict[str, Any], tmp_path: Path
) -> None:
    """orders verifies tokens itself: without one it answers 401 with a Bearer challenge."""
    # What docs/deploy.md tells the deployer to add (dev-only values are not templated).
    extra = {"ORDERS_CLIENT_SECRET": "from-secrets-manager", "PROFILE_SERVICE_URL": ISSUER}
    out = _invoke(built, "OrdersFunction", _v2("/orders"), tmp_path / "t.db", extra)
    assert out["result"]["statusCode"] == 401, out
    headers = {k.lower(): v for k, v in out["result"]["headers"].items()}
    assert headers["www-authenticate"].startswith("Bearer")


def test_built_profile_authorizer_refuses_a_call_without_token(
    built: dict[str, Any], tmp_path: Path
) -> None:
    """The profile authorizer, from the artifact: no token is API Gateway's Unauthorized."""
    event = copy.deepcopy(_recorded("apigateway-request-authorizer.json"))
    event["headers"] = {k: v for k, v in event.get("headers", {}).items() if k != "Authorization"}
    event.pop("multiValueHeaders", None)
    out = _invoke(built, "ProfileAuthorizerFunction", event, tmp_path / "t.db")
    assert out.get("raised") == "Exception", out
    assert out["text"] == "Unauthorized"
