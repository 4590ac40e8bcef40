"""Scan-disjoint held-out split, defined from scene ids alone.

A scan is held out when `sha256("<salt>:<scene_id>")`, read as a number in [0, 1), is below the
fraction. The decision depends only on the scan id, the salt and the fraction: it is the same in every
build that contains the scan, whatever else the build holds, and every row of a scan lands on the same
side (no scan is in both splits). A scan list (one id per line, `#` comments) replaces the hash rule.
Training uses the `train` split; `ladderdata eval --split heldout` scores the rest. The default holds
out nothing (upstream trains on every row); an evaluation split is an option (`heldout.fraction` or a
scan list).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ladderdata.errors import ConfigError

SPLITS = ("train", "heldout", "all")


class HeldoutSpec(BaseModel):
    """How the held-out scans are chosen (recipe key `heldout`)."""

    model_config = ConfigDict(extra="forbid")

    fraction: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="share of scans held out (0: train on every row, as upstream)",
    )
    salt: str = Field(default="ladderdata-heldout-v1", description="changing it draws another split")
    scans_file: Path | None = Field(default=None, description="explicit held-out scan list")


def hash_unit(scene_id: str, salt: str) -> float:
    """Deterministic number in [0, 1) for a scan id."""
    digest = hashlib.sha256(f"{salt}:{scene_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def read_scan_list(path: Path) -> frozenset[str]:
    """Scan ids from a text file (one per line; blank lines and `#` comments ignored)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError.at(
            path, f"cannot read the held-out scan list ({err.strerror})", "fix the path"
        ) from err
    ids = {line.split("#", 1)[0].strip() for line in text.splitlines()}
    ids.discard("")
    return frozenset(ids)


class HeldoutSplit:
    """Membership test for the held-out scans of a spec."""

    def __init__(self, spec: HeldoutSpec):
        self.spec = spec
        self._listed = read_scan_list(spec.scans_file) if spec.scans_file is not None else None

    def is_heldout(self, scene_id: str) -> bool:
        """True when the scan belongs to the held-out split."""
        if self._listed is not None:
            return scene_id in self._listed
        return hash_unit(scene_id, self.spec.salt) < self.spec.fraction

    def split_of(self, scene_id: str) -> str:
        """`heldout` or `train`."""
        return "heldout" if self.is_heldout(scene_id) else "train"

    def select(self, rows: Iterable[dict], split: str) -> list[dict]:
        """Rows whose `scene_id` falls in `split` (`train`, `heldout` or `all`)."""
        if split not in SPLITS:
            raise ConfigError(f"split {split!r}: expected one of {', '.join(SPLITS)}")
        if split == "all":
            return list(rows)
        return [row for row in rows if self.split_of(row["scene_id"]) == split]
