"""Build configuration: a manifest (`manifests/*.yaml`) validated by pydantic, CLI overrides on top.

A manifest names the sources and their scan lists, the families and per-question-type quotas, per-scan
caps, the generation settings (frame sampling, visibility thresholds: `GenerationSettings`), the media
policy, the seed, benchmark exclusion lists and each source's label map. Relative paths in a manifest are resolved
against the manifest's own folder, and `${VAR}` / `~` are expanded, so a manifest works from any working
directory.

Every problem becomes a one-line `ConfigError` naming the manifest and the key path, e.g.
`manifests/x.yaml: families.single_image.quotas: unknown question type 'colour'; valid: ...`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from ladderdata.errors import ConfigError, LadderDataError
from ladderdata.generators.settings import FAMILY_QUESTION_TYPES, GenerationSettings
from ladderdata.records import FAMILY_ORDER, Family, QuestionType
from ladderdata.sources.labels import LabelMap

__all__ = ["FAMILY_QUESTION_TYPES", "BuildConfig", "load_manifest", "parse_manifest", "apply_overrides"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Repository root (the package is installed editable; manifests/ and templates/ live here)."""
MANIFESTS_DIR = PROJECT_ROOT / "manifests"
DEFAULT_MANIFEST = MANIFESTS_DIR / "sample.yaml"
DEFAULT_EXCLUSIONS = (
    MANIFESTS_DIR / "splits" / "scannetv2_val.txt",
    MANIFESTS_DIR / "splits" / "vsibench_scannet_scenes.txt",
)
"""Benchmark scans a training build must never use (ScanNet val covers VSI-Bench's and SPBench's)."""

MODALITIES = ("localization", "single_image", "multi_view", "video", "all")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LicenceConfig(_Strict):
    """Licence of a source, copied into the dataset card."""

    name: str = Field(min_length=1, description="short name, e.g. 'ScanNet Terms of Use'")
    text: str | None = Field(default=None, description="licence text or summary for the card")
    url: str | None = None


