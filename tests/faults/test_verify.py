"""`ladderdata verify`: shards, JSONL and images against meta/; audit and push run it first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.pipeline.helpers import run_cli


@pytest.fixture
def build(sample_build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "build"
    shutil.copytree(sample_build, out)
    return out


def _edit_an_answer(shard: Path) -> str:
    """Rewrite one numeric answer of a shard as a still valid Parquet file; returns the new answer."""
    table = pq.read_table(shard)
    answers = table.column("answer").to_pylist()
    i = next(k for k, a in enumerate(answers) if isinstance(a, str) and a.replace(".", "", 1).isdigit())
    answers[i] = "99.99"
    idx = table.schema.get_field_index("answer")
    table = table.set_column(
        idx, table.schema.field(idx), pa.array(answers, type=table.schema.field(idx).type)
    )
    pq.write_table(table, shard)
    return answers[i]


def test_a_fresh_build_verifies(build: Path) -> None:
    proc = run_cli("verify", build)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ") and "images checked" in proc.stdout


def test_a_changed_image_is_named_and_exit_1(build: Path) -> None:
    image = sorted((build / "images").rglob("*.jpg"))[0]
    data = bytearray(image.read_bytes())
    data[-100] ^= 0xFF
    image.write_bytes(bytes(data))
    proc = run_cli("verify", build)
    assert proc.returncode == 1
    assert f"mismatch: {image}: sha256" in proc.stderr


def test_an_edited_answer_in_a_valid_shard_is_caught(build: Path) -> None:
    shard = sorted((build / "data" / "single_image").glob("*.parquet"))[0]
    _edit_an_answer(shard)
    assert pq.read_table(shard).num_rows > 0  # still a readable shard
    proc = run_cli("verify", build)
    assert proc.returncode == 1
    assert f"mismatch: {shard}: sha256" in proc.stderr


@pytest.mark.parametrize("what", ["jsonl", "extra_shard", "missing_image", "extra_image"])
def test_other_tampering_is_caught(build: Path, what: str) -> None:
    if what == "jsonl":
        target = build / "spld_spatial_data.jsonl"
        target.write_text(target.read_text().replace('"answer"', '"answer" ', 1))
    elif what == "extra_shard":
        target = build / "data" / "single_image" / "train-00099.parquet"
        shutil.copyfile(sorted(target.parent.glob("*.parquet"))[0], target)
    elif what == "missing_image":
        target = sorted((build / "images").rglob("*.jpg"))[0]
        target.unlink()
    else:
        target = build / "images" / "scene9000_00" / "99999.jpg"
        shutil.copyfile(sorted((build / "images").rglob("*.jpg"))[0], target)
    proc = run_cli("verify", build)
    assert proc.returncode == 1
    assert str(target) in proc.stderr


def test_audit_and_push_refuse_a_tampered_build(build: Path) -> None:
    shard = sorted((build / "data" / "single_image").glob("*.parquet"))[0]
    _edit_an_answer(shard)
    audit = run_cli("audit", build, "--no-blind")
    assert audit.returncode == 1
    assert str(shard) in audit.stderr and "audit refused" in audit.stderr
    push = run_cli("push", build, "me/ds", "--dry-run")
    assert push.returncode == 1
    assert str(shard) in push.stderr and "push refused" in push.stderr
    assert len(push.stderr.strip().splitlines()) == 1


def test_a_build_without_checksums_fails_with_the_fix(build: Path) -> None:
    (build / "meta" / "checksums.json").unlink()
    proc = run_cli("verify", build)
    assert proc.returncode == 1
    assert "checksums.json: missing; rebuild with `ladderdata build --resume`" in proc.stderr
