"""`ladderdata sample` command (being implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Register nothing until the command is implemented."""
    del app
