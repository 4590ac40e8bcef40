"""`ladderdata train` and `ladderdata eval`: the SpatialLadder stages on a build, and held-out scoring.

torch/transformers/trl are imported inside the commands (extra `ladderdata[train]`), so the other
commands never need them.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer


class Stage(StrEnum):
    """`train --stage` values."""

    stage1 = "1"
    stage2 = "2"
    cold_start = "cold_start"
    stage3 = "3"
    all = "all"


class Split(StrEnum):
    """`eval --split` values."""

    heldout = "heldout"
    train = "train"
    all = "all"


class PromptStyle(StrEnum):
    """`eval --prompt` values."""

    direct = "direct"
    think = "think"


def _recipe(config: Path | None, overrides: dict[str, Any]):
    from ladderdata.train.recipe import load_recipe

    return load_recipe(config, {k: v for k, v in overrides.items() if v is not None})


def _console():
    from rich.console import Console

    return Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `train` and `eval` commands."""

    @app.command("train")
    def train(
        stage_choice: Stage = typer.Option(
            ..., "--stage", show_default=False, help="stage to run; all = 1, 2, cold_start, 3 chained"
        ),
        build: Path = typer.Option(
            ..., "--build", metavar="DIR", help="build folder (Parquet shards or spld_*.jsonl)"
        ),
        out: Path = typer.Option(
            ..., "--out", metavar="DIR", help="run folder; each stage writes <out>/<stage>/"
        ),
        model: str | None = typer.Option(
            None,
            "--model",
            metavar="DIR",
            help="local model folder to start from (default: the recipe's `model`)",
        ),
        config: Path | None = typer.Option(
            None,
            "--config",
            metavar="FILE",
            help="recipe YAML, e.g. manifests/train/cpu-smoke.yaml (default: paper recipe)",
        ),
        coldstart: Path | None = typer.Option(
            None,
            "--coldstart",
            metavar="FILE",
            help="cold-start JSONL (default: <build>/spld_coldstart_data.jsonl if present)",
        ),
        media_root: Path | None = typer.Option(
            None, "--media-root", metavar="DIR", help="image folder (default: <build>/images)"
        ),
        max_steps: int | None = typer.Option(
            None, "--max-steps", metavar="N", help="override every stage's max_steps"
        ),
    ) -> None:
        """Train Qwen2.5-VL on a build in the paper's stages (SFT 1, SFT 2, cold start, GRPO 3)."""
        from ladderdata.train.model_io import go_offline

        go_offline()
        stage = stage_choice.value
        overrides: dict[str, Any] = {}
        if max_steps is not None:
            for key in ("stage1", "stage2", "cold_start", "stage3"):
                overrides[f"{key}.max_steps"] = max_steps
        recipe = _recipe(config, overrides)
        from ladderdata.train.build_rows import BuildInput
        from ladderdata.train.stages import run_stages

        console = _console()
        results = run_stages(
            stage,
            BuildInput.open(build, media_root),
            model or recipe.model,
            out,
            recipe,
            coldstart=coldstart,
            log=lambda msg: console.print(msg, markup=False, highlight=False, soft_wrap=True),
        )
        from rich.table import Table

        table = Table(title=f"ladderdata train --stage {stage} ({recipe.name})")
        for column in ("stage", "rows", "steps", "first loss", "final loss", "seconds", "model"):
            table.add_column(column)
        for r in results:
            first = f"{r.losses[0]:.4f}" if r.losses else "n/a"
            final = f"{r.final_loss:.4f}" if r.final_loss is not None else "n/a"
            table.add_row(r.stage, str(r.rows), str(r.steps), first, final, f"{r.runtime_s:.1f}", r.model_out)
        console.print(table)

    @app.command("eval")
    def evaluate(
        model: Path = typer.Option(
            ..., "--model", metavar="DIR", help="local model folder (e.g. <run>/stage3)"
        ),
        build: Path = typer.Option(..., "--build", metavar="DIR", help="build folder"),
        split: Split = typer.Option(
            Split.heldout, "--split", help="rows to score (held-out scans by default)"
        ),
        prompt: PromptStyle = typer.Option(
            PromptStyle.direct, "--prompt", help="direct (after stage 2) or think (after stage 3)"
        ),
        out: Path | None = typer.Option(
            None, "--out", metavar="DIR", help="folder for eval_report.json + predictions.jsonl"
        ),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="recipe YAML (pixel budgets, held-out split)"
        ),
        heldout_fraction: float | None = typer.Option(
            None, "--heldout-fraction", metavar="F", help="override heldout.fraction"
        ),
        heldout_scans: Path | None = typer.Option(
            None, "--heldout-scans", metavar="FILE", help="held-out scan list file"
        ),
        media_root: Path | None = typer.Option(
            None, "--media-root", metavar="DIR", help="image folder (default: <build>/images)"
        ),
        limit: int | None = typer.Option(
            None, "--limit", metavar="N", help="at most N grounding and N spatial rows"
        ),
        max_new_tokens: int | None = typer.Option(
            None, "--max-new-tokens", metavar="N", help="generation budget per answer"
        ),
        batch_size: int = typer.Option(
            1, "--batch-size", metavar="N", min=1, help="prompts generated together"
        ),
    ) -> None:
        """Score a model on the held-out (scan-disjoint) rows of a build, per question type."""
        from ladderdata.train.model_io import check_model_dir, go_offline

        go_offline()
        check_model_dir(model)  # a missing model is the first thing to fix, before any build or split check
        recipe = _recipe(
            config,
            {
                "heldout.fraction": heldout_fraction,
                "heldout.scans_file": str(heldout_scans) if heldout_scans else None,
            },
        )
        from rich.table import Table

        from ladderdata.train.build_rows import BuildInput
        from ladderdata.train.evaluate import evaluate as run_eval

        console = _console()
        report = run_eval(
            model,
            BuildInput.open(build, media_root),
            recipe,
            split=split.value,
            style=prompt.value,
            out_dir=out,
            limit=limit,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
            log=lambda msg: console.print(msg, markup=False, highlight=False, soft_wrap=True),
        )
        table = Table(
            title=f"{report.split} split: {report.rows} rows, {report.scans} scans ({report.prompt_style})"
        )
        for column in ("question type", "metric", "n", "score"):
            table.add_column(column)
        for t in report.per_type:
            table.add_row(t.question_type, t.metric, str(t.n), f"{t.score:.4f}")
        table.add_row("macro mean", "", "", f"{report.macro:.4f}")
        console.print(table)
        if out is None:  # machine-readable report on stdout when no folder was given
            typer.echo(json.dumps(report.to_json(), indent=2))
