"""`ladderdata generate`: render QA samples from scene records into one JSONL file for inspection.

Reads `BuildLayout(dir).scenes_dir/*.json` (or a folder of scene-record JSON files directly), runs the
requested family generators with a seed, writes every sample (`QASample` JSON, one per line, scenes in
scan-id order, families in registry order) atomically, and prints samples and refusals per family and
question type plus the generation throughput.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import typer

from ladderdata.errors import ConfigError, LadderDataError


def _scene_files(scenes: Path) -> list[Path]:
    from ladderdata.writers.layout import BuildLayout

    if not scenes.is_dir():
        raise LadderDataError.at(
            scenes, "not a directory", "pass a build directory or a folder of scene records"
        )
    folder = BuildLayout(scenes).scenes_dir
    if not folder.is_dir():
        folder = scenes
    files = sorted(folder.glob("*.json"))
    if not files:
        raise LadderDataError.at(
            folder, "holds no scene records (*.json)", "run `ladderdata scenes --out DIR` first"
        )
    return files


def _load_settings(path: Path | None):
    import yaml
    from pydantic import ValidationError

    from ladderdata.generators.settings import GenerationSettings

    if path is None:
        return GenerationSettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("generation"), dict):
            data = data["generation"]  # a whole manifest: take its generation block
        return GenerationSettings.model_validate(data)
    except OSError as err:
        raise ConfigError.at(path, f"cannot read settings ({err.strerror})", "check the path") from None
    except (yaml.YAMLError, ValidationError) as err:
        first = str(err).replace("\n", " ")
        raise ConfigError.at(path, f"invalid generation settings: {first}", "fix the listed key") from None


def _restrict_types(settings, families, types):
    """Settings with only `types` enabled (grounding rows follow the selected single-image types)."""
    from ladderdata.generators.settings import FAMILY_QUESTION_TYPES
    from ladderdata.records import Family, QuestionType

    enabled = {f"{f.value}/{qt.slug}": qt in types for f, qts in FAMILY_QUESTION_TYPES.items() for qt in qts}
    grounding = QuestionType.localization in types or any(
        qt in types for qt in FAMILY_QUESTION_TYPES[Family.single_image]
    )
    enabled[f"{Family.localization.value}/{QuestionType.localization.slug}"] = grounding
    if not any(enabled[f"{f.value}/{qt.slug}"] for f in families for qt in FAMILY_QUESTION_TYPES[f]):
        raise ConfigError(
            f"--type {', '.join(t.slug for t in types)}: none of the selected families "
            f"({', '.join(f.value for f in families)}) generates it"
        )
    return type(settings).model_validate(
        {**settings.model_dump(), "enabled": {**settings.enabled, **enabled}}
    )


def generate(
    scenes: Path = typer.Option(
        ...,
        "--scenes",
        help="build directory (reads its scenes/*.json) or a folder of scene-record JSON files",
    ),
    out: Path = typer.Option(
        ..., "--out", metavar="FILE.jsonl", help="JSONL file to write (one QASample per line)"
    ),
    family: list[str] = typer.Option(
        None,
        "--family",
        help="family to generate (repeatable; default: all): localization, single_image, multi_view, video",
    ),
    question_type: list[str] = typer.Option(
        None, "--type", help="only these question types (repeatable, snake_case, e.g. relative_direction)"
    ),
    seed: int = typer.Option(
        0, "--seed", metavar="SEED", min=0, help="generation seed (same seed -> identical file)"
    ),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="YAML of GenerationSettings (or a manifest with a `generation:` block)"
    ),
) -> None:
    """Render QA samples for scene records and write them to JSONL, with per-type counts and refusals."""
    from rich.console import Console
    from rich.table import Table

    from ladderdata.generators import GENERATORS
    from ladderdata.generators.settings import FAMILY_QUESTION_TYPES, parse_family
    from ladderdata.io import atomic_open
    from ladderdata.records import QuestionType, SceneRecord

    try:
        families = [parse_family(f) for f in (family or list(GENERATORS))]
        types = [QuestionType.from_slug(t) for t in (question_type or [])]
    except ValueError as err:
        raise ConfigError(f"{err}") from None
    settings = _load_settings(settings_file)
    if types:
        settings = _restrict_types(settings, families, types)
    generators = {f: GENERATORS[f.value](settings) for f in families}

    files = _scene_files(scenes)
    emitted: Counter[tuple[str, str]] = Counter()
    refused: Counter[tuple[str, str, str]] = Counter()
    total = 0
    gen_seconds = 0.0
    with atomic_open(out, "w") as fh:
        for path in files:
            try:
                scene = SceneRecord.model_validate_json(path.read_bytes())
            except ValueError as err:
                first = str(err).splitlines()[0]
                raise LadderDataError.at(
                    path, f"not a scene record ({first})", "regenerate it with `ladderdata scenes`"
                ) from None
            for fam, gen in generators.items():
                start = time.perf_counter()
                samples = gen.generate(scene, seed)
                gen_seconds += time.perf_counter() - start
                for s in samples:
                    fh.write(s.model_dump_json() + "\n")
                    emitted[(fam.value, s.question_type.value)] += 1
                total += len(samples)
    for fam, gen in generators.items():
        for (qt, reason), n in gen.counts.items():
            refused[(fam.value, qt, reason)] += n

    console = Console()
    table = Table(title=f"ladderdata generate: {len(files)} scene(s), seed {seed}")
    table.add_column("family")
    table.add_column("question type")
    table.add_column("samples", justify="right")
    table.add_column("refused (reason: count)")
    for fam in families:
        for qt in FAMILY_QUESTION_TYPES[fam]:
            if not settings.is_enabled(fam, qt):
                continue
            reasons = sorted(((r, n) for (f, q, r), n in refused.items() if f == fam.value and q == qt.value))
            table.add_row(
                fam.value,
                qt.value,
                str(emitted[(fam.value, qt.value)]),
                ", ".join(f"{r}: {n}" for r, n in reasons) or "-",
            )
    console.print(table)
    rate = total / gen_seconds if gen_seconds > 0 else 0.0
    console.print(f"wrote {total} samples to {out} ({rate:,.0f} samples/s of generation)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `generate` command."""
    app.command("generate")(generate)
