"""Orchestration of one build: plan the scans, run per-scan work on an executor, finalize.

```
plan_scans      sources -> scan ids (scan lists, `all`, exclusion lists, --limit-scans), sorted
prepare_output  refuse / --overwrite / --resume on the output folder
per scan        executor.imap_unordered(process_scan) -> record_outcome (spool + done marker)
finalize        Finalizer: validators, balance, re-letter, ids, Parquet/JSONL/card/meta
```
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderdata.config import BuildConfig, generated_families, read_scan_list
from ladderdata.errors import ConfigError
from ladderdata.executors import EXECUTORS, Executor
from ladderdata.generators.base import GENERATOR_VERSION
from ladderdata.pipeline import keys
from ladderdata.pipeline.finalize import Finalizer, FinalizeResult
from ladderdata.pipeline.lock import output_lock
from ladderdata.pipeline.plan import ScanPlan
from ladderdata.pipeline.progress import NullReporter, Reporter
from ladderdata.pipeline.scan_work import ScanTask, make_adapter, process_scan
from ladderdata.pipeline.state import is_done, prepare_output, record_outcome
from ladderdata.records import Family
from ladderdata.sources import SOURCES
from ladderdata.sources.base import scan_id_problem
from ladderdata.threads import thread_count
from ladderdata.validators.decontam import partition_scans, refuse_intersection
from ladderdata.writers.layout import BuildLayout


@dataclass
class BuildOptions:
    """Run options of `ladderdata build` that are not part of the recipe."""

    out: Path
    workers: int = 1
    resume: bool = False
    overwrite: bool = False
    strict: bool = False
    allow_short: bool = False
    limit_scans: int | None = None
    executor: str = "local"
    executor_options: dict[str, Any] = field(default_factory=dict)
    """Extra keyword arguments of the executor class (e.g. a Ray address)."""


@dataclass
class BuildSummary:
    """What a build did (the CLI prints it; tests read it)."""

    out: Path
    result: FinalizeResult
    scans_total: int
    scans_run: int
    scans_resumed: int
    seconds: dict[str, float]

    @property
    def stats(self) -> dict[str, Any]:
        """meta/stats.json content."""
        return self.result.stats


def plan_scans(config: BuildConfig, *, limit_scans: int | None = None) -> ScanPlan:
    """Scans to build, sorted by id: lists read, exclusions applied, `--limit-scans` taken last.

    A source with `scans: all` loses the scans on exclusion lists (counted); a source with an explicit
    scan list that names an excluded scan is refused.
    """
    exclusions = config.exclusion_sets()
    where = config.manifest_path or "manifest"
    plan = ScanPlan(scans=[])
    owner: dict[str, str] = {}
    for i, src in enumerate(config.sources):
        if src.kind != "sample" and not Path(src.root).is_dir():  # the sample is generated when missing
            raise ConfigError(
                f"{where}: sources[{i}].root: {src.root} not found; point it at {SOURCES[src.kind].root_hint}"
            )
        adapter = make_adapter(src)
        if src.scans == "all":
            ids = adapter.scan_ids()  # the bundled sample is generated here when missing
            plan.unlisted.update(adapter.skipped)
            kept, excluded = partition_scans(ids, exclusions)
            plan.excluded.update({s: (src.name, name) for s, name in excluded.items()})
        else:
            ids = read_scan_list(src.scans) if src.scan_list_file else list(src.scans)
            for sid in ids:
                problem = scan_id_problem(sid)
                if problem:
                    raise ConfigError(f"{where}: sources[{i}].scans: {problem}; use plain scan ids")
            refuse_intersection(f"{where}: sources[{i}].scans", ids, exclusions)
            if src.kind == "sample":
                adapter.scan_ids()  # generate the sample when missing, before workers read it
            kept = ids
        plan.listed[src.name] = len(ids)
        for sid in kept:
            if sid in owner:
                raise ConfigError(
                    f"{where}: scan {sid} is listed by sources {owner[sid]} and {src.name}; "
                    "scan ids must be unique across sources"
                )
            owner[sid] = src.name
            plan.scans.append((sid, src.name))
    plan.scans.sort()
    if limit_scans is not None:
        if limit_scans < 1:
            raise ConfigError(f"--limit-scans: must be >= 1 (got {limit_scans})")
        plan.limited_out = max(0, len(plan.scans) - limit_scans)
        plan.scans = plan.scans[:limit_scans]
    if not plan.scans:
        raise ConfigError(f"{where}: no scans to build (check the sources' roots, scan lists and exclusions)")
    return plan


def make_tasks(
    config: BuildConfig, plan: ScanPlan, layout: BuildLayout, families: list[Family], *, strict: bool
) -> tuple[list[ScanTask], str]:
    """One task per planned scan, and the build key (what `--resume` must match)."""
    generation = config.generation.model_dump(mode="json")
    fams = tuple(f.value for f in families)
    per_source: dict[str, tuple[dict[str, Any], str]] = {}
    templates = keys.tree_digest(config.generation.resolved_templates_dir())
    coldstart = config.coldstart.rows > 0
    for src in config.sources:
        src_dict = src.model_dump(mode="json")
        gkey = keys.generation_key(
            source_cfg=src_dict,
            generation=generation,
            families=list(fams),
            seed=config.seed,
            generator_version=GENERATOR_VERSION,
            templates=templates,
        )
        if coldstart:  # the spools then also hold trace facts
            gkey = keys.digest([gkey, "coldstart-facts"])
        per_source[src.name] = (src_dict, gkey)
    tasks = []
    strict_sources = {s.name for s in config.sources if s.on_error == "raise"}
    for scan_id, source in plan.scans:
        src_dict, gkey = per_source[source]
        tasks.append(
            ScanTask(
                scan_id=scan_id,
                source=src_dict,
                generation=generation,
                families=fams,
                seed=config.seed,
                strict=strict or source in strict_sources,
                strict_frames=strict,
                generation_key=gkey,
                scene_cache=str(layout.scene_record(scan_id)),
                scene_cache_key=str(layout.scene_key(scan_id)),
                coldstart=coldstart,
            )
        )
    build_key = keys.digest(sorted(gkey for _src, gkey in per_source.values()))
    return tasks, build_key


def run_build(
    config: BuildConfig,
    options: BuildOptions,
    *,
    reporter: Reporter | None = None,
    executor: Executor | None = None,
    overrides: dict[str, Any] | None = None,
) -> BuildSummary:
    """Build `config` into `options.out` (see module docstring)."""
    reporter = reporter or NullReporter()
    thread_count()  # a bad LADDERDATA_THREADS fails here, in one line, before any work
    layout = BuildLayout(Path(options.out))
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    generated = generated_families(config)
    written = config.families.enabled()
    plan = plan_scans(config, limit_scans=options.limit_scans)
    tasks, build_key = make_tasks(config, plan, layout, generated, strict=options.strict)
    with output_lock(layout):  # one build per folder: a second one is refused before touching it
        prepare_output(layout, resume=options.resume, overwrite=options.overwrite, build_key=build_key)
        seconds["plan"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        todo = [t for t in tasks if not is_done(layout, t)]
        reporter.start("scans", len(tasks))
        reporter.advance("scans", len(tasks) - len(todo))
        if todo:
            if executor is None:
                if options.executor not in EXECUTORS:
                    valid = ", ".join(sorted(EXECUTORS))
                    raise ConfigError(f"--executor: unknown executor {options.executor!r}; valid: {valid}")
                executor = EXECUTORS[options.executor](workers=options.workers, **options.executor_options)
            with executor:
                for outcome in executor.imap_unordered(process_scan, todo):
                    record_outcome(layout, outcome)
                    if outcome.error is not None:
                        reporter.note(f"skipped {outcome.scan_id}: {outcome.error}")
                    reporter.advance("scans")
        reporter.finish("scans")
        seconds["scans"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = Finalizer(
            config,
            layout,
            plan,
            generated=generated,
            written=written,
            allow_short=options.allow_short,
            reporter=reporter,
            overrides=overrides,
            build_key=build_key,
        ).run()
        seconds["finalize"] = time.perf_counter() - t0
        return BuildSummary(
            out=layout.root,
            result=result,
            scans_total=len(tasks),
            scans_run=len(todo),
            scans_resumed=len(tasks) - len(todo),
            seconds=seconds,
        )
