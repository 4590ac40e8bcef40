"""Executors: where per-scan work runs. `EXECUTORS` maps the `--executor` name to its class."""

from __future__ import annotations

from ladderdata.executors.base import Executor
from ladderdata.executors.local import LocalExecutor

EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor}
"""Executor name -> class (`ray` registers here when its module is added)."""

__all__ = ["EXECUTORS", "Executor", "LocalExecutor"]
