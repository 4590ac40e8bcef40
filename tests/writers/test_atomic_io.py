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
