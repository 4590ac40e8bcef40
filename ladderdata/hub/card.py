"""Check a build's dataset card before anything is uploaded.

The card must parse with huggingface_hub's `DatasetCard` (YAML header -> `DatasetCardData`), declare
`configs`, and each config's `data_files` patterns must resolve - with the same resolver `datasets` uses
when loading - to files that are actually pushed (not `_state/`, not withheld media). Parquet files of
one config must share one schema, or `load_dataset` would fail to concatenate them. A card that would
not load from the Hub is refused, with the config and pattern named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ladderdata.errors import HubError
from ladderdata.writers.layout import BuildLayout

FIX = "rebuild with `ladderdata build`, or fix the card's YAML `configs`"


@dataclass(frozen=True)
class CardCheck:
    """Result of a successful card check: config name -> pushed files it loads."""

    configs: dict[str, list[str]]
    default_config: str | None


def _parquet_schema_mismatch(root: Path, relpaths: list[str]) -> tuple[str, str] | None:
    import pyarrow.parquet as pq

    parquet = [p for p in relpaths if p.endswith(".parquet")]
    if len(parquet) < 2:
        return None
    first = pq.read_schema(root / parquet[0]).remove_metadata()
    for other in parquet[1:]:
        if not pq.read_schema(root / other).remove_metadata().equals(first):
            return parquet[0], other
    return None


def validate_card(layout: BuildLayout, pushed: set[str]) -> CardCheck:
    """Validate README.md of the build against the set of relpaths that will be pushed.

    Raises HubError naming the card and the offending config/pattern.
    """
    from huggingface_hub import DatasetCard

    card_path = layout.card
    if not card_path.is_file():
        raise HubError.at(card_path, "no dataset card (README.md)", FIX)
    try:
        card = DatasetCard(card_path.read_text(encoding="utf-8"))
    except Exception as err:  # YAML errors come in several types; all mean "would not load"
        raise HubError.at(
            card_path, f"card header does not parse ({' '.join(str(err).split())})", FIX
        ) from None

    from datasets.data_files import resolve_pattern, sanitize_patterns
    from datasets.utils.metadata import MetadataConfigs

    try:
        configs = MetadataConfigs.from_dataset_card_data(card.data)
        default_config = configs.get_default_config_name()
    except ValueError as err:
        raise HubError.at(card_path, f"invalid `configs` ({' '.join(str(err).split())})", FIX) from None
    if not configs:
        raise HubError.at(card_path, "the YAML header declares no `configs`", FIX)

    root = layout.root
    resolved_root = root.resolve()
    result: dict[str, list[str]] = {}
    for name, params in configs.items():
        data_files = params.get("data_files")
        if data_files is None:
            raise HubError.at(card_path, f"config {name!r} has no `data_files`", FIX)
        base = root / params.get("data_dir", "")
        files: set[str] = set()
        for split, patterns in sanitize_patterns(data_files).items():
            for pattern in patterns:
                try:
                    matched = resolve_pattern(str(pattern), base_path=str(base))
                except FileNotFoundError:
                    raise HubError.at(
                        card_path, f"config {name!r} split {split!r}: `{pattern}` matches no file", FIX
                    ) from None
                rel = {Path(m).resolve().relative_to(resolved_root).as_posix() for m in matched}
                unpushed = sorted(rel - pushed)
                if unpushed:
                    raise HubError.at(
                        card_path,
                        f"config {name!r}: `{pattern}` matches {unpushed[0]}, which is not pushed "
                        "(working state, scratch or withheld media)",
                        FIX,
                    )
                files |= rel
        mismatch = _parquet_schema_mismatch(root, sorted(files))
        if mismatch:
            raise HubError.at(
                card_path,
                f"config {name!r}: {mismatch[0]} and {mismatch[1]} have different Parquet schemas, "
                "so the config would not load",
                FIX,
            )
        result[name] = sorted(files)
    return CardCheck(configs=result, default_config=default_config)
