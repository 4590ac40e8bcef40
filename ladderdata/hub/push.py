"""`ladderdata push`: upload a build to a Hugging Face dataset repo in bounded, resumable commits.

Steps: list the publishable files (hub.files), withhold licensed pixel media unless allowed (hub.media),
validate the card (hub.card), then - unless `dry_run` - create the repo/branch if needed, ask the Hub
which files it already holds with identical content (tree listing: LFS sha256 or git blob id), and commit
only the rest in batches bounded by file count and bytes. Large files stream from disk (LFS/Xet), so
memory stays bounded by one batch's small files. The card (README.md) goes in the last commit, together
with the deletion of remote files under the build's folders that this build no longer has; then the
head is tagged with the schema version. An interrupted push is resumed by running it again: finished
commits are on the Hub and their files are not sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ladderdata.errors import HubError
from ladderdata.hub.auth import TOKEN_FIX, TokenGuard, resolve_token
from ladderdata.hub.card import CardCheck, validate_card
from ladderdata.hub.files import BuildFile, FileDigest, Skipped, digest_file, list_build_files
from ladderdata.hub.ids import check_repo_id, check_revision
from ladderdata.hub.media import MediaDecision, withhold_licensed_media
from ladderdata.hub.types import REPO_TYPE, Report
from ladderdata.records import SCHEMA_VERSION
from ladderdata.verify import verify_build
from ladderdata.writers.layout import GROUNDING_JSONL, SPATIAL_JSONL, BuildLayout
from ladderdata.writers.reader import BuildReader

DEFAULT_BRANCH = "main"
DEFAULT_COMMIT_FILES = 250
"""huggingface_hub's upload_large_folder starts at 256 files per commit; the Hub limits commits per hour."""
DEFAULT_COMMIT_BYTES = 2 * 1024**3
MANAGED_TOP_DIRS = frozenset({"data", "images", "meta"})
MANAGED_TOP_FILES = frozenset({"README.md", GROUNDING_JSONL, SPATIAL_JSONL})


def schema_tag(revision: str = DEFAULT_BRANCH) -> str:
    """Tag put on the pushed head: `schema-v<SCHEMA_VERSION>`, prefixed by the branch when not main."""
    tag = f"schema-v{SCHEMA_VERSION}"
    return tag if revision == DEFAULT_BRANCH else f"{revision}-{tag}"


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PushOptions:
    """Everything `push` needs besides the build directory."""

    repo_id: str
    revision: str = DEFAULT_BRANCH
    private: bool = False
    token: str | None = None
    dry_run: bool = False
    allow_media: bool = False
    max_commit_files: int = DEFAULT_COMMIT_FILES
    max_commit_bytes: int = DEFAULT_COMMIT_BYTES

    def __post_init__(self) -> None:
        if self.max_commit_files < 1:
            raise HubError("--commit-files must be at least 1")
        if self.max_commit_bytes < 1:
            raise HubError("--commit-bytes must be at least 1")
        if self.repo_id.count("/") != 1 or not all(self.repo_id.split("/")):
            raise HubError(f"{self.repo_id}: repo id must be NAMESPACE/NAME, e.g. my-user/spatial-qa")


@dataclass
class LocalPlan:
    """What a push would send, computed from the build directory alone."""

    layout: BuildLayout
    files: list[BuildFile]
    skipped: list[Skipped]
    withheld: MediaDecision
    card: CardCheck

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class PushResult:
    """What a push did."""

    commits: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    head: str | None = None
    tag: str | None = None


def _order_key(relpath: str) -> tuple[int, str]:
    # Media and shards first, metadata next, the card last: an interrupted push leaves a repo without the
    # new card, so nobody loads a half-pushed build through its configs.
    top = relpath.split("/", 1)[0]
    rank = {"images": 0, "data": 1, "meta": 3}.get(top, 2)
    if relpath == "README.md":
        rank = 4
    return rank, relpath


