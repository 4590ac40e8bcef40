"""The `ladderdata` typer application.

Each command lives in its own module `ladderdata.cli.<name>` exposing `register(app)`. Heavy imports
(open3d, torch, ray, matplotlib) happen inside the commands, so `ladderdata --help` stays fast and the
build never needs the training extra.

Exit codes (README "Exit codes"): 0 done; 1 a check failed (`audit --fail-on-skew`); 2 bad usage (click's
own usage errors) or bad input (every LadderDataError); 130 / 143 when interrupted (SIGINT / SIGTERM).
"""

from __future__ import annotations

import importlib
import sys

import typer

from ladderdata import __version__
from ladderdata.cli import help_format
from ladderdata.errors import LadderDataError

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2

help_format.install()

app = typer.Typer(
    name="ladderdata",
    help="Build SpatialLadder-style spatial QA datasets from ScanNet-layout scans, audit, push and train.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (
    "sample",
    "scenes",
    "video",
    "generate",
    "build",
    "audit",
    "verify",
    "hub",
    "train",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ladderdata {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Build SpatialLadder-style spatial QA datasets from ScanNet-layout scans, audit, push and train."""


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"ladderdata.cli.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point: LadderDataError becomes a one-line message and exit code 2; an OS
    error (disk full, file too large, permission, read-only) one line naming the path and the remedy;
    SIGINT / SIGTERM one line and exit 130 / 143."""
    from ladderdata.lifetime import INTERRUPT_MESSAGE, Interrupted, handle_interrupts
    from ladderdata.oserrors import describe_os_error

    try:
        with handle_interrupts():
            app()
    except LadderDataError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(getattr(err, "exit_code", EXIT_BAD_INPUT))  # 1 for a failed check (verify), else 2
    except KeyboardInterrupt:
        typer.secho(INTERRUPT_MESSAGE, fg=typer.colors.YELLOW, err=True)
        sys.exit(130)
    except Interrupted as sig:
        typer.secho(INTERRUPT_MESSAGE, fg=typer.colors.YELLOW, err=True)
        sys.exit(sig.exit_code)
    except OSError as err:
        message = describe_os_error(err)
        if message is None:
            raise
        typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
