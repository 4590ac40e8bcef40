"""Ray executor: per-scan work as Ray tasks, results streamed back to the driver (the single writer).

`ladderdata build --executor ray` starts a private local Ray runtime sized to `--workers` (no dashboard,
worker logs kept out of the terminal, its session files in a fresh temporary folder that is removed at
close); `--ray-address auto|HOST:PORT` joins a running cluster instead, whose nodes must have ladderdata
installed and see the raw sources at the same paths (results come back as plain data and workers write
no files, so the build folder only needs to exist on the driver; a worker that cannot see its scene-record
cache simply loads the scan from the raw files).

Why it is safe to move work around: `fn` is a pure function of a picklable task and the driver writes
each result as it arrives (spool, then done marker), so a crashed worker or a killed driver loses no
finished scan, and `--resume` continues from the markers exactly as with the local executor. Ray
retries a task whose worker process died (`max_retries`), and a worker dying on every try stops the
build with a one-line error naming the scan; an exception raised *by* `fn` is not retried: a
`LadderDataError` (e.g. `SourceError` under `--strict`) is re-raised in the driver as itself, anything
else as Ray's error, which is also an instance of the original type and shows the worker's traceback.

Memory stays bounded: at most `2 * workers` tasks are in flight, and each result's object reference is
dropped as soon as it is fetched, so Ray's object store never holds more than that many results.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from ladderdata import threads
from ladderdata.errors import ConfigError, LadderDataError
from ladderdata.executors.base import Executor
from ladderdata.executors.reaper import SESSION_ENV

T = TypeVar("T")
R = TypeVar("R")

OBJECT_STORE_BYTES = 512 * 1024**2
"""Object store of a private runtime: results are a few MB per scan and few are in flight; Ray spills
to disk beyond it, so this caps shared memory, not what a build can do."""
TASK_RETRIES = 2
"""Re-runs of a task whose worker process died (system failures only; never `fn`'s own exceptions)."""


def _ray() -> Any:
    """Import ray lazily (it is an optional extra and costs ~2 s to import)."""
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigError(
            "--executor ray: the ray package is not installed; pip install 'ladderdata[ray]' "
            "or use --executor local"
        ) from None
    return ray


class RayExecutor(Executor):
    """Run tasks on Ray: a private local runtime (`address=None`) or an existing cluster.

    workers: tasks run at once (and the CPUs of a private runtime); address: `auto` or `HOST:PORT` of a
    running cluster; temp_root: parent folder of the private runtime's session files (default: the
    system temporary folder, /tmp when that path is long); object_store_bytes: shared-memory object store
    of a private runtime; task_retries: re-runs of a task whose worker process died.
    An already initialised Ray (e.g. in a notebook or a test) is used as is and left running.
    """

    name = "ray"

    def __init__(
        self,
        workers: int = 1,
        address: str | None = None,
        *,
        temp_root: str | None = None,
        object_store_bytes: int = OBJECT_STORE_BYTES,
        task_retries: int = TASK_RETRIES,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.address = address or None
        self.temp_root = temp_root
        self.object_store_bytes = object_store_bytes
        self.task_retries = task_retries
        self._owns_runtime = False
        self._temp_dir: str | None = None
        self._reaper: subprocess.Popen[bytes] | None = None
        self._remote: Any = None

    # ------------------------------------------------------------------ runtime
    def _start(self) -> Any:
        ray = _ray()
        if ray.is_initialized():
            return ray
        # The driver only needs Ray's own warnings; workers' logs stay in the session folder.
        common: dict[str, Any] = {
            "log_to_driver": False,
            "logging_level": logging.WARNING,
            "configure_logging": True,
        }
        if self.address is not None:
            try:
                ray.init(address=self.address, **common)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise ConfigError(
                    f"--ray-address {self.address}: cannot connect to a Ray cluster ({err}); "
                    "start one with `ray start --head` or drop --ray-address for a local runtime"
                ) from None
        else:
            # A fresh, short-named session folder: Ray's sockets live inside it (path length limit) and
            # it is removed at close, so repeated builds do not pile up sessions under /tmp/ray.
            self._temp_dir = tempfile.mkdtemp(prefix="ldray-", dir=self.temp_root or _session_parent())
            # started before Ray so it sees every process Ray starts; every Ray process inherits the
            # session marker from this environment (see executors/reaper.py)
            self._reaper = _start_reaper(self._temp_dir)
            os.environ[SESSION_ENV] = self._temp_dir
            # a data build has no business reporting usage to a server (set it to 1 to opt in)
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            try:
                ray.init(
                    num_cpus=self.workers,
                    num_gpus=0,
                    include_dashboard=False,
                    object_store_memory=self.object_store_bytes,
                    _temp_dir=self._temp_dir,
                    **common,
                )
            except BaseException:
                self.close()  # the watchdog ends what a half-started runtime left and removes its folder
                raise
            finally:
                os.environ.pop(SESSION_ENV, None)  # the started processes keep it; nothing else needs it
        self._owns_runtime = True
        return ray

    def start(self) -> None:
        """Start (or join) the Ray runtime now; otherwise the first `imap_unordered` does."""
        self._start()

    def _remote_apply(self, ray: Any) -> Any:
        if self._remote is None:
            # one CPU per task: Ray then runs at most `workers` at once on a private runtime
            self._remote = ray.remote(num_cpus=1, max_retries=self.task_retries, retry_exceptions=False)(
                _apply
            )
        return self._remote

    # ------------------------------------------------------------------ streaming
    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        ray = self._start()
        remote = self._remote_apply(ray)
        pending: list[Any] = []
        task_of: dict[Any, T] = {}  # object ref -> its task, to name the task of a crashed worker
        it = iter(tasks)
        limit = 2 * self.workers
        try:
            while True:
                for task in islice(it, limit - len(pending)):
                    ref = remote.remote(fn, task)
                    task_of[ref] = task
                    pending.append(ref)
                if not pending:
                    return
                done, pending = ray.wait(pending, num_returns=1)
                # `done` is rebound on the next wait: each fetched result's reference is dropped
                # then and the object store frees it
                for ref in done:
                    task = task_of.pop(ref)
                    yield _get(ray, ref, task, self.task_retries)
        finally:
            for ref in pending:
                ray.cancel(ref, force=False)

    def close(self) -> None:
        if self._owns_runtime:
            ray = _ray()
            self._remote = None
            ray.shutdown()
            self._owns_runtime = False
        if self._reaper is not None:
            _stop_reaper(self._reaper)
            self._reaper = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


def _apply(fn: Callable[[T], R], task: T) -> R:
    """The Ray task: any picklable callable (builtins too) applied to one task, on one thread (the task
    reserved one CPU: `num_cpus=1`)."""
    threads.set_default(1)
    return fn(task)


def _get(ray: Any, ref: Any, task: Any, retries: int) -> Any:
    """`ray.get`: a LadderDataError of the task function is re-raised as itself (not wrapped by Ray); a
    worker that died (crash, OOM kill) on every try becomes a one-line LadderDataError naming the task."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, LadderDataError):
            raise cause from None  # the one-line message the CLI prints (e.g. SourceError under --strict)
        raise  # a bug: Ray's error is also an instance of the original type and carries the remote traceback
    except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError) as err:
        what = getattr(task, "scan_id", None) or repr(task)[:80]
        raise LadderDataError(
            f"{what}: the Ray worker running it died ({type(err).__name__}, {retries} retries); scans "
            "finished before it are saved: rerun with --resume (exclude the scan if it fails again)"
        ) from None


def _start_reaper(session_dir: str) -> subprocess.Popen[bytes]:
    """The watchdog that ends this runtime if the driver dies (its stdin pipe closes with the driver)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ladderdata.executors.reaper", str(os.getpid()), session_dir],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a terminal's Ctrl-C goes to the driver, which closes the runtime
    )


def _stop_reaper(reaper: subprocess.Popen[bytes]) -> None:
    """Close the watchdog's pipe (it ends whatever Ray left running) and wait for it."""
    if reaper.stdin is not None:
        reaper.stdin.close()
    try:
        reaper.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - the watchdog hung
        reaper.kill()
        reaper.wait()


def _session_parent() -> str:
    """Folder for a private runtime's session: the temp folder, or /tmp when its path is long (Ray's
    Unix sockets live inside the session folder and socket paths are limited to 107 bytes)."""
    parent = tempfile.gettempdir()
    if len(parent) > 40 and os.path.isdir("/tmp") and os.access("/tmp", os.W_OK):
        return "/tmp"
    return parent