class SourceConfig(_Strict):
    """One raw source: where its scans live and which of them to use."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: Literal["scannet", "sample", "scannetpp", "arkitscenes"]
    root: Path | None = Field(
        default=None,
        description="the source's raw root (what it holds: the adapter's `root_hint`); a `sample` source may "
        "leave it out and gets the default sample root (raw_sources/sample of the checkout, or "
        "$LADDERDATA_SAMPLE_ROOT)",
    )
    export_root: Path | None = None
    licensed: bool = Field(description="true when the licence forbids redistributing its pixels")
    licence: LicenceConfig
    scans: str | list[str] = Field(
        default="all", description="'all' (every scan under root), a scan-list file, or a list of ids"
    )
    on_error: Literal["raise", "warn", "skip"] = "skip"
    frame_stride: int = Field(default=10, ge=1, description="keep exported frames whose index is a multiple")
    options: dict[str, Any] = Field(
        default_factory=dict, description="further keyword arguments of the source adapter"
    )
    label_map: Path | None = Field(
        default=None, description="raw label -> vocabulary map (.yaml or ScanNet's .tsv); none = raw labels"
    )
    label_column: str = Field(
        default="category",
        min_length=1,
        description="column of a .tsv label map to map to: category, nyu40class, mpcat40, ...",
    )
    allow_unaligned: bool = Field(
        default=False,
        description="read scans without axisAlignment in their mesh frame (else they are skipped)",
    )
    quota_share: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="mixed builds: the largest share of every question type's quota this source's rows "
        "may fill (none: no limit)",
    )

    @field_validator("scans")
    @classmethod
    def _scans_not_empty(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and not v:
            raise ValueError("empty scan list; use 'all' or name at least one scan")
        if isinstance(v, list) and len(set(v)) != len(v):
            raise ValueError("scan list names a scan twice")
        return v

    @property
    def scan_list_file(self) -> Path | None:
        """The scan-list file, when `scans` names one."""
        if isinstance(self.scans, str) and self.scans != "all":
            return Path(self.scans)
        return None


class FamilyConfig(_Strict):
    """Quotas (rows per question type) and a per-scan cap for one family.

    Quota keys are question types as snake_case slugs (`object_size`) or published strings
    (`object size`); each family accepts only the types it generates."""

    family: ClassVar[Family]
    enabled: bool = True
    quotas: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    per_scan_cap: int | None = Field(
        default=None, ge=1, description="max rows one scan contributes per question type"
    )

    @field_validator("quotas")
    @classmethod
    def _known_types(cls, v: dict[str, int]) -> dict[QuestionType, int]:  # type: ignore[override]
        allowed = FAMILY_QUESTION_TYPES[cls.family]
        valid = ", ".join(t.slug for t in allowed)
        out: dict[QuestionType, int] = {}
        for key, count in v.items():
            try:
                qt = QuestionType.from_slug(str(key))
            except ValueError:
                raise ValueError(f"unknown question type {key!r}; valid: {valid}") from None
            if qt not in allowed:
                raise ValueError(
                    f"question type {key!r} is not generated by the {cls.family.value} family; valid: {valid}"
                )
            if qt in out:
                raise ValueError(f"question type {qt.slug!r} is given twice")
            out[qt] = count
        return out

    @property
    def total(self) -> int:
        """Rows this family should hold."""
        return sum(self.quotas.values())


class LocalizationFamily(FamilyConfig):
    """The localization (grounding) family."""

    family = Family.localization


class SingleImageFamily(FamilyConfig):
    """The single-image family."""

    family = Family.single_image


class MultiViewFamily(FamilyConfig):
    """The multi-view family."""

    family = Family.multi_view


class VideoFamily(FamilyConfig):
    """The video family."""

    family = Family.video


class FamiliesConfig(_Strict):
    """The four families; a family left out (or `enabled: false`) is not generated."""

    localization: LocalizationFamily | None = None
    single_image: SingleImageFamily | None = None
    multi_view: MultiViewFamily | None = None
    video: VideoFamily | None = None

    def enabled(self) -> list[Family]:
        """Enabled families in the final deterministic order."""
        return [f for f in FAMILY_ORDER if (c := getattr(self, f.value)) is not None and c.enabled]

    def get(self, family: Family | str) -> FamilyConfig:
        """Config of one family (KeyError when it is absent)."""
        cfg = getattr(self, Family(family).value)
        if cfg is None:
            raise KeyError(family)
        return cfg


class MediaConfig(_Strict):
    """Which images the build writes: `copy` (raw JPEG bytes under images/) or `reference` (paths only).

    `auto` copies unless a source is licensed (ScanNet's terms forbid redistributing its pixels)."""

    policy: Literal["auto", "copy", "reference"] = "auto"
    video_clips: bool = Field(
        default=False,
        description="copy builds: also write videos/<scan>.mp4, the clip the video rows show (trimmed to "
        "their first and last frame, re-encoded at generation.video_fps), for scans whose source has a "
        "`video` option",
    )

    @model_serializer(mode="wrap")
    def _omit_default_clips(self, handler: Any) -> dict[str, Any]:
        # manifests without the option keep their exact dump (meta/manifest.json, build keys)
        data = handler(self)
        if not self.video_clips:
            data.pop("video_clips", None)
        return data


class BalanceConfig(_Strict):
    """Balance rules enforced by the balance validator."""

    max_numeric_value_share: float = Field(default=0.2, gt=0.0, le=1.0)
    letter_tolerance: float = Field(default=0.03, ge=0.0, lt=1.0)


class AuditConfig(_Strict):
    """Thresholds `ladderdata audit --fail-on-skew` checks besides the balance rules (ours, not the paper's)."""

    max_scan_share: float = Field(
        default=0.05, gt=0.0, le=1.0, description="largest share of one scan in a family"
    )
    blind_margin: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description="how far the answer prior may beat chance, and the text model the category prior",
    )
    blind_margins: dict[str, float] = Field(
        default_factory=dict,
        description="per question type (snake_case) margins that replace blind_margin for that type",
    )

    @field_validator("blind_margins")
    @classmethod
    def _margins_known(cls, v: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, margin in v.items():
            qt = QuestionType.from_slug(str(key))  # ValueError lists the valid names
            if not 0.0 <= margin <= 1.0:
                raise ValueError(f"{key}: margin {margin} is not between 0 and 1")
            out[qt.slug] = margin
        return out


class ColdstartConfig(_Strict):
    """Cold-start reasoning rows (`spld_coldstart_data.jsonl`, config `coldstart`): how many, which mix.

    Rows are drawn from the build's final spatial rows: `rows` split over the families by `mix`
    (normalised shares; a family missing from `mix` gives none), and within a family spread evenly over
    its question types in a seeded order. 0 rows: no cold-start file.
    """

    rows: int = Field(default=0, ge=0, description="cold-start rows to write (0: none)")
    mix: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: {"single_image": 1.0, "multi_view": 1.0, "video": 1.0},
        description="share of the rows per spatial family",
    )

    @field_validator("mix")
    @classmethod
    def _spatial_families(cls, v: dict[str, float]) -> dict[str, float]:
        valid = ("single_image", "multi_view", "video")
        unknown = sorted(set(v) - set(valid))
        if unknown:
            raise ValueError(f"unknown family {unknown[0]!r}; valid: {', '.join(valid)}")
        if v and sum(v.values()) <= 0:
            raise ValueError("the shares must not all be 0")
        return v


