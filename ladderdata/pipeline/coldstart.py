"""Build step for the cold-start rows: choose spatial rows, render their traces, check, write.

Per scan, the worker records each spatial sample's trace facts (`generators.coldstart.scan_facts`,
spooled to `_state/coldstart/<scan>.jsonl`). Finalize then:
1. `select`: before writing, picks `coldstart.rows` of the rows balancing kept, split over the families
   by `coldstart.mix` (largest remainder) and, within a family, round-robin over its question types in
   the published order, each type's rows in a seeded order (blake2b of seed and sample id);
2. `add`: as pass 2 writes each chosen row (final question id and letters), renders its trace from the
   facts (`generators.coldstart_text`) and re-derives the answer from the trace text
   (`validators.traces.check_trace`); a row whose trace does not derive its answer is dropped to
   `_dropped/coldstart.jsonl` (a bug: the tests require none);
   and writes it at once: pass 2 runs in question-id order, so `spld_coldstart_data.jsonl` (upstream
   keys) and `data/coldstart/train-NNNNN.parquet` (the same rows plus provenance columns, rotated every
   `output.rows_per_shard`) stream out like the family shards;
3. `close`: finishes both and returns the stats entry.
Nothing depends on worker count or timing, so the files are byte-stable for a manifest and seed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ladderdata.config import ColdstartConfig, OutputConfig
from ladderdata.errors import ValidationError
from ladderdata.generators.base import stable_int
from ladderdata.generators.coldstart_text import TraceRenderer, coldstart_record
from ladderdata.generators.settings import FAMILY_QUESTION_TYPES
from ladderdata.io import atomic_path, sha256_file
from ladderdata.records import Family, QASample
from ladderdata.validators.balance import BalancePlan, Candidate
from ladderdata.validators.traces import check_trace
from ladderdata.writers.jsonl import DroppedLog, JsonlWriter
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.parquet import ShardInfo

COLDSTART_COLUMNS = ("question_id", "prompt", "solution", "image", "data_type")
"""Published cold-start keys, in the upstream order."""
COLDSTART_SCHEMA = pa.schema(
    [
        pa.field("question_id", pa.int64(), nullable=False),
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("solution", pa.string(), nullable=False),
        pa.field("image", pa.list_(pa.string()), nullable=False),
        pa.field("data_type", pa.string(), nullable=False),
        pa.field("question_type", pa.string(), nullable=False),
        pa.field("answer", pa.string(), nullable=False),
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("family", pa.string(), nullable=False),
        pa.field("scene_id", pa.string(), nullable=False),
        pa.field("trace_template_id", pa.string(), nullable=False),
    ]
)
"""Schema of `data/coldstart/*.parquet` (published keys first, provenance after)."""
SPATIAL = (Family.single_image, Family.multi_view, Family.video)


def facts_jsonl(facts: dict[str, dict[str, Any]]) -> str:
    """Spool text of one scan's facts (sorted by sample id)."""
    return "".join(
        json.dumps({"sample_id": sid, "facts": facts[sid]}, sort_keys=True, ensure_ascii=False) + "\n"
        for sid in sorted(facts)
    )


def family_targets(config: ColdstartConfig, families: list[Family]) -> dict[Family, int]:
    """Rows per family: `rows` split by the mix shares of the built families (largest remainder)."""
    shares = {f: float(config.mix.get(f.value, 0.0)) for f in SPATIAL if f in families}
    total = sum(shares.values())
    if config.rows == 0 or total <= 0:
        return {}
    exact = {f: config.rows * s / total for f, s in shares.items()}
    out = {f: int(v) for f, v in exact.items()}
    rest = config.rows - sum(out.values())
    for f in sorted(exact, key=lambda f: (-(exact[f] - out[f]), SPATIAL.index(f)))[:rest]:
        out[f] += 1
    return {f: n for f, n in out.items() if n > 0}


