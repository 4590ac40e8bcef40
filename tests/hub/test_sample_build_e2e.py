"""Round trip of a real build of the bundled sample: push -> pull -> materialize -> identical build.

Uses the session-cached `sample_build` fixture (tests/fixtures/build.py); skipped while that fixture or
the sample it builds from is unavailable.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard

from ladderdata.hub.files import list_build_files
from ladderdata.writers.checksums import write_checksums
from ladderdata.writers.layout import BuildLayout
from tests.hub.conftest import REPO, TOKEN, assert_no_token

pytestmark = pytest.mark.slow


@pytest.fixture
def sample(request) -> tuple[Path, Path]:
    """(copy of the sample build, raw sample root)."""
    try:
        build = request.getfixturevalue("sample_build")
        raw = request.getfixturevalue("sample_root")
    except pytest.FixtureLookupError as err:
        pytest.skip(f"sample build fixture not available yet: {err.argname}")
    copy = request.getfixturevalue("tmp_path") / "sample_build"
    shutil.copytree(build, copy)
    return copy, Path(raw)


def test_sample_build_round_trips_through_the_hub(sample, fake_hub, run_cli, tmp_path):
    from datasets import load_dataset

    build, raw = sample
    published, _ = list_build_files(build)
    media = json.loads((build / "meta" / "media.json").read_text())
    assert media["images"], "the sample build should reference images"

    dry = run_cli("push", build, REPO, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert fake_hub.events == []

    pushed = run_cli("push", build, REPO, "--commit-files", "40", env={"HF_TOKEN": TOKEN})
    assert pushed.returncode == 0, pushed.stderr
    assert_no_token(pushed)
    remote = {p for p in fake_hub.head_tree(REPO) if p != ".gitattributes"}
    assert remote == {f.relpath for f in published}  # the sample is unlicensed: images travel too

    out = tmp_path / "pulled"
    assert run_cli("pull", REPO, out).returncode == 0
    for f in published:
        assert (out / f.relpath).read_bytes() == f.path.read_bytes(), f.relpath

    shutil.rmtree(out / "images")  # as if the images had been withheld
    mat = run_cli("materialize", out, "--raw", raw)
    assert mat.returncode == 0, mat.stderr
    for rel in media["images"]:
        assert (out / "images" / rel).read_bytes() == (build / "images" / rel).read_bytes(), rel

    cache = str(tmp_path / "ds_cache")
    for config in ("grounding", "spatial"):
        here = load_dataset(str(build), config, split="train", cache_dir=cache)
        there = load_dataset(str(out), config, split="train", cache_dir=cache)
        assert here.to_list() == there.to_list()


def test_sample_build_marked_licensed_pushes_no_images(sample, fake_hub, run_cli, tmp_path):
    build, raw = sample
    manifest_path = build / "meta" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for source in manifest["sources"].values():  # as if the sample were ScanNet
        source["licensed"] = True
    manifest_path.write_text(json.dumps(manifest))
    media = json.loads((build / "meta" / "media.json").read_text())["images"]

    # the preview embeds the frames: push refuses it for a licensed source ...
    refused = run_cli("push", build, REPO, "--dry-run")
    assert refused.returncode == 2
    assert "the preview config embeds frames, and this build has a licensed source" in refused.stderr
    # ... and a licensed build has none (finalize writes no preview): remove it and its config
    shutil.rmtree(build / "data" / "preview")
    card = DatasetCard.load(build / "README.md")
    card.data.configs = [c for c in card.data.configs if c["config_name"] != "preview"]
    card.data.dataset_info = [i for i in card.data.dataset_info if i["config_name"] != "preview"]
    card.save(build / "README.md")
    write_checksums(BuildLayout(build))  # the shards changed on purpose: record them again

    pushed = run_cli("push", build, REPO, env={"HF_TOKEN": TOKEN})
    assert pushed.returncode == 0, pushed.stderr
    assert f"withheld: {len(media)} licensed" in pushed.stdout
    assert not [p for p in fake_hub.head_tree(REPO) if p.startswith("images/")]

    out = tmp_path / "pulled"
    assert run_cli("pull", REPO, out).returncode == 0
    mat = run_cli("materialize", out, "--raw", f"sample={raw}")
    assert mat.returncode == 0, mat.stderr
    for rel in media:
        assert (out / "images" / rel).read_bytes() == (build / "images" / rel).read_bytes(), rel