class OutputConfig(_Strict):
    """Shard layout of the Parquet output."""

    rows_per_shard: int = Field(default=5000, ge=1)
    row_group_size: int = Field(default=500, ge=1)
    compression: Literal["zstd", "snappy", "none"] = "zstd"
    preview_rows: int = Field(
        default=200,
        ge=0,
        description="rows of the `preview` config (frames embedded; copy builds of redistributable "
        "sources only); 0 = no preview",
    )


class BuildConfig(_Strict):
    """A resolved build recipe (manifest + CLI overrides)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    description: str = ""
    seed: int = Field(default=0, ge=0)
    sources: list[SourceConfig] = Field(min_length=1)
    families: FamiliesConfig
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    media: MediaConfig = Field(default_factory=MediaConfig)
    balance: BalanceConfig = Field(default_factory=BalanceConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    coldstart: ColdstartConfig = Field(default_factory=ColdstartConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    exclusions: list[Path] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUSIONS),
        description="scan-list files of benchmark scans; default: ScanNet val + VSI-Bench",
    )
    manifest_path: Path | None = Field(default=None, description="set by the loader")

    @model_validator(mode="after")
    def _unique_sources(self) -> BuildConfig:
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"sources: duplicate source name in {names}")
        if not self.families.enabled():
            raise ValueError("families: no family is enabled")
        return self

    @property
    def any_licensed(self) -> bool:
        """True when some source forbids redistributing its pixels."""
        return any(s.licensed for s in self.sources)

    def media_policy(self) -> Literal["copy", "reference"]:
        """The effective media policy (`auto` resolved)."""
        if self.media.policy == "auto":
            return "reference" if self.any_licensed else "copy"
        return self.media.policy

    def exclusion_sets(self) -> dict[str, frozenset[str]]:
        """Exclusion-list file stem -> scan ids it names."""
        return {p.stem: frozenset(read_scan_list(p)) for p in self.exclusions}


def read_scan_list(path: str | Path) -> list[str]:
    """Scan ids of a list file (one per line; blank lines and `#` comments ignored)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.at(path, "scan list not found", "fix the path in the manifest") from None
    ids = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line)
    return ids


