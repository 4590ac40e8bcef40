"""`ladderdata push` end to end: the real CLI in a subprocess against the local fake Hub."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ladderdata.records import SCHEMA_VERSION
from ladderdata.writers.checksums import write_checksums
from ladderdata.writers.layout import BuildLayout
from tests.hub.conftest import REPO, TOKEN, assert_no_token
from tests.hub.handmade import CARD, PUBLISHED

AUTH = {"HF_TOKEN": TOKEN}


def _pushed_paths(fake_hub, revision: str = "main") -> list[str]:
    return sorted(p for p in fake_hub.head_tree(REPO, revision) if p != ".gitattributes")


def _sent_paths(events: list[dict]) -> set[str]:
    """Every path named in a request that carries or announces file content."""
    sent: set[str] = set()
    for e in events:
        if e["kind"] == "preupload":
            sent |= set(e["paths"])
        if e["kind"] == "commit":
            sent |= set(e["files"]) | set(e["lfs_files"])
    return sent


def test_dry_run_prints_files_sizes_and_plan_and_contacts_nothing(copy_build, fake_hub, run_cli):
    proc = run_cli("push", copy_build.root, REPO, "--dry-run", "--commit-files", "4")
    assert proc.returncode == 0, proc.stderr
    assert fake_hub.events == []  # not even a read
    for rel in PUBLISHED:
        size = (copy_build.root / rel).stat().st_size
        assert re.search(rf"^\s+{size}\s+{re.escape(rel)}$", proc.stdout, re.M), rel
    assert "_state/" in proc.stdout and "working state" in proc.stdout
    # 16 files at 4 per commit -> 4 commits; the card is in the last one
    plan = re.findall(r"commit (\d)/4: (\d+) files", proc.stdout)
    assert [int(n) for _, n in plan] == [4, 4, 4, 4]
    assert re.search(r"commit 4/4: .*\.\. README\.md\)$", proc.stdout, re.M)
    assert f"schema-v{SCHEMA_VERSION}" in proc.stdout


def test_push_uploads_exactly_the_published_files_in_bounded_commits(copy_build, fake_hub, run_cli):
    proc = run_cli("push", copy_build.root, REPO, "--commit-files", "4", env=AUTH)
    assert proc.returncode == 0, proc.stderr
    assert_no_token(proc)
    assert _pushed_paths(fake_hub) == PUBLISHED
    tree = fake_hub.head_tree(REPO)
    for rel in PUBLISHED:
        assert tree[rel].content == (copy_build.root / rel).read_bytes(), rel
    assert tree["README.md"].content.decode() == CARD
    commits = [e for e in fake_hub.events_of("commit") if e["status"] == 200]
    assert len(commits) == 4
    assert all(len(e["files"]) + len(e["lfs_files"]) <= 4 for e in commits)
    assert "README.md" in commits[-1]["files"]  # card last
    # binary files went through LFS, text through the commit payload
    assert "data/localization/train-00000.parquet" in commits[1]["lfs_files"] + commits[0]["lfs_files"]
    repo = fake_hub.repos[REPO]
    assert repo.tags == {f"schema-v{SCHEMA_VERSION}": repo.branches["main"]}


def test_commit_byte_bound_splits_commits(copy_build, fake_hub, run_cli):
    proc = run_cli("push", copy_build.root, REPO, "--commit-bytes", "3000", env=AUTH)
    assert proc.returncode == 0, proc.stderr
    for e in fake_hub.events_of("commit"):
        paths = e["files"] + e["lfs_files"]
        sizes = [(copy_build.root / p).stat().st_size for p in paths]
        assert sum(sizes) <= 3000 or len(paths) == 1
    assert _pushed_paths(fake_hub) == PUBLISHED


def test_interrupted_push_resumes_without_resending_finished_files(copy_build, fake_hub, run_cli):
    fake_hub.fail_commit_requests[2] = 500
    first = run_cli("push", copy_build.root, REPO, "--commit-files", "4", env=AUTH)
    assert first.returncode == 2
    assert_no_token(first)
    assert "HTTP 500" in first.stderr and "rerun the same command" in first.stderr
    assert len(first.stderr.strip().splitlines()) == 1  # one line, no traceback
    done = fake_hub.events_of("commit")[0]
    assert done["status"] == 200
    finished = set(done["files"]) | set(done["lfs_files"])
    assert len(finished) == 4
    assert _pushed_paths(fake_hub) == sorted(finished)

    mark = len(fake_hub.events)
    second = run_cli("push", copy_build.root, REPO, "--commit-files", "4", env=AUTH)
    assert second.returncode == 0, second.stderr
    assert "4 already on the Hub" in second.stdout
    rerun = fake_hub.events[mark:]
    assert not finished & _sent_paths(rerun)
    assert _sent_paths(rerun) == set(PUBLISHED) - finished
    # LFS objects uploaded before the failed commit are not uploaded again either
    uploads = [e["oid"] for e in fake_hub.events_of("lfs_upload")]
    assert len(uploads) == len(set(uploads))
    assert _pushed_paths(fake_hub) == PUBLISHED


def test_second_push_of_the_same_build_sends_nothing(copy_build, fake_hub, run_cli):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    head = fake_hub.repos[REPO].branches["main"]
    mark = len(fake_hub.events)
    again = run_cli("push", copy_build.root, REPO, env=AUTH)
    assert again.returncode == 0, again.stderr
    assert "the Hub already holds this build" in again.stdout
    assert _sent_paths(fake_hub.events[mark:]) == set()
    assert fake_hub.repos[REPO].branches["main"] == head


def test_changed_and_removed_files_are_updated_and_deleted(copy_build, fake_hub, run_cli):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    (copy_build.root / "spld_spatial_data.jsonl").write_text('{"question_id": 2}\n')
    (copy_build.root / "images" / "scene0002_00" / "10.jpg").unlink()
    media_json = copy_build.root / "meta" / "media.json"
    media = json.loads(media_json.read_text())
    del media["images"]["scene0002_00/10.jpg"]  # the rebuilt rows no longer use it
    media_json.write_text(json.dumps(media, indent=2) + "\n")
    write_checksums(BuildLayout(copy_build.root))  # as the rebuild that changed them would (push verifies)
    mark = len(fake_hub.events)
    proc = run_cli("push", copy_build.root, REPO, env=AUTH)
    assert proc.returncode == 0, proc.stderr
    assert _sent_paths(fake_hub.events[mark:]) == {
        "spld_spatial_data.jsonl",
        "meta/media.json",
        "meta/checksums.json",
    }
    tree = fake_hub.head_tree(REPO)
    assert "images/scene0002_00/10.jpg" not in tree
    assert tree["spld_spatial_data.jsonl"].content == b'{"question_id": 2}\n'
    assert ".gitattributes" in tree  # not ours: never deleted


def test_a_push_that_only_deletes_makes_one_commit(copy_build, fake_hub, run_cli):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    # a file verify does not cover (deleting a shard or an image would fail verify: push refuses)
    (copy_build.root / "meta" / "stats.json").unlink()
    mark = len(fake_hub.events)
    proc = run_cli("push", copy_build.root, REPO, env=AUTH)
    assert proc.returncode == 0, proc.stderr
    commits = [e for e in fake_hub.events[mark:] if e["kind"] == "commit"]
    assert [(c["files"], c["lfs_files"], c["deleted"]) for c in commits] == [([], [], ["meta/stats.json"])]
    assert _pushed_paths(fake_hub) == [p for p in PUBLISHED if p != "meta/stats.json"]


def test_licensed_build_without_allow_media_uploads_no_images(licensed_build, fake_hub, run_cli):
    proc = run_cli("push", licensed_build.root, REPO, env=AUTH)
    assert proc.returncode == 0, proc.stderr
    assert "withheld: 5 licensed" in proc.stdout and "--allow-media" in proc.stdout
    pushed = _pushed_paths(fake_hub)
    assert pushed == [p for p in PUBLISHED if not p.startswith("images/")]
    image_bytes = {p.read_bytes() for p in licensed_build.images.values()}
    stored = set(fake_hub.repos[REPO].lfs_store.values()) | {
        b.content for b in fake_hub.head_tree(REPO).values()
    }
    assert not image_bytes & stored  # no image content reached the server by any route
    assert not any(p.startswith("images/") for p in _sent_paths(fake_hub.events))

    allowed = run_cli("push", licensed_build.root, REPO, "--allow-media", env=AUTH)
    assert allowed.returncode == 0, allowed.stderr
    assert _pushed_paths(fake_hub) == PUBLISHED


def test_branch_push_creates_branch_and_branch_tag(copy_build, fake_hub, run_cli):
    proc = run_cli("push", copy_build.root, REPO, "--revision", "dev", "--private", env=AUTH)
    assert proc.returncode == 0, proc.stderr
    repo = fake_hub.repos[REPO]
    assert repo.private
    assert _pushed_paths(fake_hub, "dev") == PUBLISHED
    assert _pushed_paths(fake_hub, "main") == []
    assert repo.tags == {f"dev-schema-v{SCHEMA_VERSION}": repo.branches["dev"]}


def test_schema_tag_moves_to_the_new_head(copy_build, fake_hub, run_cli):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    (copy_build.root / "meta" / "stats.json").write_text('{"kept": 7}\n')
    proc = run_cli("push", copy_build.root, REPO, env=AUTH)
    assert proc.returncode == 0, proc.stderr
    repo = fake_hub.repos[REPO]
    assert repo.tags[f"schema-v{SCHEMA_VERSION}"] == repo.branches["main"]
    assert "moved from" in proc.stdout


def test_broken_card_is_refused_before_any_request(copy_build, fake_hub, run_cli):
    (copy_build.root / "README.md").write_text(
        CARD.replace("data/localization/*.parquet", "data/none/*.parquet")
    )
    proc = run_cli("push", copy_build.root, REPO, env=AUTH)
    assert proc.returncode == 2
    assert "README.md" in proc.stderr and "matches no file" in proc.stderr
    assert fake_hub.events == []


def test_token_from_flag_env_or_login_cache_never_printed(
    copy_build, fake_hub, run_cli, hub_env, tmp_path: Path
):
    by_flag = run_cli("push", copy_build.root, REPO, "--token", TOKEN)
    assert by_flag.returncode == 0, by_flag.stderr
    assert_no_token(by_flag)
    token_file = Path(hub_env["HF_HOME"]) / "token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(TOKEN)
    (copy_build.root / "meta" / "stats.json").write_text('{"kept": 8}\n')
    by_cache = run_cli("push", copy_build.root, REPO)
    assert by_cache.returncode == 0, by_cache.stderr
    assert_no_token(by_cache)
    assert fake_hub.head_tree(REPO)["meta/stats.json"].content == b'{"kept": 8}\n'


def test_bad_or_missing_token_fails_cleanly_without_echoing_it(copy_build, fake_hub, run_cli):
    wrong = "hf_WrongToken9876543210zyxwvu"
    proc = run_cli("push", copy_build.root, REPO, "--token", wrong)
    assert proc.returncode == 2
    assert wrong not in proc.stdout + proc.stderr
    assert "HTTP 401" in proc.stderr and "HF_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing = run_cli("push", copy_build.root, REPO)
    assert missing.returncode == 2
    assert "no Hugging Face token" in missing.stderr
    assert fake_hub.events_of("commit") == []


def test_unreachable_hub_error_is_one_line(copy_build, run_cli):
    proc = run_cli("push", copy_build.root, REPO, env={**AUTH, "HF_ENDPOINT": "http://127.0.0.1:9"})
    assert proc.returncode == 2
    assert_no_token(proc)
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "HF_ENDPOINT" in proc.stderr
