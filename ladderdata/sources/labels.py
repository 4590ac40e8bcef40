"""Raw-label normalisation: ScanNet's `scannetv2-labels.combined.tsv` or a simple YAML map.

Labels stay raw (`ObjectRecord.raw_label`) unless a map is given; then `ObjectRecord.label` is the
mapped name. Unmapped labels pass through unchanged, so a partial vocabulary map is fine.

YAML form (manifests/labels/*.yaml): either a plain `raw: mapped` mapping or
`{"labels": {raw: mapped, ...}}`; keys are matched case-insensitively after collapsing whitespace.
TSV form: header row naming the columns (`raw_category`, `category`, `nyu40class`, ...); the mapped
column defaults to `category`. Rows are parsed tolerantly: the release's `furnace` row has 15 fields
instead of 17, which is fine as long as it reaches the two columns used; shorter rows are skipped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ladderdata.errors import SourceError


def normalize_label(raw: str) -> str:
    """Lower-case, whitespace-collapsed form used as the lookup key."""
    return " ".join(str(raw).split()).lower()


@dataclass(frozen=True)
class LabelMap:
    """Raw label -> vocabulary name; `map(raw)` returns the raw label when it is not mapped."""

    mapping: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def map(self, raw: str) -> str:
        """Mapped name of `raw` (lookup by `normalize_label`), or `raw` itself."""
        return self.mapping.get(normalize_label(raw), raw)

    @classmethod
    def load(cls, path: str | Path, column: str = "category") -> LabelMap:
        """Read a `.tsv` (ScanNet combined labels) or `.yaml`/`.yml` map; SourceError names the file."""
        path = Path(path)
        if not path.is_file():
            raise SourceError.at(path, "label map file is missing", "pass an existing .tsv or .yaml file")
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as err:
            raise SourceError.at(path, f"cannot read label map ({err})", "save it as UTF-8") from err
        if path.suffix.lower() == ".tsv":
            return cls(_parse_tsv(path, text, column), str(path))
        if path.suffix.lower() in (".yaml", ".yml"):
            return cls(_parse_yaml(path, text), str(path))
        raise SourceError.at(path, "unknown label map format", "use a .tsv or a .yaml file")


def _parse_tsv(path: Path, text: str, column: str) -> dict[str, str]:
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    if not rows:
        raise SourceError.at(path, "label map is empty", "use scannetv2-labels.combined.tsv")
    header = [h.strip() for h in rows[0]]
    if "raw_category" not in header or column not in header:
        raise SourceError.at(
            path,
            f"header lacks 'raw_category' or '{column}' (has {', '.join(header)})",
            "use scannetv2-labels.combined.tsv or pick an existing column",
        )
    raw_i, out_i = header.index("raw_category"), header.index(column)
    need = max(raw_i, out_i)
    mapping: dict[str, str] = {}
    for row in rows[1:]:
        if len(row) <= need or not row[raw_i].strip() or not row[out_i].strip():
            continue  # malformed short row: nothing to map
        mapping.setdefault(normalize_label(row[raw_i]), row[out_i].strip())
    return mapping


def _parse_yaml(path: Path, text: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        where = f" at line {line + 1}" if line is not None else ""
        raise SourceError.at(path, f"invalid YAML{where}", "fix the syntax") from err
    if isinstance(data, dict) and "labels" in data and isinstance(data["labels"], dict):
        data = data["labels"]
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise SourceError.at(path, "label map must be a mapping of raw label -> name (strings)", None)
    return {normalize_label(k): v.strip() for k, v in data.items()}