def _yaml_where(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


def _format_loc(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "<top level>"


def format_validation_error(source: str | Path, err: pydantic.ValidationError) -> str:
    """One line: `<file>: <key.path>: <message>` for each problem, joined by ` | `."""
    problems = []
    for e in err.errors(include_url=False):
        loc = _format_loc(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (remove it or fix its spelling)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif "input" in e and e["type"] not in ("value_error", "assertion_error"):
            msg += f" (got {e['input']!r})"
        problems.append(f"{loc}: {msg}")
    return f"{source}: " + " | ".join(problems)


_UNSET_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _expand(path: Path | str, base: Path, key: str = "path", manifest: Path | str = "manifest") -> Path:
    expanded = os.path.expandvars(str(path))
    missing = _UNSET_VAR.search(expanded)
    if missing:
        raise ConfigError(
            f"{manifest}: {key}: environment variable {missing.group(1)} is not set; "
            f"export {missing.group(1)}=/path or edit the manifest"
        )
    p = Path(os.path.expanduser(expanded))
    return p if p.is_absolute() else (base / p).resolve()


def _resolve_paths(cfg: BuildConfig, base: Path, manifest: Path) -> BuildConfig:
    sources = []
    for i, s in enumerate(cfg.sources):
        if s.root is None and s.kind != "sample":
            from ladderdata.sources import SOURCES  # here: the adapters pull in the geometry stack

            raise ConfigError(
                f"{manifest}: sources[{i}].root: required key is missing; set it to {SOURCES[s.kind].root_hint}"
            )
        if s.root is None:
            from ladderdata.sample.generate import default_sample_root

            root = default_sample_root()
        else:
            root = _expand(s.root, base, f"sources[{i}].root", manifest)
        update: dict[str, Any] = {"root": root}
        if s.export_root is not None:
            update["export_root"] = _expand(s.export_root, base, f"sources[{i}].export_root", manifest)
        if s.label_map is not None:
            label_map = _expand(s.label_map, base, f"sources[{i}].label_map", manifest)
            if not label_map.is_file():
                raise ConfigError(
                    f"{manifest}: sources[{i}].label_map: file {label_map} not found; fix the path "
                    "(relative to the manifest's folder) or remove the key"
                )
            try:
                LabelMap.load(label_map, column=s.label_column)
            except LadderDataError as err:
                raise ConfigError(f"{manifest}: sources[{i}].label_map: {err}") from None
            update["label_map"] = label_map
        if s.scan_list_file is not None:
            scan_file = _expand(s.scans, base, f"sources[{i}].scans", manifest)
            if not scan_file.is_file():
                raise ConfigError(
                    f"{manifest}: sources[{i}].scans: scan list {scan_file} not found; fix the path "
                    "(relative paths are resolved against the manifest's folder) or use 'all'"
                )
            update["scans"] = str(scan_file)
        sources.append(s.model_copy(update=update))
    exclusions = []
    for i, p in enumerate(cfg.exclusions):
        resolved = _expand(p, base, f"exclusions[{i}]", manifest)
        if not resolved.is_file():
            raise ConfigError(
                f"{manifest}: exclusions[{i}]: exclusion list {resolved} not found; fix the path "
                "(relative to the manifest's folder) or remove the entry"
            )
        exclusions.append(resolved)
    return cfg.model_copy(update={"sources": sources, "exclusions": exclusions, "manifest_path": manifest})


def parse_manifest(data: Any, *, manifest: Path) -> BuildConfig:
    """Validate an already-loaded manifest mapping; relative paths resolve against its folder."""
    if not isinstance(data, dict):
        raise ConfigError.at(
            manifest, "a manifest must be a YAML mapping at the top level", "see manifests/sample.yaml"
        )
    if "manifest_path" in data:
        raise ConfigError(f"{manifest}: manifest_path: unknown key (remove it or fix its spelling)")
    try:
        cfg = BuildConfig.model_validate(data)
    except pydantic.ValidationError as err:
        raise ConfigError(format_validation_error(manifest, err), path=manifest) from None
    return _resolve_paths(cfg, manifest.parent.resolve(), manifest)


def load_manifest(path: str | Path) -> BuildConfig:
    """Read and validate a manifest (yaml.safe_load), resolving its relative paths."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.at(path, "manifest not found", "pass --manifest with an existing file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError.at(path, f"invalid YAML ({_yaml_where(err)})", "fix the manifest") from None
    return parse_manifest(data, manifest=path)


def apply_overrides(
    cfg: BuildConfig,
    *,
    seed: int | None = None,
    media: str | None = None,
    modality: str | None = None,
) -> BuildConfig:
    """Apply CLI overrides: `--seed`, `--media`, `--modality` (disables the other families)."""
    update: dict[str, Any] = {}
    if seed is not None:
        if seed < 0:
            raise ConfigError(f"--seed: must be >= 0 (got {seed})")
        update["seed"] = seed
    if media is not None:
        if media not in ("copy", "reference"):
            raise ConfigError(f"--media: must be copy or reference (got {media!r})")
        update["media"] = MediaConfig(policy=media)
    if modality is not None and modality != "all":
        if modality not in MODALITIES:
            raise ConfigError(f"--modality: must be one of {', '.join(MODALITIES)} (got {modality!r})")
        fams = cfg.families.model_copy(deep=True)
        family = Family(modality)
        if getattr(fams, family.value) is None or not getattr(fams, family.value).enabled:
            where = cfg.manifest_path or "the manifest"
            raise ConfigError(f"--modality {modality}: {where} does not enable the {modality} family")
        for f in Family:
            c = getattr(fams, f.value)
            if c is not None and f != family:
                c.enabled = False
        update["families"] = fams
    return cfg.model_copy(update=update) if update else cfg


def generated_families(cfg: BuildConfig) -> list[Family]:
    """Families whose generators run: the enabled ones, plus single-image when localization is enabled
    (a grounding row needs its linked single-image question for its id, question and image)."""
    fams = cfg.families.enabled()
    if Family.localization in fams and Family.single_image not in fams:
        fams = [f for f in FAMILY_ORDER if f in fams or f == Family.single_image]
    return fams
