"""`ladderdata pull`: download a pushed build (a thin wrapper over huggingface_hub.snapshot_download).

The files land in OUT exactly as pushed; huggingface_hub keeps its download metadata under
`OUT/.cache/huggingface/` so a second pull only fetches what changed (push skips dot-folders, so a pulled
build can be pushed again). Images withheld at push time (licensed media) are reported with the
`materialize` command that rebuilds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ladderdata.errors import HubError
from ladderdata.hub.auth import TokenGuard, resolve_token
from ladderdata.hub.ids import check_repo_id, check_revision
from ladderdata.hub.types import REPO_TYPE, Report
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.reader import BuildReader

_HF_LOCAL_CACHE = Path(".cache") / "huggingface"


@dataclass
class PullResult:
    """Where the build landed and how many of its recorded images are absent."""

    path: Path
    files: int
    images_recorded: int
    images_missing: int


def check_pull_repo_id(repo_id: str) -> None:
    """HubError when `repo_id` is a local path (pull downloads from the Hub) or not NAMESPACE/NAME."""
    local = Path(repo_id).expanduser()
    if repo_id.startswith(("/", ".", "~")) or local.exists():
        raise HubError(
            f"{repo_id}: a local path, not a Hub repo id; `pull` downloads from the Hub: pass "
            "NAMESPACE/NAME, or use a local build folder directly (e.g. `ladderdata audit "
            f"{repo_id}`, or copy it)"
        )
    check_repo_id(repo_id)


def pull(
    repo_id: str, out: Path, *, revision: str | None = None, token: str | None = None, report: Report = print
) -> PullResult:
    """Download `repo_id` (a dataset repo) at `revision` into `out`."""
    check_pull_repo_id(repo_id)
    check_revision(revision)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HubError.at(out, "exists and is not a folder", "choose another OUT")
    if out.is_dir() and any(out.iterdir()) and not (out / _HF_LOCAL_CACHE).is_dir():
        raise HubError.at(out, "folder is not empty and holds no earlier pull", "choose a new or empty OUT")
    token = resolve_token(token)
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
    with TokenGuard(token, f"datasets/{repo_id}"):
        path = Path(
            snapshot_download(
                repo_id,
                repo_type=REPO_TYPE,
                revision=revision,
                local_dir=out,
                token=token if token else False,
            )
        )
    layout = BuildLayout(path)
    files = sum(
        1 for p in path.rglob("*") if p.is_file() and _HF_LOCAL_CACHE not in p.relative_to(path).parents
    )
    index = BuildReader(layout.root, error=HubError).media_index()
    missing = sum(1 for rel in index.images if not layout.image(rel).is_file())
    report(f"pulled datasets/{repo_id}@{revision or 'main'} into {path} ({files} files)")
    if missing:
        report(
            f"{missing} of {len(index.images)} images are not in the repo (licensed media or a --media "
            f"reference build); rebuild them with: ladderdata materialize {path} --raw PATH/TO/RAW"
        )
    return PullResult(path=path, files=files, images_recorded=len(index.images), images_missing=missing)
