"""RayExecutor on plain functions: complete streaming, bounded in-flight tasks, error propagation."""

from __future__ import annotations

import math
import operator
import os

import pytest

from ladderdata.errors import LadderDataError, SourceError
from ladderdata.executors import EXECUTORS
from ladderdata.executors.ray import RayExecutor

pytestmark = pytest.mark.slow  # a Ray runtime takes 5-25 s to start on a busy 2-core machine


def raise_source_error(path: str) -> None:
    """A task function failing the way an adapter does under --strict."""
    raise SourceError.at(path, "truncated binary PLY", "re-download the scan")


def test_registered_under_its_cli_name():
    assert EXECUTORS["ray"] is RayExecutor


def test_every_result_streams_back_once(ray_runtime):
    ex = RayExecutor(workers=2)
    got = list(ex.imap_unordered(operator.neg, range(25)))
    assert sorted(got) == [-i for i in range(24, -1, -1)]


@pytest.mark.parametrize("workers", [1, 2])
def test_at_most_two_tasks_per_worker_are_in_flight(ray_runtime, workers):
    pulled = 0

    def tasks():
        nonlocal pulled
        for i in range(16):
            pulled += 1
            yield i

    seen = 0
    for _ in RayExecutor(workers=workers).imap_unordered(abs, tasks()):
        seen += 1
        # tasks submitted and not yet consumed when this result was handed out
        assert pulled - (seen - 1) <= 2 * workers
    assert (pulled, seen) == (16, 16)


def test_ladderdata_error_of_a_task_is_reraised_as_itself(ray_runtime):
    with pytest.raises(SourceError) as info:
        list(RayExecutor(workers=2).imap_unordered(raise_source_error, ["scans/x/x_vh_clean_2.ply"]))
    assert type(info.value) is SourceError
    assert str(info.value) == "scans/x/x_vh_clean_2.ply: truncated binary PLY; re-download the scan"


def test_other_errors_keep_their_type(ray_runtime):
    with pytest.raises(ValueError, match="math domain error"):
        list(RayExecutor(workers=2).imap_unordered(math.sqrt, [4.0, -1.0]))


def test_a_dead_worker_becomes_a_one_line_error_and_the_runtime_stays_usable(ray_runtime):
    ex = RayExecutor(workers=2, task_retries=0)
    with pytest.raises(LadderDataError, match=r"^3: the Ray worker running it died .*--resume"):
        list(ex.imap_unordered(os._exit, [3]))  # the worker process exits mid-task
    assert sorted(ex.imap_unordered(operator.neg, [1, 2])) == [-2, -1]


def test_joining_a_running_runtime_leaves_it_running(ray_runtime):
    import ray

    with RayExecutor(workers=1) as ex:
        assert list(ex.imap_unordered(abs, [-5])) == [5]
    assert ray.is_initialized()


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be >= 1"):
        RayExecutor(workers=0)
