"""The `ladderdata` typer application.

Each command lives in its own module `ladderdata.cli.<name>` exposing `register(app)`. Heavy imports
(open3d, torch, ray, matplotlib) happen inside the commands, so `ladderdata --help` stays fast and the
build never needs the training extra.
"""

from __future__ import annotations

import importlib
import sys

import typer

from ladderdata.errors import LadderDataError

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
    "generate",
    "build",
    "audit",
    "verify",
    "hub",
    "train",
)


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
        sys.exit(getattr(err, "exit_code", 2))  # 1 for a failed check (verify), else 2
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
        sys.exit(2)


if __name__ == "__main__":
    main()
