"""Atomic writes: the file appears whole, with normal permissions, and a failed write leaves no trace."""

from __future__ import annotations

import os
import stat

import pytest

from ladderdata.io import atomic_open, write_json_atomic, write_text_atomic


def test_written_file_has_umask_permissions_not_mkstemp_0600(tmp_path):
    target = tmp_path / "out" / "card.md"
    write_text_atomic(target, "hello\n")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert target.read_text(encoding="utf-8") == "hello\n"


def test_failed_write_keeps_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "stats.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write('{"half": ')
        raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == '{\n  "a": 1\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stats.json"]


def test_batch_renames_every_file_at_the_end_or_none_on_error(tmp_path):
    from ladderdata.io import AtomicBatch

    old = tmp_path / "a" / "1.jpg"
    old.parent.mkdir()
    old.write_bytes(b"old")
    with AtomicBatch() as batch:
        batch.write(old, b"new one")
        batch.write(tmp_path / "b" / "2.jpg", b"two")
        assert old.read_bytes() == b"old" and not (tmp_path / "b" / "2.jpg").exists()  # not yet
    assert old.read_bytes() == b"new one" and (tmp_path / "b" / "2.jpg").read_bytes() == b"two"
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(old.stat().st_mode) == 0o666 & ~mask

    with pytest.raises(RuntimeError), AtomicBatch() as batch:
        batch.write(old, b"newer")
        batch.write(tmp_path / "c" / "3.jpg", b"three")
        raise RuntimeError("killed mid-copy")
    assert old.read_bytes() == b"new one"
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "a/1.jpg",
        "b/2.jpg",
    ]
