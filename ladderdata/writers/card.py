"""The build's README.md dataset card: YAML header from `huggingface_hub.DatasetCardData`, body from
`templates/dataset_card.md.j2`.

The header is what the Hub and `datasets` read: licence (a Hub licence id such as `cc0-1.0` when every
source has one and may be redistributed, else `other` with `license_name` / `license_link` pointing at
the scan dataset's terms), `language`, `size_categories`, `task_categories`, `tags`, `configs` (one per
entry of `writers/configs.py` whose shards exist; `spatial` is the default) and `dataset_info` with the
features of each config read from its first shard. The body reports counts per family and question type,
the source licences, the media policy and citations. No dates: the card is byte-stable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from ladderdata import __version__
from ladderdata.config import PROJECT_ROOT, BuildConfig
from ladderdata.errors import TemplateError
from ladderdata.records import FAMILY_ORDER, SCHEMA_VERSION, Family
from ladderdata.writers.configs import config_entries, present_configs
from ladderdata.writers.layout import BuildLayout

CARD_TEMPLATE = PROJECT_ROOT / "templates" / "dataset_card.md.j2"
UPSTREAM = "https://huggingface.co/datasets/hongxingli/SpatialLadder-26k"
"""The published dataset whose format the build reproduces."""
HUB_LICENCE_IDS = frozenset(
    {
        "apache-2.0",
        "mit",
        "cc0-1.0",
        "cc-by-4.0",
        "cc-by-sa-4.0",
        "cc-by-nc-4.0",
        "cc-by-nc-sa-4.0",
        "cc-by-nc-nd-4.0",
        "odc-by",
        "pddl",
        "odbl",
    }
)
"""Hub licence identifiers a source's `licence.name` may match (case-insensitively)."""
LINKS = {
    "SpatialLadder-26k": UPSTREAM,
    "SpatialLadder paper": "https://arxiv.org/abs/2510.08531",
    "SpatialLadder code": "https://github.com/ZJU-REAL/SpatialLadder",
    "VSI-Bench": "https://huggingface.co/datasets/nyu-visionx/VSI-Bench",
    "ScanNet": "http://www.scan-net.org/",
}
CITATIONS = (
    """@article{li2025spatialladder,
  title   = {SpatialLadder: Progressive Training for Spatial Reasoning in Vision-Language Models},
  author  = {Li, Hongxing and Li, Dingming and Wang, Zixuan and Yan, Yuchen and Wu, Hang and Zhang, Wenqi
             and Shen, Yongliang and Lu, Weiming and Xiao, Jun and Zhuang, Yueting},
  journal = {arXiv preprint arXiv:2510.08531},
  year    = {2025}
}""",
    """@inproceedings{yang2025thinking,
  title     = {Thinking in Space: How Multimodal Large Language Models See, Remember, and Recall Spaces},
  author    = {Yang, Jihan and Yang, Shusheng and Gupta, Anjali W. and Han, Rilyn and Fei-Fei, Li
               and Xie, Saining},
  booktitle = {CVPR},
  year      = {2025}
}""",
    """@inproceedings{dai2017scannet,
  title     = {ScanNet: Richly-annotated 3D Reconstructions of Indoor Scenes},
  author    = {Dai, Angela and Chang, Angel X. and Savva, Manolis and Halber, Maciej and Funkhouser, Thomas
               and Nie{\\ss}ner, Matthias},
  booktitle = {CVPR},
  year      = {2017}
}""",
)
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def size_category(rows: int) -> str:
    """The Hub's `size_categories` bucket of a row count."""
    for limit, name in SIZE_CATEGORIES:
        if rows < limit:
            return name
    return "1M<n<10M"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


def licence_fields(config: BuildConfig) -> dict[str, Any]:
    """`license` (+ `license_name`, `license_link` for `other`) of the card header."""
    names = sorted({s.licence.name for s in config.sources})
    ids = {n.lower() for n in names}
    redistributable = not any(s.licensed for s in config.sources)
    if redistributable and len(ids) == 1 and ids <= HUB_LICENCE_IDS:
        return {"license": next(iter(ids))}
    fields: dict[str, Any] = {"license": "other", "license_name": "-and-".join(_slug(n) for n in names)}
    links = sorted({s.licence.url for s in config.sources if s.licence.url})
    if links:
        fields["license_link"] = links[0] if len(links) == 1 else " ".join(links)
    return fields


