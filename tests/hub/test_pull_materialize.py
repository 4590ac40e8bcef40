"""`ladderdata pull` and `ladderdata materialize`: a pushed build round-trips, images rebuilt from raw."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ladderdata.errors import HubError
from ladderdata.hub.materialize import materialize
from ladderdata.records import SCHEMA_VERSION
from tests.hub.conftest import REPO, TOKEN, assert_no_token
from tests.hub.handmade import PUBLISHED, SCANS

AUTH = {"HF_TOKEN": TOKEN}
IMAGES = sorted(p.removeprefix("images/") for p in PUBLISHED if p.startswith("images/"))


def _image_bytes(root: Path) -> dict[str, bytes]:
    return {rel: (root / "images" / rel).read_bytes() for rel in IMAGES if (root / "images" / rel).is_file()}


def test_licensed_push_pull_materialize_reproduces_images_byte_for_byte(
    licensed_build, fake_hub, run_cli, tmp_path
):
    original = _image_bytes(licensed_build.root)
    assert len(original) == 5
    assert run_cli("push", licensed_build.root, REPO, env=AUTH).returncode == 0

    out = tmp_path / "pulled"
    pulled = run_cli("pull", REPO, out)
    assert pulled.returncode == 0, pulled.stderr
    assert "5 of 5 images are not in the repo" in pulled.stdout
    assert "ladderdata materialize" in pulled.stdout
    for rel in PUBLISHED:
        if not rel.startswith("images/"):
            assert (out / rel).read_bytes() == (licensed_build.root / rel).read_bytes(), rel
    assert _image_bytes(out) == {}

    mat = run_cli("materialize", out, "--raw", licensed_build.raw)
    assert mat.returncode == 0, mat.stderr
    assert "5 written" in mat.stdout
    assert _image_bytes(out) == original
    assert not list((out / "images").rglob("*.tmp"))

    again = run_cli("materialize", out, "--raw", licensed_build.raw)
    assert again.returncode == 0
    assert "0 written, 5 already present" in again.stdout


def test_pulled_build_loads_with_datasets(copy_build, fake_hub, run_cli, tmp_path):
    from datasets import load_dataset

    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    out = tmp_path / "pulled"
    assert run_cli("pull", REPO, out).returncode == 0
    assert _image_bytes(out) == _image_bytes(copy_build.root)  # unlicensed media travels with the build
    grounding = load_dataset(str(out), "grounding", split="train", cache_dir=str(tmp_path / "ds_cache"))
    spatial = load_dataset(str(out), "spatial", split="train", cache_dir=str(tmp_path / "ds_cache"))
    assert grounding["question"] == ["Locate the chair.", "Locate the table."]
    assert grounding[0]["answer"] == [{"bbox_2d": [1, 2, 10, 12], "label": "chair"}]
    assert sorted(spatial["question_id"]) == [1, 2, 3, 4]
    for row in spatial:
        for image in row["image"]:
            assert (out / "images" / image).is_file()


def test_pull_at_tag_and_into_earlier_pull(copy_build, fake_hub, run_cli, tmp_path):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    out = tmp_path / "pulled"
    assert run_cli("pull", REPO, out, "--revision", f"schema-v{SCHEMA_VERSION}").returncode == 0
    assert (out / "README.md").read_bytes() == (copy_build.root / "README.md").read_bytes()
    again = run_cli("pull", REPO, out)  # an earlier pull may be refreshed in place
    assert again.returncode == 0, again.stderr


def test_pull_refuses_an_unrelated_non_empty_folder(copy_build, fake_hub, run_cli, tmp_path):
    assert run_cli("push", copy_build.root, REPO, env=AUTH).returncode == 0
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    proc = run_cli("pull", REPO, out)
    assert proc.returncode == 2
    assert "not empty" in proc.stderr
    assert (out / "notes.txt").read_text() == "keep me"


def test_private_repo_pull_needs_the_token_and_never_prints_it(copy_build, fake_hub, run_cli, tmp_path):
    assert run_cli("push", copy_build.root, REPO, "--private", env=AUTH).returncode == 0
    anonymous = run_cli("pull", REPO, tmp_path / "anon")
    assert anonymous.returncode == 2
    assert "not found or not accessible" in anonymous.stderr
    with_token = run_cli("pull", REPO, tmp_path / "ok", "--token", TOKEN)
    assert with_token.returncode == 0, with_token.stderr
    assert_no_token(with_token)
    assert (tmp_path / "ok" / "meta" / "media.json").is_file()


def test_missing_scans_are_reported_one_line_each(reference_build, run_cli):
    shutil.rmtree(reference_build.raw / "export" / "scene0002_00")
    proc = run_cli("materialize", reference_build.root, "--raw", reference_build.raw)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("missing scan")]
    expected = reference_build.raw / "export" / "scene0002_00" / "color" / "0.jpg"
    assert lines == [
        f"missing scan scene0002_00 (source scannet): expected {expected} (+1 more frames of this scan)"
    ]
    assert "1 scans missing" in proc.stderr
    # the scans that are there were still materialized
    written = _image_bytes(reference_build.root)
    assert sorted(written) == [f"scene0001_00/{f}.jpg" for f in sorted(SCANS["scene0001_00"], key=str)]


def test_in_place_export_under_scans_is_found(reference_build):
    raw = reference_build.raw
    originals = {rel: src.read_bytes() for rel, src in reference_build.images.items()}
    (raw / "scans").mkdir()
    for scan in SCANS:
        shutil.move(raw / "export" / scan, raw / "scans" / scan)
    result = materialize(reference_build.root, [str(raw)], report=lambda _: None)
    assert result.ok and result.written == 5
    assert _image_bytes(reference_build.root) == originals


def test_a_raw_file_that_differs_is_not_written(reference_build, run_cli):
    victim = reference_build.raw / "export" / "scene0001_00" / "color" / "10.jpg"
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF  # same size, different bytes
    victim.write_bytes(bytes(data))
    proc = run_cli("materialize", reference_build.root, "--raw", reference_build.raw)
    assert proc.returncode == 2
    assert "checksum mismatch" in proc.stderr and "scene0001_00/10.jpg" in proc.stderr
    assert not (reference_build.root / "images" / "scene0001_00" / "10.jpg").exists()
    assert len(_image_bytes(reference_build.root)) == 4
    assert not [p for p in (reference_build.root / "images").rglob("*") if p.name.startswith(".")]


def test_a_corrupt_image_in_the_build_is_replaced(copy_build):
    target = copy_build.root / "images" / "scene0001_00" / "0.jpg"
    target.write_bytes(b"not a jpeg")
    result = materialize(copy_build.root, [str(copy_build.raw)], report=lambda _: None)
    assert result.ok and result.written == 1 and result.present == 4
    assert target.read_bytes() == copy_build.images["scene0001_00/0.jpg"].read_bytes()


def test_per_source_raw_roots(reference_build, tmp_path):
    with pytest.raises(HubError, match="unknown source 'sample'; this build's sources: scannet"):
        materialize(reference_build.root, [f"sample={reference_build.raw}"], report=lambda _: None)
    result = materialize(reference_build.root, [f"scannet={reference_build.raw}"], report=lambda _: None)
    assert result.ok and result.written == 5


def test_materialize_without_media_json_says_what_is_wrong(tmp_path, run_cli):
    (tmp_path / "notabuild").mkdir()
    proc = run_cli("materialize", tmp_path / "notabuild", "--raw", tmp_path)
    assert proc.returncode == 2
    assert "media.json" in proc.stderr and "missing" in proc.stderr
