"""Every path of a build directory, defined once.

```
<build>/
  README.md                              dataset card (YAML `configs` for datasets.load_dataset)
  data/<family>/train-<NNNNN>.parquet    shards per family (localization = the `grounding` config)
  data/preview/train-00000.parquet       `preview` config: rows with frames embedded (copy builds of
                                         redistributable sources only)
  spld_grounding_data.jsonl              upstream-compatible export (published keys only)
  spld_spatial_data.jsonl
  spld_coldstart_data.jsonl              cold-start reasoning rows (when the manifest asks for them)
  data/coldstart/train-00000.parquet     the same rows with provenance (the `coldstart` config)
  images/<scan_id>/<frame_index>.jpg     media (copied, or rebuilt by `materialize`)
  meta/manifest.json  meta/stats.json  meta/info.json  meta/media.json (per-image checksums)
  scenes/<scan_id>.json                  scene-record cache (re-generation skips unification)
  _state/                                resume markers and per-scan sample spools (not published)
  _dropped/<stage>.jsonl                 rows removed by validators, with the reason (not published)
  meta/checksums.json                    sha256 of every shard and JSONL file (`ladderdata verify`)
  .ladderdata.lock (+ .owner)            held while a build writes here (dotfiles: never published)
```
Nothing outside this module builds these paths by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ladderdata.records import Family

GROUNDING_JSONL = "spld_grounding_data.jsonl"
SPATIAL_JSONL = "spld_spatial_data.jsonl"
PREVIEW_DIR = "preview"
"""`data/preview/`: the `preview` config (rows with embedded frames; not a family)."""
COLDSTART_JSONL = "spld_coldstart_data.jsonl"
COLDSTART_CONFIG = "coldstart"
"""Config name and `data/` folder of the cold-start rows."""
UNPUBLISHED_DIRS = ("_state", "_dropped", "scenes")
LOCK_NAME = ".ladderdata.lock"
"""Top-level folders that are working state, never pushed to the Hub."""


def _folder(family: Family | str) -> str:
    """The `data/` subfolder of a family, or of another config's shards (e.g. PREVIEW_DIR)."""
    return family.value if isinstance(family, Family) else str(family)


def image_relpath(scan_id: str, frame_index: int) -> str:
    """Published relative image path, e.g. `scene0055_00/1070.jpg`."""
    return f"{scan_id}/{int(frame_index)}.jpg"


def video_frame_relpath(scan_id: str, frame_index: int) -> str:
    """Published path of a frame decoded from the scan's video, e.g. `scene0055_00/video/1070.jpg`
    (apart from the colour image of the same frame, whose bytes differ)."""
    return f"{scan_id}/video/{int(frame_index)}.jpg"


@dataclass(frozen=True)
class BuildLayout:
    """Paths inside one build directory."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # published files
    @property
    def card(self) -> Path:
        return self.root / "README.md"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def family_dir(self, family: Family | str) -> Path:
        """`data/<family>/` (or `data/preview/`, PREVIEW_DIR)."""
        return self.data_dir / _folder(family)

    def shard(self, family: Family | str, index: int) -> Path:
        return self.family_dir(family) / f"train-{index:05d}.parquet"

    def shard_glob(self, family: Family | str) -> str:
        """data_files glob relative to the root (used in the card's `configs`)."""
        return f"data/{_folder(family)}/*.parquet"

    @property
    def preview_shard(self) -> Path:
        """The `preview` config's one shard: rows with their frames embedded (writers/preview.py)."""
        return self.shard(PREVIEW_DIR, 0)

    @property
    def grounding_jsonl(self) -> Path:
        return self.root / GROUNDING_JSONL

    @property
    def spatial_jsonl(self) -> Path:
        return self.root / SPATIAL_JSONL

    @property
    def coldstart_jsonl(self) -> Path:
        return self.root / COLDSTART_JSONL

    @property
    def coldstart_dir(self) -> Path:
        return self.data_dir / COLDSTART_CONFIG

    def coldstart_shard(self, index: int) -> Path:
        return self.coldstart_dir / f"train-{index:05d}.parquet"

    @property
    def media_root(self) -> Path:
        """Image paths in rows are relative to this folder."""
        return self.root / "images"

    def image(self, relpath: str) -> Path:
        return self.media_root / relpath

    # metadata
    @property
    def meta_dir(self) -> Path:
        return self.root / "meta"

    @property
    def manifest_json(self) -> Path:
        return self.meta_dir / "manifest.json"

    @property
    def stats_json(self) -> Path:
        return self.meta_dir / "stats.json"

    @property
    def info_json(self) -> Path:
        return self.meta_dir / "info.json"

    @property
    def media_json(self) -> Path:
        """Per-image record: relpath -> {scan_id, frame_index, width, height, sha256, source path}."""
        return self.meta_dir / "media.json"

    # working state
    @property
    def scenes_dir(self) -> Path:
        return self.root / "scenes"

    def scene_record(self, scan_id: str) -> Path:
        return self.scenes_dir / f"{scan_id}.json"

    def scene_key(self, scan_id: str) -> Path:
        """Cache key of `scene_record` (source checksum + adapter settings); stale when it differs."""
        return self.scenes_dir / f"{scan_id}.key"

    @property
    def state_dir(self) -> Path:
        return self.root / "_state"

    def scan_done_marker(self, scan_id: str) -> Path:
        return self.state_dir / "done" / f"{scan_id}.done"

    def scan_spool(self, scan_id: str) -> Path:
        """Per-scan generated samples (JSONL), written atomically before the done marker."""
        return self.state_dir / "samples" / f"{scan_id}.jsonl"

    def scan_coldstart(self, scan_id: str) -> Path:
        """Per-scan cold-start trace facts (JSONL: sample_id, facts), written before the done marker."""
        return self.state_dir / "coldstart" / f"{scan_id}.jsonl"

    def scan_media(self, scan_id: str) -> Path:
        """Per-scan media entries (relpath -> raw path, sha256) of the frames its samples use."""
        return self.state_dir / "media" / f"{scan_id}.json"

    @property
    def build_state(self) -> Path:
        """What generated the spools (generation key); `--resume` refuses a different one."""
        return self.state_dir / "build.json"

    @property
    def last_run(self) -> Path:
        """Facts about the latest run (cache reuse, images copied), kept out of the byte-stable meta/."""
        return self.state_dir / "last_run.json"

    def candidates(self, family: Family | str) -> Path:
        """Validated rows of one family awaiting balancing (rewritten by every finalize)."""
        return self.state_dir / "candidates" / f"{Family(family).value}.jsonl"

    @property
    def dropped_dir(self) -> Path:
        return self.root / "_dropped"

    def dropped(self, stage: str) -> Path:
        return self.dropped_dir / f"{stage}.jsonl"

    @property
    def checksums_json(self) -> Path:
        """sha256 and size of every published shard and JSONL file (`ladderdata verify`)."""
        return self.meta_dir / "checksums.json"

    @property
    def lock_file(self) -> Path:
        """Held (filelock) by the one build writing into this folder."""
        return self.root / LOCK_NAME

    @property
    def lock_owner(self) -> Path:
        """pid of the lock's holder (the lock file itself is the library's)."""
        return self.root / (LOCK_NAME + ".owner")

    def is_build(self) -> bool:
        """True when the folder already holds (part of) a build."""
        return self.manifest_json.exists() or self.state_dir.exists() or self.data_dir.exists()
