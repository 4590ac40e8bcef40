"""The fault matrix's smaller cases: huge template ranges, unsafe Hub ids and revisions, pose messages."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from ladderdata.errors import HubError, SourceError, TemplateError
from ladderdata.generators.rendering import TemplateRenderer
from ladderdata.hub.ids import check_repo_id, check_revision
from ladderdata.oserrors import describe_os_error
from ladderdata.records import Family
from ladderdata.records import QuestionType as QT
from ladderdata.sources.scannet import ScanNetSource
from tests.faults import inject
from tests.fixtures.build import REPO
from tests.pipeline.helpers import run_cli


def test_huge_range_in_a_template_is_a_template_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "video" / "object_count.j2"
    path.parent.mkdir(parents=True)
    path.write_text("How many {{ category }}s?\n\n{{ range(10**8) | list | length }} of them?\n")
    with pytest.raises(TemplateError) as err:
        TemplateRenderer(tmp_path).phrasings(Family.video, QT.object_count, category="chair")
    assert "object_count.j2:3" in str(err.value) and "range" in str(err.value).lower()


@pytest.mark.parametrize(
    "repo_id", ["me/ds?x=1", "me/ds#frag", "me", "me/ds/extra", "../ds", "me/..", "me/a--b"]
)
def test_unsafe_repo_ids_are_refused(repo_id: str) -> None:
    with pytest.raises(HubError, match="NAMESPACE/NAME"):
        check_repo_id(repo_id)


@pytest.mark.parametrize(
    "revision", ["../../x", "/main", "-rf", "a b", "main?x=1", "v1#x", "x.lock", "a/./b"]
)
def test_unsafe_revisions_are_refused(revision: str) -> None:
    with pytest.raises(HubError, match="--revision"):
        check_revision(revision)


@pytest.mark.parametrize(("repo_id", "revision"), [("me/ds", "main"), ("me/spatial.qa_v2", "schema-v1.0")])
def test_ordinary_ids_and_revisions_pass(repo_id: str, revision: str) -> None:
    assert check_repo_id(repo_id) == repo_id and check_revision(revision) == revision


@pytest.mark.parametrize(
    "args",
    [
        ("push", "BUILD", "me/ds?x=1", "--dry-run"),
        ("push", "BUILD", "me/ds", "--revision", "../../x", "--dry-run"),
        ("pull", "me/ds#frag", "OUT"),
        ("pull", "me/ds", "OUT", "--revision", "../../x"),
    ],
)
def test_cli_refuses_unsafe_hub_ids_before_anything(args: tuple[str, ...], tmp_path: Path) -> None:
    argv = [str(tmp_path / a) if a in ("BUILD", "OUT") else a for a in args]
    proc = run_cli(*argv)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "OUT").exists()


def test_all_inf_poses_say_why_there_are_no_frames(sample_root: Path, tmp_path: Path) -> None:
    root = inject.copy_sample(sample_root, tmp_path / "raw")
    inject.all_poses_inf(root, 0)
    with _no_warnings(), pytest.raises(SourceError) as err:
        ScanNetSource(root, on_error="skip").load(inject.SCAN)
    msg = str(err.value)
    assert "no usable frames among 60 selected: 60 with a non-finite pose (lost tracking" in msg


def test_non_orthonormal_and_missing_poses_are_named_and_counted(sample_root: Path, tmp_path: Path) -> None:
    root = inject.copy_sample(sample_root, tmp_path / "raw")
    pose_dir = inject.export(root) / "pose"
    poses = sorted(int(p.stem) for p in pose_dir.glob("*.txt") if np.all(np.isfinite(np.loadtxt(p))))
    inject.non_orthonormal_pose(root, poses[0])
    for i in poses[1:4]:
        (pose_dir / f"{i}.txt").unlink()
    with _no_warnings():
        stats = ScanNetSource(root, on_error="skip").load(inject.SCAN).stats
    assert stats["frames_skipped_pose_not_orthonormal"] == 1
    assert stats["frames_skipped_missing_pose"] == 3


class _no_warnings:  # noqa: N801 - used like pytest.warns
    """Fail when any warning (e.g. numpy's RuntimeWarning) is raised inside the block."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "free disk space"),
        (errno.EFBIG, "ulimit -f"),
        (errno.EACCES, "writable"),
        (errno.EROFS, "read-only"),
    ],
)
def test_os_errors_name_the_file_and_the_remedy(code: int, words: str) -> None:
    message = describe_os_error(OSError(code, "ignored", "/data/out/data/spatial/train-00000.parquet"))
    assert message is not None and "\n" not in message
    assert message.startswith("/data/out/data/spatial/train-00000.parquet: ")
    assert f"({errno.errorcode[code]})" in message and words in message and "--resume" in message


def test_other_os_errors_are_left_alone() -> None:
    assert describe_os_error(OSError(errno.EINVAL, "bad", "/x")) is None


def test_a_failed_atomic_write_names_its_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "big.bin"
    code = (
        "import resource; from ladderdata.io import write_bytes_atomic; "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000)); "
        f"write_bytes_atomic({str(target)!r}, bytes(5000))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert f"OSError: [Errno {errno.EFBIG}] File too large: '{target}'" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
