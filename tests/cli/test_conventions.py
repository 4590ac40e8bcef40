"""CLI conventions, through the real entry point: --version, help without type tags, choices for fixed
sets, the README's command table, exit codes (0 done, 1 a check failed, 2 bad usage or input), and the
errors that used to mislead (pull offline or given a folder, eval of a missing model)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ladderdata import __version__
from tests.fixtures.build import REPO


def cli(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ladderdata.cli.app", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def registered_commands() -> list[str]:
    from typer.main import get_command

    from ladderdata.cli.app import app

    return sorted(get_command(app).commands)


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"ladderdata {__version__}"


def test_every_command_is_in_the_readme_table_and_its_help_has_no_type_tags():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    documented = sorted(set(re.findall(r"^\| `ladderdata ([a-z]+)", table, re.M)))
    assert documented == registered_commands()
    for command in [None, *registered_commands()]:
        proc = cli(*([command] if command else []), "--help")
        assert proc.returncode == 0, (command, proc.stderr)
        assert not re.search(r"<(bool|str|text|int|float|path|int range|float range)>", proc.stdout), command


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (("train", "--stage", "4", "--build", "b", "--out", "o"), "'1', '2', 'cold_start', '3', 'all'"),
        (("eval", "--model", "m", "--build", "b", "--split", "test"), "'heldout', 'train', 'all'"),
        (("eval", "--model", "m", "--build", "b", "--prompt", "cot"), "'direct', 'think'"),
        (("scenes", "--source", "arkit"), "'sample', 'scannet'"),
    ],
)
def test_fixed_sets_are_choices_and_a_wrong_one_is_a_usage_error(args, choices):
    proc = cli(*args)
    assert proc.returncode == 2
    assert choices in proc.stderr


def test_bad_usage_and_bad_input_exit_2_with_one_line(tmp_path):
    assert cli("build", "--no-such-flag").returncode == 2
    proc = cli("build", "--manifest", tmp_path / "missing.yaml")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.strip().count("\n") == 0
    assert "missing.yaml" in proc.stderr


def _skewed_jsonl(path: Path, rows: int = 30) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            row = {
                "question_id": i,
                "question": f"Is the chair {i} to the left or the right of the table?",
                "options": ["A. left", "B. right"],
                "answer": "A",  # always A: the letter check must fail
                "image": [f"scene{i % 10:04d}_00/{i}.jpg"],
                "question_type": "relative direction",
                "data_type": "single_image",
            }
            fh.write(json.dumps(row) + "\n")
    return path


def test_a_failed_check_exits_1_and_prints_each_violation_once(tmp_path):
    jsonl = _skewed_jsonl(tmp_path / "spld_spatial_data.jsonl")
    proc = cli("audit", jsonl, "--no-blind", "--fail-on-skew")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith(("letter_tolerance: ", "max_scan_share: ")) for line in lines)
    for line in lines:
        assert line not in proc.stdout  # stdout only says how many, the lines go to stderr once
    assert f"{len(lines)} threshold violation(s), listed on stderr" in proc.stdout
    assert cli("audit", jsonl, "--no-blind").returncode == 0  # the same audit without the check


def test_pull_of_a_local_folder_says_so(tmp_path):
    proc = cli("pull", tmp_path, tmp_path / "out")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {tmp_path}: a local path, not a Hub repo id; `pull` downloads from the Hub: pass "
        f"NAMESPACE/NAME, or use a local build folder directly (e.g. `ladderdata audit {tmp_path}`, or copy it)"
    )
    assert "datasets/" not in proc.stderr and "HF_ENDPOINT" not in proc.stderr


def test_pull_without_a_network_names_the_network(tmp_path):
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf"), "HF_TOKEN": ""}
    proc = cli("pull", "my-user/spatialladder-sample", tmp_path / "out", env=env)
    assert proc.returncode == 2
    assert "cannot reach the Hub at http://127.0.0.1:9" in proc.stderr
    assert "check the network connection" in proc.stderr
    assert "still writing" not in proc.stderr  # the old, misleading "local file" advice


def test_eval_of_a_missing_model_names_the_model(tmp_path):
    proc = cli("eval", "--model", tmp_path / "nope", "--build", tmp_path / "no-build")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {tmp_path / 'nope'}: no local model here (config.json missing)")
    assert "held-out" not in proc.stderr and "heldout" not in proc.stderr


def test_bench_run_answers_help_without_benchmarking():
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: python -m bench.run") and "BENCH_SIZES" in proc.stdout
    assert proc.stderr == ""  # the benchmark logs its progress on stderr: nothing ran


def test_readme_documents_the_exit_codes():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ("0", "1", "2", "130", "143"):
        assert re.search(rf"^\| `{code}` \|", section, re.M), code
