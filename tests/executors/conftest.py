"""Fixtures of the executor tests: one local Ray runtime (2 CPUs) shared by a test module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def ray_runtime():
    """A private local Ray runtime with 2 CPUs; RayExecutors made while it runs join it (and leave it up)."""
    pytest.importorskip("ray")
    from ladderdata.executors.ray import RayExecutor

    owner = RayExecutor(workers=2)
    owner.start()
    yield owner
    owner.close()
