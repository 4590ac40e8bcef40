"""JSONL exports: the upstream-compatible files and the `_dropped/<stage>.jsonl` logs.

`spld_grounding_data.jsonl` / `spld_spatial_data.jsonl` hold exactly the published keys in the published
order (reference/spatialladder-26k.md): the upstream GRPO loader builds a fixed feature schema, and an
extra key breaks it, so provenance stays in the Parquet columns. Files stream to a temporary name and
are renamed when complete.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TextIO

from ladderdata.io import atomic_open
from ladderdata.records import Family, QASample
from ladderdata.writers.layout import BuildLayout
from ladderdata.writers.parquet import GROUNDING_COLUMNS, SPATIAL_COLUMNS


def published_record(sample: QASample) -> dict[str, Any]:
    """The published keys of one row (grounding or spatial), in the published order."""
    if sample.question_id is None:
        raise ValueError(f"sample {sample.sample_id} has no question_id; assign ids before writing")
    if sample.family == Family.localization:
        assert isinstance(sample.answer, list)
        values = {
            "question_id": sample.question_id,
            "question": sample.question,
            "answer": [{"bbox_2d": list(a.bbox_2d), "label": a.label} for a in sample.answer],
            "image": list(sample.image),
            "data_type": sample.data_type.value,
        }
        return {k: values[k] for k in GROUNDING_COLUMNS}
    values = {
        "question_id": sample.question_id,
        "question": sample.question,
        "options": list(sample.options) if sample.options is not None else None,
        "answer": sample.answer,
        "image": list(sample.image),
        "question_type": sample.question_type.value,
        "data_type": sample.data_type.value,
    }
    return {k: values[k] for k in SPATIAL_COLUMNS}


def dumps_line(obj: Any) -> str:
    """One JSONL line (UTF-8 kept as is, the published files' style), with the newline."""
    return json.dumps(obj, ensure_ascii=False) + "\n"


class JsonlWriter(AbstractContextManager["JsonlWriter"]):
    """Streams lines into a file that appears (atomically) only when the writer closes without error."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ctx = atomic_open(self.path, "w")
        self._fh: TextIO = self._ctx.__enter__()  # type: ignore[assignment]
        self.rows = 0

    def write(self, obj: Any) -> None:
        """Write one JSON value as a line."""
        self._fh.write(dumps_line(obj))
        self.rows += 1

    def close(self, exc: BaseException | None = None) -> None:
        """Finish the file (rename into place), or discard it when `exc` is given."""
        if self._ctx is None:
            return
        ctx, self._ctx = self._ctx, None
        if exc is None:
            ctx.__exit__(None, None, None)
        else:
            ctx.__exit__(type(exc), exc, exc.__traceback__)

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.close(exc)


class PublishedJsonlWriter:
    """Writes `spld_grounding_data.jsonl` and `spld_spatial_data.jsonl` (opened on first use)."""

    def __init__(self, layout: BuildLayout) -> None:
        self.layout = layout
        self._writers: dict[str, JsonlWriter] = {}

    def write(self, sample: QASample) -> None:
        """Append one row to the file of its config."""
        grounding = sample.family == Family.localization
        key = "grounding" if grounding else "spatial"
        if key not in self._writers:
            path = self.layout.grounding_jsonl if grounding else self.layout.spatial_jsonl
            self._writers[key] = JsonlWriter(path)
        self._writers[key].write(published_record(sample))

    def close(self, *, grounding: bool = True, spatial: bool = True) -> dict[str, int]:
        """Close both files (an unused one is written empty when asked for); returns rows per file."""
        for key, wanted in (("grounding", grounding), ("spatial", spatial)):
            if wanted and key not in self._writers:
                path = self.layout.grounding_jsonl if key == "grounding" else self.layout.spatial_jsonl
                self._writers[key] = JsonlWriter(path)
        rows = {}
        for key, writer in self._writers.items():
            writer.close()
            rows[key] = writer.rows
        return rows

    def abort(self, exc: BaseException) -> None:
        """Discard unfinished files."""
        for writer in self._writers.values():
            writer.close(exc)


class DroppedLog:
    """`_dropped/<stage>.jsonl`: every removed row with its reason, one file per stage."""

    def __init__(self, layout: BuildLayout) -> None:
        self.layout = layout
        self._writers: dict[str, JsonlWriter] = {}

    def write(self, stage: str, reason: str, record: dict[str, Any]) -> None:
        """Log one dropped record: `{"stage", "reason", **record}`."""
        if stage not in self._writers:
            self._writers[stage] = JsonlWriter(self.layout.dropped(stage))
        self._writers[stage].write({"stage": stage, "reason": reason, **record})

    def write_sample(self, stage: str, reason: str, sample: QASample) -> None:
        """Log one dropped sample (its full JSON under `sample`)."""
        self.write(stage, reason, {"sample": sample.model_dump(mode="json")})

    def close(self) -> dict[str, int]:
        """Finish every file; returns rows per stage."""
        rows = {}
        for stage, writer in self._writers.items():
            writer.close()
            rows[stage] = writer.rows
        return rows

    def abort(self, exc: BaseException) -> None:
        """Discard unfinished files."""
        for writer in self._writers.values():
            writer.close(exc)
