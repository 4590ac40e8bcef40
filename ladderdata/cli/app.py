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
    "hub",
    "train",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"ladderdata.cli.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point: LadderDataError becomes a one-line message and exit code 2."""
    try:
        app()
    except LadderDataError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
