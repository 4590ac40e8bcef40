"""Executors: where per-scan work runs. `EXECUTORS` maps the `--executor` name to its class."""

from __future__ import annotations

from ladderdata.executors.base import Executor
from ladderdata.executors.local import LocalExecutor
from ladderdata.executors.ray import RayExecutor

EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor, "ray": RayExecutor}
"""Executor name -> class (`ray` imports ray only when a build uses it)."""

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "RayExecutor"]