class ColdstartBuilder:
    """Selection, rendering, checking and writing of one build's cold-start rows.

    Pass 2 hands rows over in question-id order, so rows stream out as they come: JSONL lines at once,
    Parquet rows through a buffer of at most `rows_per_shard` (`max_buffered_rows`), like the family
    shard writers.
    """

    def __init__(
        self,
        config: ColdstartConfig,
        layout: BuildLayout,
        seed: int,
        templates_dir: Path,
        dropped: DroppedLog,
        output: OutputConfig,
    ):
        self.config = config
        self.layout = layout
        self.seed = int(seed)
        self.renderer = TraceRenderer(templates_dir)
        self.dropped = dropped
        self.output = output
        self.chosen: set[str] = set()
        self.targets: dict[Family, int] = {}
        self.kept: dict[str, Counter[str]] = defaultdict(Counter)
        self.drops: Counter[str] = Counter()
        self.shards: list[ShardInfo] = []
        self.max_buffered_rows = 0
        self._buffer: list[dict[str, Any]] = []
        self._jsonl: JsonlWriter | None = None
        self._last_id = -1
        self._facts_scan: str | None = None
        self._facts: dict[str, dict[str, Any]] = {}

    # --- 1. selection ---------------------------------------------------------------------------------
    def select(
        self, candidates: dict[Family, list[Candidate]], plan: BalancePlan, written: list[Family]
    ) -> None:
        """Choose the rows (by sample id) among those the balance plan keeps."""
        self.targets = family_targets(self.config, written)
        for family, target in self.targets.items():
            by_type: dict[str, list[Candidate]] = defaultdict(list)
            for cand in candidates.get(family, []):
                if plan.reason(family, cand.index) is None:
                    by_type[cand.question_type.value].append(cand)
            queues = [
                sorted(by_type[qt.value], key=lambda c: stable_int(self.seed, c.sample_id, "coldstart-pick"))
                for qt in FAMILY_QUESTION_TYPES[family]
                if by_type.get(qt.value)
            ]
            taken = 0
            depth = 0
            while taken < target and any(depth < len(q) for q in queues):
                for queue in queues:
                    if taken < target and depth < len(queue):
                        self.chosen.add(queue[depth].sample_id)
                        taken += 1
                depth += 1

    # --- 2. rendering ---------------------------------------------------------------------------------
    def _facts_of(self, sample: QASample) -> dict[str, Any] | None:
        if sample.scene_id != self._facts_scan:
            path = self.layout.scan_coldstart(sample.scene_id)
            if not path.is_file():
                raise ValidationError(
                    f"{path}: cold-start facts missing for scan {sample.scene_id}; rerun the build with "
                    "--overwrite (the scan was generated without the coldstart block)"
                )
            self._facts = {}
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        entry = json.loads(line)
                        self._facts[entry["sample_id"]] = entry["facts"]
            self._facts_scan = sample.scene_id
        return self._facts.get(sample.sample_id)

    def add(self, sample: QASample) -> None:
        """Render, check and write the cold-start row of a written spatial row (when chosen)."""
        if sample.sample_id not in self.chosen:
            return
        facts = self._facts_of(sample)
        if facts is None:
            self._drop("no_facts", sample)
            return
        trace, template_id = self.renderer.trace(facts, sample, self.seed)
        record = coldstart_record(sample, trace)
        reason = check_trace(
            record["prompt"],
            record["solution"],
            sample.question_type.value,
            sample.data_type.value,
            row_answer=str(sample.answer),
        )
        if reason is not None:
            self._drop(reason, sample, solution=record["solution"])
            return
        if record["question_id"] <= self._last_id:
            raise ValueError("cold-start rows must arrive in question-id order")
        self._last_id = record["question_id"]
        if self._jsonl is None:
            self._jsonl = JsonlWriter(self.layout.coldstart_jsonl)
        self._jsonl.write({k: record[k] for k in COLDSTART_COLUMNS})
        self._buffer.append(
            {
                **record,
                "question_type": sample.question_type.value,
                "answer": str(sample.answer),
                "sample_id": sample.sample_id,
                "family": sample.family.value,
                "scene_id": sample.scene_id,
                "trace_template_id": template_id,
            }
        )
        self.kept[sample.family.value][sample.question_type.value] += 1
        self.max_buffered_rows = max(self.max_buffered_rows, len(self._buffer))
        if len(self._buffer) >= self.output.rows_per_shard:
            self._flush()

    def _drop(self, reason: str, sample: QASample, **extra: Any) -> None:
        self.drops[reason] += 1
        self.dropped.write("coldstart", reason, {"sample": sample.model_dump(mode="json"), **extra})

    # --- 3. writing -----------------------------------------------------------------------------------
    def _flush(self) -> None:
        path = self.layout.coldstart_shard(len(self.shards))
        table = pa.Table.from_pylist(self._buffer, schema=COLDSTART_SCHEMA)
        compression = None if self.output.compression == "none" else self.output.compression
        with atomic_path(path) as tmp:
            pq.write_table(
                table,
                tmp,
                row_group_size=self.output.row_group_size,
                compression=compression,
                write_statistics=True,
                store_schema=True,
            )
        rel = path.relative_to(self.layout.root).as_posix()
        self.shards.append(ShardInfo(rel, table.num_rows, path.stat().st_size, sha256_file(path)))
        self._buffer = []

    def close(self) -> dict[str, Any]:
        """Finish the JSONL and the last shard (stale shards removed); returns the stats entry."""
        if self._jsonl is None:
            self._jsonl = JsonlWriter(self.layout.coldstart_jsonl)
        self._jsonl.close()
        if self._buffer or not self.shards:
            self._flush()
        keep = {self.layout.root / s.path for s in self.shards}
        for old in self.layout.coldstart_dir.glob("*.parquet"):
            if old not in keep:
                old.unlink()
        return {
            "rows": sum(s.rows for s in self.shards),
            "targets": {f.value: n for f, n in self.targets.items()},
            "kept": {f: dict(sorted(c.items())) for f, c in sorted(self.kept.items())},
            "dropped": dict(sorted(self.drops.items())),
            "shards": [s.to_dict() for s in self.shards],
        }

    def abort(self, exc: BaseException) -> None:
        """Discard an unfinished JSONL file."""
        if self._jsonl is not None:
            self._jsonl.close(exc)


def remove_outputs(layout: BuildLayout) -> None:
    """Remove cold-start outputs of an earlier run (a rebuild without the coldstart block)."""
    if layout.coldstart_jsonl.exists():
        layout.coldstart_jsonl.unlink()
    if layout.coldstart_dir.is_dir():
        for old in layout.coldstart_dir.glob("*.parquet"):
            old.unlink()
        layout.coldstart_dir.rmdir()