def dataset_infos(layout: BuildLayout) -> Any:
    """`datasets.DatasetInfosDict` of the configs present: features from each config's first shard,
    rows and bytes of its shards."""
    import pyarrow.parquet as pq
    from datasets import Features, SplitDict, SplitInfo
    from datasets.info import DatasetInfo, DatasetInfosDict

    infos = {}
    for spec, globs in present_configs(layout):
        files = sorted(p for g in globs for p in layout.root.glob(g))
        features = Features.from_arrow_schema(pq.read_schema(files[0]))
        rows = sum(pq.read_metadata(f).num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        splits = SplitDict()
        splits.add(SplitInfo(name="train", num_bytes=size, num_examples=rows))
        infos[spec.name] = DatasetInfo(
            description=spec.description, features=features, splits=splits, download_size=size
        )
    return DatasetInfosDict(infos)


_YAML_DTYPES = {
    "int64": "int64",
    "int32": "int32",
    "double": "float64",
    "float": "float32",
    "bool": "bool",
    "string": "string",
    "binary": "binary",
}
"""Arrow type name -> `datasets.Value` dtype, for the column types the build writes."""


def _feature_yaml(arrow: Any, feature: Any) -> dict[str, Any] | None:
    """`datasets`' YAML of one feature (`Features._to_yaml_list`): from the `huggingface` metadata's
    feature dict when the shard has one (the preview's images), else from the Arrow type; None for a
    type not handled here (the caller then asks `datasets`)."""
    import pyarrow as pa

    kind = feature.get("_type") if isinstance(feature, dict) else None
    if kind == "Image" and set(feature) == {"_type"}:
        return {"dtype": "image"}
    if pa.types.is_list(arrow) and kind in (None, "List"):
        if kind == "List" and set(feature) != {"_type", "feature"}:
            return None
        inner = _feature_yaml(arrow.value_type, feature["feature"] if kind else None)
        if inner is None:
            return None
        if list(inner) == ["dtype"]:  # `list: int64` rather than `list: {dtype: int64}`
            return {"list": inner["dtype"]}
        if list(inner) == ["struct"]:  # `list: [fields]` rather than `list: {struct: [fields]}`
            return {"list": inner["struct"]}
        return {"list": inner}
    if pa.types.is_struct(arrow) and (feature is None or (isinstance(feature, dict) and kind is None)):
        fields = []
        for field in arrow:
            inner = _feature_yaml(field.type, feature.get(field.name) if feature else None)
            if inner is None:
                return None
            fields.append({"name": field.name, **inner})
        return {"struct": fields}
    dtype = _YAML_DTYPES.get(str(arrow))
    if dtype is None or (feature is not None and feature != {"dtype": dtype, "_type": "Value"}):
        return None
    return {"dtype": dtype}


def _features_yaml(schema: Any) -> list[dict[str, Any]] | None:
    """The `features` list of a config's `dataset_info` from its first shard's schema (None: ask
    `datasets`)."""
    import json

    import pyarrow as pa

    meta = (schema.metadata or {}).get(b"huggingface")
    features = json.loads(meta)["info"]["features"] if meta else None
    if features is not None and list(features) != schema.names:
        return None
    found = _feature_yaml(pa.struct(list(schema)), features)
    return None if found is None else found["struct"]


def dataset_info_yaml(layout: BuildLayout) -> list[dict[str, Any]] | None:
    """The card's `dataset_info` entries as `datasets` writes them (`DatasetInfosDict.
    to_dataset_card_data` of `dataset_infos`), sorted by config name, built with pyarrow alone:
    importing `datasets` cost a build more than writing its card. None when a column has a type not
    handled here (`card_data` then uses `datasets`)."""
    import pyarrow.parquet as pq

    entries = []
    for spec, globs in present_configs(layout):
        files = sorted(p for g in globs for p in layout.root.glob(g))
        features = _features_yaml(pq.read_schema(files[0]))
        if features is None:
            return None
        rows = sum(pq.read_metadata(f).num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        split = {"name": "train", "num_bytes": size, "num_examples": rows}
        entries.append(
            {"config_name": spec.name, "features": features, "splits": [split], "download_size": size}
        )
    return sorted(entries, key=lambda e: e["config_name"])


def card_data(config: BuildConfig, layout: BuildLayout, total_rows: int) -> Any:
    """The card's header as a `huggingface_hub.DatasetCardData`."""
    from huggingface_hub import DatasetCardData

    data = DatasetCardData(
        pretty_name=config.name,
        **licence_fields(config),
        language=["en"],
        size_categories=[size_category(total_rows)],
        task_categories=["visual-question-answering"],
        tags=["spatial-reasoning", "3d", "spatialladder", "vsi-bench"]
        + (["scannet"] if any(s.kind == "scannet" for s in config.sources) else ["synthetic"]),
        configs=config_entries(layout),
    )
    infos = dataset_info_yaml(layout)
    if infos is None:
        dataset_infos(layout).to_dataset_card_data(data)
    elif len(infos) > 1:
        data["dataset_info"] = infos
    elif infos:  # one config: `datasets` writes a mapping, not a list
        data["dataset_info"] = infos[0]
    return data


def front_matter(config: BuildConfig, layout: BuildLayout, total_rows: int) -> str:
    """YAML front matter (without the `---` fences), written by `DatasetCardData.to_yaml`."""
    return card_data(config, layout, total_rows).to_yaml() + "\n"


def render_card(
    *,
    config: BuildConfig,
    layout: BuildLayout,
    families: Sequence[Family],
    counts: Mapping[Family, Mapping[str, int]],
    stages: Mapping[str, Mapping[str, Any]],
    scans_per_source: Mapping[str, int],
    exclusions: Mapping[str, int],
    media_policy: str,
    images: int,
    faults: Mapping[str, Mapping[str, int]] | None = None,
    meanings: Mapping[str, Mapping[str, Mapping[str, Mapping[str, int]]]] | None = None,
    meaning_notes: Sequence[str] = (),
    rows_per_source: Mapping[tuple[str, str], int] | None = None,
) -> str:
    """Render the card text.

    `rows_per_source`: (source kind, family) -> rows kept; a build from more than one source gets a
    rows-per-source table (a one-source card is unchanged).

    `faults`: unit (scans, frames, objects) -> reason -> count dropped;
    `meanings`: family -> question type -> subtype -> meaning -> rows (stats.json `meanings`);
    `meaning_notes`: sentences on subtypes a scarce answer meaning kept small."""
    fams = [f for f in FAMILY_ORDER if f in families]
    fam_rows = []
    for f in fams:
        quotas = {qt.value: n for qt, n in config.families.get(f).quotas.items()}
        type_names = sorted(set(quotas) | set(counts.get(f, {})))
        types = [
            {"name": t, "rows": counts.get(f, {}).get(t, 0), "quota": quotas.get(t, 0)} for t in type_names
        ]
        fam_rows.append(
            {
                "name": f.value,
                "rows": sum(t["rows"] for t in types),
                "quota": sum(quotas.values()),
                "types": types,
            }
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(CARD_TEMPLATE.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    try:
        template = env.get_template(CARD_TEMPLATE.name)
        return template.render(
            front_matter=front_matter(config, layout, sum(f["rows"] for f in fam_rows)),
            name=config.name,
            description=config.description.strip(),
            upstream=UPSTREAM,
            code_version=__version__,
            manifest_name=config.manifest_path.name if config.manifest_path else "(inline)",
            seed=config.seed,
            schema_version=SCHEMA_VERSION,
            load_path="<build dir or hub repo id>",
            configs=[
                {"name": spec.name, "description": spec.description, "default": spec.default}
                for spec, _ in present_configs(layout)
            ],
            links=LINKS,
            citations=CITATIONS,
            families=fam_rows,
            total_rows=sum(f["rows"] for f in fam_rows),
            total_quota=sum(f["quota"] for f in fam_rows),
            letter_tolerance=f"+-{config.balance.letter_tolerance:.0%}",
            max_value_share=f"{config.balance.max_numeric_value_share:.0%}",
            sources=[
                {
                    "name": s.name,
                    "kind": s.kind,
                    "scans": scans_per_source.get(s.name, 0),
                    "licensed": s.licensed,
                    "licence": s.licence.name + (f" ({s.licence.url})" if s.licence.url else ""),
                    "licence_text": " ".join((s.licence.text or "").split()),
                }
                for s in config.sources
            ],
            exclusions=[{"name": k, "scans": v} for k, v in sorted(exclusions.items())],
            source_row_families=[f.value for f in fams] if len(config.sources) > 1 else [],
            source_rows=_source_rows(config, fams, rows_per_source) if len(config.sources) > 1 else [],
            media_policy=media_policy,
            images=images,
            faults=[
                {"unit": unit, "reason": reason, "count": n}
                for unit, reasons in (faults or {}).items()
                for reason, n in reasons.items()
            ],
            meanings=meaning_rows(meanings or {}),
            meaning_notes=list(meaning_notes),
            stages=[
                {"name": name, "kept": st.get("kept", 0), "dropped": st.get("dropped_total", 0)}
                for name, st in stages.items()
            ],
        )
    except jinja2.TemplateError as err:
        line = getattr(err, "lineno", None)
        where = f"{CARD_TEMPLATE}:{line}" if line else str(CARD_TEMPLATE)
        raise TemplateError(f"{where}: {err}; fix the dataset card template") from None


def meaning_rows(
    meanings: Mapping[str, Mapping[str, Mapping[str, Mapping[str, int]]]],
) -> list[dict[str, Any]]:
    """Card rows of the answer-meaning table: `left 3 (50.0%), right 3 (50.0%)` per subtype."""
    rows = []
    for family, per_type in meanings.items():
        for qt, per_sub in per_type.items():
            for sub, counts in per_sub.items():
                n = sum(counts.values())
                shares = ", ".join(f"{m} {c} ({c / n:.1%})" for m, c in counts.items()) if n else "-"
                rows.append(
                    {"family": family, "question_type": qt, "subtype": sub, "rows": n, "shares": shares}
                )
    return rows


def _source_rows(
    config: BuildConfig, fams: Sequence[Family], rows: Mapping[tuple[str, str], int] | None
) -> list[dict[str, Any]]:
    """One row per source: kept rows per family and in all (rows carry the source kind)."""
    out = []
    for s in config.sources:
        cells = [int((rows or {}).get((s.kind, f.value), 0)) for f in fams]
        out.append({"name": s.name, "cells": cells, "total": sum(cells)})
    return out
