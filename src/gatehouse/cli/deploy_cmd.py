"""``gatehouse deploy sam``: write an AWS SAM template from ``gatehouse.toml``."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

import click
from rich.markup import escape

from gatehouse.cli.app import json_option, output_of, state_of
from gatehouse.cli.failure import CliFailure
from gatehouse.deploy.spec import LAMBDA_PYTHON_RUNTIMES
from gatehouse.issuer.config import SIGNING_ALGORITHMS

__all__ = ["deploy"]


@click.group()
def deploy() -> None:
    """Generate deployment templates."""


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename: a reader never sees half a template."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@deploy.command("sam")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("template.yaml"),
    show_default=True,
)
@click.option(
    "--authorizer",
    type=click.Choice(["config", "jwt", "lambda"]),
    default="config",
    show_default=True,
    help="Protect every service with the HTTP API JWT authorizer, a gatehouse Lambda"
    " authorizer, or as each [[functions]] auth says.",
)
@click.option(
    "--signing-alg",
    type=click.Choice(SIGNING_ALGORITHMS),
    help="The deployed issuer's algorithm (default: [issuer] signing_alg).",
)
@click.option(
    "--code-uri",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("lambda"),
    show_default=True,
    help="Folder to stage the functions' code in (their CodeUri): requirements.txt and the"
    " handlers' packages, never .gatehouse/ or tests. Replaced on every run.",
)
@click.option(
    "--runtime",
    type=click.Choice(LAMBDA_PYTHON_RUNTIMES),
    default="python3.12",
    show_default=True,
    help="The Lambda runtime of every function.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing template.")
@json_option
@click.pass_context
def sam(
    ctx: click.Context,
    output: Path,
    authorizer: str,
    signing_alg: str | None,
    code_uri: Path,
    runtime: str,
    force: bool,
) -> None:
    """Write a SAM template: the token service on Lambda + HTTP API (PostgreSQL URL and
    key-encryption key as NoEcho parameters), and the [[functions]] behind a second
    HTTP API, protected by its JWT authorizer or a gatehouse Lambda authorizer."""
    from importlib.metadata import version

    from gatehouse._distribution import DISTRIBUTION
    from gatehouse.deploy.package import stage_code
    from gatehouse.deploy.protection import override_protection
    from gatehouse.deploy.sam import render_template, sam_template
    from gatehouse.deploy.spec import DeploySpec
    from gatehouse.functions.spec import Protection
    from gatehouse.service.settings_checks import check_function_routes

    state = state_of(ctx)
    settings = state.settings()
    check_function_routes(settings.functions)
    if output.exists() and not force:
        raise CliFailure(f"{output} exists; use --force to overwrite it")
    # ${GATEHOUSE_DEV_URL}-style values only mean something under `gatehouse dev`.
    dev_only = {
        s.name: [k for k, v in s.environment if "${" in v]
        for s in settings.functions
        if any("${" in v for _, v in s.environment)
    }
    services = tuple(
        dataclasses.replace(s, environment=tuple(kv for kv in s.environment if "${" not in kv[1]))
        for s in settings.functions
    )
    if authorizer != "config":
        # Refuses (ConfigurationError) rather than drop a function's own rules.
        services = override_protection(services, Protection(authorizer))
    spec = DeploySpec(
        audience=settings.issuer.default_audience,
        signing_alg=signing_alg or settings.issuer.signing_alg,
        access_token_ttl=settings.issuer.access_token_ttl,
        runtime=runtime,
        code_uri=Path(os.path.relpath(code_uri.absolute(), output.absolute().parent)).as_posix(),
        services=services,
        status_lists=settings.status_list.enabled,
    )
    template = sam_template(spec)
    project = state.config_path.absolute().parent if state.config_path.is_file() else Path()
    staged = stage_code(project, code_uri, services, version=version(DISTRIBUTION))
    _write_atomically(output, render_template(template))
    summary = {
        "output": str(output),
        "code_uri": str(staged.folder),
        "requirements": [staged.requirement],
        "packages": list(staged.packages),
        "signing_alg": spec.signing_alg,
        "services": {s.name: s.protection.value for s in services},
        "resources": sorted(template["Resources"]),
        "set_on_deploy": dev_only,
    }
    lines = [f"Wrote {escape(str(output))} (token service signing with {spec.signing_alg})"]
    shipped = ", ".join([staged.requirement, *staged.packages])
    lines.append(f"Staged {escape(str(code_uri))}/ (CodeUri): {escape(shipped)}")
    lines += [f"  {escape(s.name)}: {s.protection.value} protection" for s in services]
    for name, keys in dev_only.items():
        lines.append(
            f"  {escape(name)}: set {escape(', '.join(keys))} on the deployed function (the"
            " values in gatehouse.toml only mean something under `gatehouse dev`)"
        )
    lines.append("Next: sam build && sam deploy --guided   (see docs/deploy.md)")
    output_of(ctx).message(summary, "\n".join(lines))