def plan_commits(files: list[BuildFile], max_files: int, max_bytes: int) -> list[list[BuildFile]]:
    """Split `files` into commits of at most `max_files` files and `max_bytes` bytes, card last.

    A single file larger than `max_bytes` gets a commit of its own. Order is deterministic.
    """
    ordered = sorted(files, key=lambda f: _order_key(f.relpath))
    batches: list[list[BuildFile]] = []
    current: list[BuildFile] = []
    size = 0
    for f in ordered:
        if current and (len(current) >= max_files or size + f.size > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        batches.append(current)
    return batches


def prepare_push(build_dir: Path, *, allow_media: bool) -> LocalPlan:
    """Local checks shared by dry-run and real push: file list, licence rule, card validation."""
    layout = BuildLayout(Path(build_dir))
    if not layout.root.is_dir():
        raise HubError.at(layout.root, "no such build directory", "run `ladderdata build` first")
    verify_build(layout.root).raise_if_failed("push")  # never publish a changed or corrupt file
    files, skipped = list_build_files(layout.root)
    if not files:
        raise HubError.at(
            layout.root, "nothing to push (the folder holds no publishable file)", "run `ladderdata build`"
        )
    media = BuildReader(layout.root, error=HubError).media_index()
    withheld = withhold_licensed_media(files, layout, media, allow_media=allow_media)
    withheld_paths = {f.relpath for f in withheld.withheld}
    if "preview" in withheld.sources:
        raise HubError.at(
            layout.preview_shard,
            "the preview config embeds frames, and this build has a licensed source",
            "rebuild (a build with a licensed source writes no preview) or pass --allow-media if you may "
            "redistribute the frames",
        )
    pushed = [f for f in files if f.relpath not in withheld_paths]
    card = validate_card(layout, {f.relpath for f in pushed})
    return LocalPlan(layout=layout, files=pushed, skipped=skipped, withheld=withheld, card=card)


def describe_local(plan: LocalPlan, report: Report) -> None:
    """Print the card check, skipped and withheld files (shared by dry-run and push)."""
    configs = ", ".join(f"{name} ({len(files)} files)" for name, files in plan.card.configs.items())
    report(f"card: {plan.layout.card} loads configs {configs}")
    if plan.skipped:
        report(f"not pushed ({len(plan.skipped)}):")
        for s in plan.skipped:
            report(f"  {s.relpath}  [{s.reason}]")
    if plan.withheld.withheld:
        sources = ", ".join(sorted(plan.withheld.sources))
        report(
            f"withheld: {len(plan.withheld.withheld)} licensed image/video files (source {sources}) are NOT "
            "uploaded; the licence forbids redistributing them. Users rebuild images/ with "
            "`ladderdata materialize BUILD --raw PATH`; pass --allow-media only if you may redistribute them."
        )


def dry_run(plan: LocalPlan, opts: PushOptions, report: Report) -> list[list[BuildFile]]:
    """Print the exact file list, sizes and commit plan; contacts nothing."""
    report(
        f"dry run: {plan.layout.root} -> datasets/{opts.repo_id} (revision {opts.revision}); "
        "nothing is uploaded or contacted"
    )
    describe_local(plan, report)
    report(f"files to push ({len(plan.files)}, {plan.total_bytes} bytes = {human_bytes(plan.total_bytes)}):")
    width = max((len(str(f.size)) for f in plan.files), default=1)
    for f in plan.files:
        report(f"  {f.size:>{width}}  {f.relpath}")
    commits = plan_commits(plan.files, opts.max_commit_files, opts.max_commit_bytes)
    report(
        f"commit plan ({len(commits)} commits, at most {opts.max_commit_files} files / "
        f"{human_bytes(opts.max_commit_bytes)} each):"
    )
    for i, batch in enumerate(commits, 1):
        size = sum(f.size for f in batch)
        report(
            f"  commit {i}/{len(commits)}: {len(batch)} files, {size} bytes "
            f"({batch[0].relpath} .. {batch[-1].relpath})"
        )
    report(
        f"then tag {schema_tag(opts.revision)}. At push time, files the Hub already holds with identical "
        "content are not sent again, and remote files under data/, images/, meta/ that this build lacks are "
        "deleted in the last commit."
    )
    return commits


def _matches(remote, digest: FileDigest) -> bool:  # noqa: ANN001 - huggingface_hub.RepoFile
    if remote.size != digest.size:
        return False
    if remote.lfs is not None:
        return remote.lfs.sha256 == digest.sha256
    return remote.blob_id == digest.git_sha1


def _is_managed(relpath: str, local_tops: set[str]) -> bool:
    parts = relpath.split("/")
    if len(parts) == 1:
        return relpath in MANAGED_TOP_FILES
    return parts[0] in MANAGED_TOP_DIRS or parts[0] in local_tops


def push(build_dir: Path, opts: PushOptions, report: Report = print) -> PushResult | None:
    """Push (or dry-run) the build at `build_dir`; returns None for a dry run."""
    check_repo_id(opts.repo_id)
    check_revision(opts.revision)
    plan = prepare_push(build_dir, allow_media=opts.allow_media)
    if opts.dry_run:
        dry_run(plan, opts, report)
        return None
    token = resolve_token(opts.token)
    if not token:
        raise HubError(f"{opts.repo_id}: no Hugging Face token found; {TOKEN_FIX}")
    with TokenGuard(token, f"datasets/{opts.repo_id}"):
        return _push_to_hub(plan, opts, token, report)


def _push_to_hub(plan: LocalPlan, opts: PushOptions, token: str, report: Report) -> PushResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()  # one line per commit from us instead of interleaved bars
    api = HfApi(token=token)
    repo, rev = opts.repo_id, opts.revision
    describe_local(plan, report)

    url = api.create_repo(repo, repo_type=REPO_TYPE, private=True if opts.private else None, exist_ok=True)
    report(f"repo: {url}")
    if rev != DEFAULT_BRANCH:
        api.create_branch(repo, branch=rev, repo_type=REPO_TYPE, exist_ok=True)
    info = api.dataset_info(repo, revision=rev)
    if opts.private and info.private is False:
        report(
            f"note: datasets/{repo} already exists and is public; --private only applies when creating a repo"
        )
    head = info.sha

    # Ask the Hub what it already has (one recursive listing of the head we commit on top of).
    remote = {
        entry.path: entry
        for entry in api.list_repo_tree(repo, recursive=True, revision=head, repo_type=REPO_TYPE)
        if isinstance(entry, RepoFile)
    }
    result = PushResult(head=head)
    digests: dict[str, FileDigest] = {}
    todo: list[BuildFile] = []
    for f in plan.files:
        entry = remote.get(f.relpath)
        if entry is not None and entry.size == f.size:
            digests[f.relpath] = digest_file(f.path)
            if _matches(entry, digests[f.relpath]):
                result.already_there.append(f.relpath)
                continue
        todo.append(f)
    local = {f.relpath for f in plan.files}
    local_tops = {p.split("/", 1)[0] for p in local if "/" in p}
    stale = sorted(p for p in remote if p not in local and _is_managed(p, local_tops))

    commits = plan_commits(todo, opts.max_commit_files, opts.max_commit_bytes)
    if not commits and stale:
        commits = [[]]
    report(
        f"plan: {len(todo)} files to upload ({human_bytes(sum(f.size for f in todo))}) in {len(commits)} "
        f"commits; {len(result.already_there)} already on the Hub; {len(stale)} stale remote files to delete"
    )
    from ladderdata.progress import ProgressLines

    # one line per commit (interval 0): `push: commit 2/5 1.9 GiB -> 3f2a..., files 500/1210, ...`
    progress = ProgressLines("push", sum(len(b) for b in commits), "files", write=report, interval=0)
    for i, batch in enumerate(commits, 1):
        ops: list = []
        for f in batch:
            op = CommitOperationAdd(path_in_repo=f.relpath, path_or_fileobj=str(f.path))
            if f.relpath in digests:  # spare huggingface_hub a second hashing pass
                op.upload_info.sha256 = bytes.fromhex(digests[f.relpath].sha256)
            ops.append(op)
        last = i == len(commits)
        if last:
            ops.extend(CommitOperationDelete(path_in_repo=p) for p in stale)
        size = sum(f.size for f in batch)
        message = f"ladderdata push {i}/{len(commits)}: {len(batch)} files ({human_bytes(size)})"
        if last and stale:
            message += f", delete {len(stale)} stale"
        commit = api.create_commit(
            repo,
            ops,
            commit_message=message,
            commit_description=f"schema {SCHEMA_VERSION}; build {plan.layout.root.name}",
            repo_type=REPO_TYPE,
            revision=rev,
            parent_commit=head,  # fail rather than commit on top of a tree we did not compare against
        )
        head = commit.oid
        result.commits.append(head)
        result.uploaded.extend(f.relpath for f in batch)
        if last:
            result.deleted.extend(stale)
        progress.update(len(batch), detail=f"commit {i}/{len(commits)} {human_bytes(size)} -> {head[:12]}")
    result.head = head

    tag = schema_tag(rev)
    refs = api.list_repo_refs(repo, repo_type=REPO_TYPE)
    current = {t.name: t.target_commit for t in refs.tags}.get(tag)
    if current != head:
        if current is not None:
            api.delete_tag(repo, tag=tag, repo_type=REPO_TYPE)
        api.create_tag(
            repo,
            tag=tag,
            revision=head,
            tag_message=f"ladderdata output schema {SCHEMA_VERSION}",
            repo_type=REPO_TYPE,
        )
        report(f"tag {tag} -> {head[:12]}" + (f" (moved from {current[:12]})" if current else ""))
    else:
        report(f"tag {tag} already at {head[:12]}")
    result.tag = tag
    if not commits:
        report("nothing to upload: the Hub already holds this build")
    return result
