"""The root command group and what every command shares.

``GatehouseGroup`` is the top-level handler: whatever a command raises becomes one line
on stderr and a non-zero exit code (``failure.translate``), and click's own usage errors
are shortened to one line too. ``--debug`` lets unexpected exceptions through with their
traceback, for bug reports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from gatehouse._distribution import DISTRIBUTION
from gatehouse.cli.failure import EXIT_FAILURE, EXIT_USAGE, CliFailure, show_failure, translate
from gatehouse.cli.output import Output
from gatehouse.cli.state import DEFAULT_CONFIG, CliOverrides, CliState

__all__ = ["GatehouseGroup", "json_option", "output_of", "root", "state_of"]

F = TypeVar("F", bound=Callable[..., Any])


class GatehouseGroup(click.Group):
    """A click group whose failures are one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except (KeyboardInterrupt, EOFError):
            raise click.Abort() from None
        except Exception as exc:
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
            if state is not None and state.debug and not isinstance(exc, CliFailure):
                raise
            raise translate(exc) from exc

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        json_mode = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
        try:
            result = super().main(
                argv, prog_name or "gatehouse", complete_var, standalone_mode=False, **extra
            )
            code = result if isinstance(result, int) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            # Bare `gatehouse` (or a bare group): the help is the answer, not an error.
            if exc.ctx is not None:
                click.echo(exc.ctx.get_help())
            code = 0
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "gatehouse"
            message = f"{exc.format_message()} (see `{where} --help`)"
            show_failure(message, "usage", json_mode=json_mode)
            code = EXIT_USAGE
        except CliFailure as exc:
            show_failure(exc.format_message(), exc.code, json_mode=json_mode)
            code = exc.exit_code
        except click.ClickException as exc:
            show_failure(exc.format_message(), "failed", json_mode=json_mode)
            code = exc.exit_code
        except click.Abort:
            show_failure("aborted", "aborted", json_mode=json_mode)
            code = EXIT_FAILURE
        if standalone_mode:
            sys.exit(code)
        return code


def state_of(ctx: click.Context) -> CliState:
    state = ctx.find_object(CliState)
    if state is None:  # pragma: no cover - the root callback always sets it
        raise CliFailure("internal: the CLI state is missing")
    return state


def output_of(ctx: click.Context) -> Output:
    return Output(json_mode=state_of(ctx).json_output)


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        state = ctx.find_object(CliState)
        if state is not None:
            state.json_output = True
    return value


def json_option(func: F) -> F:
    """``--json`` on a command (the same as ``gatehouse --json``)."""
    option = click.option(
        "--json",
        "json_flag",
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Print machine-readable JSON instead of text.",
    )
    return option(func)


@click.group(
    "gatehouse", cls=GatehouseGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    envvar="GATEHOUSE_CONFIG",
    show_default=True,
    help="The settings file (env GATEHOUSE_CONFIG).",
)
@click.option("--json", "json_output", is_flag=True, help="JSON output for scripts.")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(package_name=DISTRIBUTION, prog_name="gatehouse")
@click.pass_context
def root(ctx: click.Context, config_path: Path, json_output: bool, debug: bool) -> None:
    """gatehouse: JWT authentication for serverless microservices."""
    overrides = ctx.obj if isinstance(ctx.obj, CliOverrides) else CliOverrides()
    source = ctx.get_parameter_source("config_path")
    state = CliState(
        config_path,
        json_output=json_output,
        debug=debug,
        overrides=overrides,
        config_given=source is not None and source is not click.core.ParameterSource.DEFAULT,
    )
    ctx.obj = state
    ctx.call_on_close(state.close)
