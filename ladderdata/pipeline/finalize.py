"""The single deterministic finalize: spools -> validators -> balance -> re-letter -> ids -> writers.

Pass 1 reads the per-scan spools in sorted scan order and runs the streaming validators (schema, answer
re-check, decontamination, duplicates); surviving rows go, as their original JSON lines, to one
candidate file per family, and only their light `Candidate` keys stay in memory. The balance validator
then picks rows per (family, question type). Pass 2 streams each family's candidates in the final order
(single-image, multi-view, video, then localization), re-letters every MCQ with one build-wide
`LetterBalancer`, assigns sequential `question_id`s (a localization row takes its linked single-image
row's id, and is written in id order) and hands rows to the writers, which hold at most one shard.

Last the metadata: media, meta/stats.json (`pipeline.stats.BuildStats`, from the done markers and the
stages' counts), meta/manifest.json, meta/info.json, the card and the checksums.

Nothing here depends on how many workers produced the spools, so the output bytes do not either.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ladderdata import __version__
from ladderdata.config import PROJECT_ROOT, BuildConfig
from ladderdata.errors import ValidationError
from ladderdata.generators.base import GENERATOR_VERSION
from ladderdata.generators.letters import LetterBalancer, reletter
from ladderdata.io import write_json_atomic, write_text_atomic
from ladderdata.pipeline.coldstart import ColdstartBuilder, remove_outputs
from ladderdata.pipeline.plan import ScanPlan
from ladderdata.pipeline.progress import NullReporter, Reporter
from ladderdata.pipeline.scan_work import colour_reader
from ladderdata.pipeline.state import ScanMarker, read_marker
from ladderdata.pipeline.stats import BuildStats, ScanTotals
from ladderdata.records import FAMILY_ORDER, Family, QASample
from ladderdata.validators import row_validators
from ladderdata.validators.balance import BalancePlan, BalanceTally, BalanceValidator, Candidate
from ladderdata.validators.base import RowValidator
from ladderdata.validators.decontam import verify_clean
from ladderdata.validators.meaning_balance import meaning_counts_json
from ladderdata.writers.card import render_card
from ladderdata.writers.checksums import write_checksums
from ladderdata.writers.info import SPATIAL_FAMILIES, build_info
from ladderdata.writers.jsonl import DroppedLog, PublishedJsonlWriter
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.media import MediaEntry, write_media
from ladderdata.writers.parquet import ParquetShardWriter, ShardInfo
from ladderdata.writers.preview import write_preview


@dataclass
class Written:
    """What pass 2 wrote: rows per family and type, shards, and the tallies meta/ reports."""

    counts: dict[Family, dict[str, int]]
    shards: dict[Family, list[ShardInfo]]
    jsonl_rows: dict[str, int]
    used_images: dict[str, set[str]]
    """Scan -> published image paths the written rows use."""
    max_buffered: int
    question_ids: dict[str, int | None]
    letters: dict[str, dict[str, int]]
    meanings: dict[str, Any]
    coldstart: dict[str, Any] | None = None
    """The cold-start stats entry (None when the manifest asks for no cold-start rows)."""


@dataclass
class FinalizeResult:
    """What finalize wrote, for the CLI summary and the tests."""

    stats: dict[str, Any]
    run: dict[str, int]
    """Facts about this run (cached scene records reused, images copied), not part of meta/."""
    max_buffered_rows: int
    shortfalls: list[dict[str, Any]]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _iter_spool(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


class Finalizer:
    """One finalize run over a build directory (see module docstring)."""

    def __init__(
        self,
        config: BuildConfig,
        layout: BuildLayout,
        plan: ScanPlan,
        *,
        generated: list[Family],
        written: list[Family],
        allow_short: bool = False,
        reporter: Reporter | None = None,
        overrides: dict[str, Any] | None = None,
        build_key: str = "",
    ) -> None:
        self.config = config
        self.layout = layout
        self.plan = plan
        self.generated = [f for f in FAMILY_ORDER if f in generated]
        self.written = [f for f in FAMILY_ORDER if f in written]
        self.rows_per_source: Counter[tuple[str, str]] = Counter()
        """(source kind, family) -> rows kept, for the card of a mixed build."""
        self.allow_short = allow_short
        self.reporter = reporter or NullReporter()
        self.overrides = overrides or {}
        self.build_key = build_key
        self.exclusions = config.exclusion_sets()

    # ------------------------------------------------------------------ entry point
    def run(self) -> FinalizeResult:
        """Validate, balance and write everything; raises ValidationError on unmet quotas/balance."""
        layout = self.layout
        for stale in (layout.dropped_dir, layout.candidates(Family.single_image).parent):
            if stale.is_dir():
                for p in stale.iterdir():
                    p.unlink()
        dropped = DroppedLog(layout)
        coldstart: ColdstartBuilder | None = None
        try:
            markers = self._markers()
            self._log_scan_drops(dropped, markers)
            validators, candidates, offsets = self._pass1(dropped, markers)
            shares = {s.kind: s.quota_share for s in self.config.sources if s.quota_share is not None}
            balancer = BalanceValidator(self.config.families, self.config.balance, self.config.seed, shares)
            plan = balancer.plan(candidates, self.written)
            self.rows_per_source = Counter(
                (c.source, fam.value)
                for fam in self.written
                for c in candidates.get(fam, ())
                if c.index in plan.selected.get(fam, set())
            )
            plan.raise_if_short(allow_short=self.allow_short, where=str(layout.root))
            coldstart = self._coldstart(dropped)
            if coldstart is not None:
                coldstart.select(candidates, plan, self.written)
            written = self._pass2(dropped, plan, offsets, coldstart)
            if coldstart is not None:
                written.coldstart = coldstart.close()
                written.max_buffered = max(written.max_buffered, coldstart.max_buffered_rows)
        except BaseException as exc:
            if coldstart is not None:
                coldstart.abort(exc)
            dropped.abort(exc)
            raise
        dropped_rows = dropped.close()
        return self._write_meta(markers, validators, plan, written, dropped_rows)

    def _coldstart(self, dropped: DroppedLog) -> ColdstartBuilder | None:
        """The cold-start builder when the manifest asks for rows (else earlier outputs are removed)."""
        cfg = self.config
        if cfg.coldstart.rows == 0 or not any(f in self.written for f in SPATIAL_FAMILIES):
            remove_outputs(self.layout)
            return None
        templates = cfg.generation.resolved_templates_dir()
        return ColdstartBuilder(cfg.coldstart, self.layout, cfg.seed, templates, dropped, cfg.output)

    # ------------------------------------------------------------------ scans
    def _markers(self) -> dict[str, ScanMarker]:
        markers = {}
        for scan_id, _source in self.plan.scans:
            marker = read_marker(self.layout, scan_id)
            if marker is None:
                raise ValidationError(
                    f"{self.layout.scan_done_marker(scan_id)}: scan not finished; rerun with --resume"
                )
            markers[scan_id] = marker
        return markers

    def _log_scan_drops(self, dropped: DroppedLog, markers: dict[str, ScanMarker]) -> None:
        for scan_id, (source, list_name) in sorted(self.plan.excluded.items()):
            dropped.write("decontam", f"excluded:{list_name}", {"scan_id": scan_id, "source": source})
        for scan_id, marker in markers.items():
            if not marker.ok:
                dropped.write(
                    "sources",
                    "source_error",
                    {"scan_id": scan_id, "source": marker.source, "error": marker.error},
                )

    # ------------------------------------------------------------------ pass 1
    def _pass1(
        self, dropped: DroppedLog, markers: dict[str, ScanMarker]
    ) -> tuple[list[RowValidator], dict[Family, list[Candidate]], dict[Family, list[int]]]:
        validators = row_validators(self.exclusions)
        candidates: dict[Family, list[Candidate]] = {f: [] for f in self.generated}
        offsets: dict[Family, list[int]] = {f: [] for f in self.generated}
        files: dict[Family, BinaryIO] = {}
        self.reporter.start("validate", len(markers))
        try:
            for f in self.generated:
                path = self.layout.candidates(f)
                path.parent.mkdir(parents=True, exist_ok=True)
                files[f] = open(path, "wb")  # noqa: SIM115 - closed in finally
            for scan_id, marker in markers.items():
                if marker.ok:
                    for lineno, line in enumerate(_iter_spool(self.layout.scan_spool(scan_id)), 1):
                        self._validate_line(
                            scan_id, lineno, line, validators, dropped, candidates, offsets, files
                        )
                self.reporter.advance("validate")
        finally:
            for fh in files.values():
                fh.close()
        self.reporter.finish("validate")
        return validators, candidates, offsets

    def _validate_line(
        self,
        scan_id: str,
        lineno: int,
        line: bytes,
        validators: list[RowValidator],
        dropped: DroppedLog,
        candidates: dict[Family, list[Candidate]],
        offsets: dict[Family, list[int]],
        files: dict[Family, BinaryIO],
    ) -> None:
        schema = validators[0]  # ROW_STAGES starts with the schema check: it counts unparsable rows too
        try:
            sample = QASample.model_validate_json(line)
        except ValueError as err:
            schema.counts.drop("unparsable")
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            dropped.write("schema", "unparsable", {"scan_id": scan_id, "line": lineno, "error": first})
            return
        if sample.family not in candidates:
            schema.counts.drop("family_not_built")
            dropped.write_sample("schema", "family_not_built", sample)
            return
        for v in validators:
            reason = v(sample)
            if reason is not None:
                dropped.write_sample(v.stage, reason, sample)
                return
        fam = sample.family
        candidates[fam].append(Candidate.from_sample(len(candidates[fam]), sample))
        offsets[fam].append(files[fam].tell())
        files[fam].write(line)

    # ------------------------------------------------------------------ pass 2
    def _pass2(
        self,
        dropped: DroppedLog,
        plan: BalancePlan,
        offsets: dict[Family, list[int]],
        coldstart: ColdstartBuilder | None = None,
    ) -> Written:
        cfg = self.config
        layout = self.layout
        letters = LetterBalancer()
        tally = BalanceTally()
        jsonl = PublishedJsonlWriter(layout)
        counts: dict[Family, Counter[str]] = defaultdict(Counter)
        shards: dict[Family, list[ShardInfo]] = {}
        used_images: dict[str, set[str]] = defaultdict(set)
        scene_ids: set[str] = set()
        links: dict[str, tuple[int, str, tuple[str, ...]]] = {}
        max_buffered = 0
        next_id = 0
        total = sum(len(v) for v in offsets.values())
        self.reporter.start("write", total)
        try:
            for family in self.generated:
                write = family in self.written
                writer = (
                    ParquetShardWriter(
                        layout,
                        family,
                        rows_per_shard=cfg.output.rows_per_shard,
                        row_group_size=cfg.output.row_group_size,
                        compression=cfg.output.compression,
                    )
                    if write
                    else None
                )

                def emit(sample: QASample, family: Family = family, writer: Any = writer) -> None:
                    tally.add(sample)
                    writer.write(sample)
                    jsonl.write(sample)
                    counts[family][sample.question_type.value] += 1
                    for rel in sample.image:
                        used_images[sample.scene_id].add(rel)
                    scene_ids.add(sample.scene_id)
                    if coldstart is not None and family in SPATIAL_FAMILIES:
                        coldstart.add(sample)

                path = layout.candidates(family)
                if family != Family.localization:
                    for idx, line in enumerate(_iter_spool(path)):
                        self.reporter.advance("write")
                        sample = QASample.model_validate_json(line)
                        reason = plan.reason(family, idx)
                        if reason is not None:
                            if write:
                                dropped.write_sample("balance", reason, sample)
                            continue
                        sample = reletter(sample, letters)
                        sample.question_id = next_id
                        next_id += 1
                        if family == Family.single_image:
                            links[sample.sample_id] = (
                                sample.question_id,
                                sample.question,
                                tuple(sample.image),
                            )
                        if write:
                            emit(sample)
                else:
                    chosen: list[tuple[int, int]] = []
                    for idx, line in enumerate(_iter_spool(path)):
                        self.reporter.advance("write")
                        reason = plan.reason(family, idx)
                        if reason is not None:
                            dropped.write_sample("balance", reason, QASample.model_validate_json(line))
                            continue
                        sample = QASample.model_validate_json(line)
                        qid = links[sample.linked_sample_id][0]  # type: ignore[index]
                        chosen.append((qid, offsets[family][idx]))
                    chosen.sort()
                    with open(path, "rb") as fh:
                        for qid, offset in chosen:
                            fh.seek(offset)
                            sample = QASample.model_validate_json(fh.readline())
                            _, question, image = links[sample.linked_sample_id]  # type: ignore[index]
                            if sample.question != question or tuple(sample.image) != image:
                                raise ValidationError(
                                    f"{path}: localization sample {sample.sample_id} differs from its linked "
                                    f"single-image question {sample.linked_sample_id} in question or image; "
                                    "fix the localization generator"
                                )
                            sample.question_id = qid
                            emit(sample)
                if writer is not None:
                    shards[family] = writer.close()
                    max_buffered = max(max_buffered, writer.max_buffered_rows)
        except BaseException as exc:
            jsonl.abort(exc)
            raise
        self.reporter.finish("write")
        want_grounding = Family.localization in self.written
        want_spatial = any(f in self.written for f in SPATIAL_FAMILIES)
        jsonl_rows = jsonl.close(grounding=want_grounding, spatial=want_spatial)
        for wanted, path in ((want_grounding, layout.grounding_jsonl), (want_spatial, layout.spatial_jsonl)):
            if not wanted and path.exists():
                path.unlink()
        tally.verify(cfg.balance, where=str(layout.root))
        verify_clean(scene_ids, self.exclusions)
        return Written(
            counts={f: dict(sorted(c.items())) for f, c in counts.items()},
            shards=shards,
            jsonl_rows=jsonl_rows,
            used_images=used_images,
            max_buffered=max_buffered,
            question_ids={"first": 0 if next_id else None, "last": next_id - 1 if next_id else None},
            letters={
                f"{qt.value}|{k}": dict(sorted(c.items()))
                for (qt, k), c in sorted(tally.letters.items(), key=lambda kv: (kv[0][0].value, kv[0][1]))
            },
            meanings=meaning_counts_json(tally.meanings),
        )

    # ------------------------------------------------------------------ metadata
    def _media_entries(self, used: dict[str, set[str]]) -> dict[str, MediaEntry]:
        entries: dict[str, MediaEntry] = {}
        for scan_id in sorted(used):
            data = json.loads(self.layout.scan_media(scan_id).read_text(encoding="utf-8"))
            for rel in sorted(used[scan_id]):
                entries[rel] = MediaEntry.from_dict(data[rel])
        return entries

    def _write_clips(self, entries: dict[str, MediaEntry], source_roots: dict[str, Any]) -> None:
        """`media.video_clips`: the clips of the scans whose video rows show decoded frames."""
        from ladderdata.records import SceneRecord
        from ladderdata.writers.clips import write_clips

        scans = {e.scan_id: e.source for e in entries.values() if e.video_frame is not None}
        scenes = {
            scan: (
                SceneRecord.model_validate_json(self.layout.scene_record(scan).read_bytes()),
                Path(source_roots[source]),
            )
            for scan, source in scans.items()
        }
        write_clips(self.layout, scenes, self.config.generation.video_fps)

    def _write_meta(
        self,
        markers: dict[str, ScanMarker],
        validators: list[RowValidator],
        plan: BalancePlan,
        written: Written,
        dropped_rows: dict[str, int],
    ) -> FinalizeResult:
        cfg = self.config
        layout = self.layout
        policy = cfg.media_policy()
        entries = self._media_entries(written.used_images)
        source_roots = {s.name: s.root for s in cfg.sources}
        self.reporter.start("media", len(entries) if policy == "copy" else 0)
        media = write_media(
            layout,
            policy,
            entries,
            source_roots,
            on_copy=lambda n: self.reporter.advance("media", n),
            read_unfiled=colour_reader(cfg.sources),
        )
        self.reporter.finish("media")
        if cfg.media.video_clips and policy == "copy":
            self._write_clips(entries, source_roots)
        # the preview embeds pixels, so only where they may be redistributed (and were copied)
        redistributable = policy == "copy" and not any(s.licensed for s in cfg.sources)
        layout.preview_shard.unlink(missing_ok=True)
        preview_rows = write_preview(layout, cfg.output.preview_rows) if redistributable else 0

        scans = ScanTotals.merge(markers.values())
        stats = BuildStats(
            plan=self.plan,
            scans=scans,
            stages={v.stage: v.counts for v in validators} | {plan.counts.stage: plan.counts},
            balance=plan,
            families=cfg.families,
            written=self.written,
            kept=written.counts,
            shards=written.shards,
            dropped_files=dropped_rows,
            letters=written.letters,
            meanings=written.meanings,
            media=media,
            rows_per_shard=cfg.output.rows_per_shard,
            max_buffered_rows=written.max_buffered,
            coldstart=written.coldstart,
        )
        stats_json = stats.to_json()
        write_json_atomic(layout.stats_json, stats_json)
        write_json_atomic(layout.manifest_json, self._manifest(markers))
        write_json_atomic(
            layout.info_json,
            build_info(
                layout=layout,
                name=cfg.name,
                seed=cfg.seed,
                media_policy=policy,
                families=self.written,
                shards=written.shards,
                counts=written.counts,
                jsonl_rows=written.jsonl_rows,
                question_ids=written.question_ids,
                coldstart=written.coldstart,
            ),
        )
        card = render_card(
            config=cfg,
            layout=layout,
            families=self.written,
            counts=written.counts,
            stages=stats_json["stages"],
            scans_per_source=Counter(src for _scan, src in self.plan.scans),
            exclusions={name: len(ids) for name, ids in self.exclusions.items()},
            media_policy=policy,
            images=len(entries),
            faults=stats_json["faults"],
            meanings=written.meanings,
            meaning_notes=[n.describe() for n in plan.meaning_notes],
            rows_per_source=self.rows_per_source,
        )
        write_text_atomic(layout.card, card)
        write_checksums(layout)  # last: `ladderdata verify` checks the files against it
        # facts about this run rather than the dataset stay out of meta/ (which is byte-stable)
        run = {
            "scene_cache_reused": scans.reused,
            "images_copied": media["copied"],
            "images_reused": media["reused"],
            "preview_rows": preview_rows,
        }
        write_json_atomic(layout.last_run, run)
        return FinalizeResult(
            run=run,
            stats=stats_json,
            max_buffered_rows=written.max_buffered,
            shortfalls=stats_json["shortfalls"],
        )

    def _manifest(self, markers: dict[str, ScanMarker]) -> dict[str, Any]:
        """meta/manifest.json: the recipe, the code version and each source's scans with checksums."""
        cfg = self.config
        sources_meta: dict[str, Any] = {}
        for s in cfg.sources:
            sources_meta[s.name] = {
                "kind": s.kind,
                "root": str(s.root),
                "licensed": s.licensed,
                "licence": s.licence.name,
                "scans": {
                    scan: markers[scan].checksum
                    for scan, src in self.plan.scans
                    if src == s.name and markers[scan].ok
                },
            }
        return _portable_paths(
            {
                "name": cfg.name,
                "manifest": str(cfg.manifest_path) if cfg.manifest_path else None,
                "config": cfg.model_dump(mode="json", exclude={"manifest_path"}),
                "overrides": self.overrides,
                "build_key": self.build_key,
                "code_version": {
                    "ladderdata": __version__,
                    "generators": GENERATOR_VERSION,
                    "git_commit": _git_commit(),
                },
                "families": {
                    "generated": [f.value for f in self.generated],
                    "written": [f.value for f in self.written],
                },
                "sources": sources_meta,
                "excluded_scans": {k: v[1] for k, v in sorted(self.plan.excluded.items())},
            }
        )


def _portable_paths(obj: Any, base: Path | None = None) -> Any:
    """Rewrite absolute paths under the working directory as relative ones, recursively.

    meta/manifest.json is published with the build: it must not carry the builder's home or checkout
    path, and two checkouts of the same recipe should record the same manifest.
    """
    base = base or Path.cwd().resolve()
    if isinstance(obj, dict):
        return {k: _portable_paths(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_portable_paths(v, base) for v in obj]
    if isinstance(obj, str) and obj.startswith("/"):
        try:
            return str(Path(obj).resolve().relative_to(base))
        except ValueError:
            return obj
    return obj
