"""The build's README.md dataset card, rendered from `templates/dataset_card.md.j2`.

The YAML front matter's `configs` (grounding, spatial, one per family) let
`datasets.load_dataset(build_dir, "grounding")` read the shards; it is produced with `yaml.safe_dump`
so labels and paths are always quoted correctly. The body reports counts per family and question type,
the source licences and the media policy. No dates: the card is byte-stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import yaml

from ladderdata import __version__
from ladderdata.config import FAMILY_ORDER, PROJECT_ROOT, BuildConfig
from ladderdata.errors import TemplateError
from ladderdata.records import SCHEMA_VERSION, Family
from ladderdata.writers.info import dataset_configs
from ladderdata.writers.layout import BuildLayout

CARD_TEMPLATE = PROJECT_ROOT / "templates" / "dataset_card.md.j2"
UPSTREAM = "https://huggingface.co/datasets/hongxingli/SpatialLadder-26k"
"""The published dataset whose format the build reproduces."""


def front_matter(
    config: BuildConfig, layout: BuildLayout, families: Sequence[Family], *, coldstart: bool = False
) -> str:
    """YAML front matter (without the `---` fences)."""
    licences = sorted({s.licence.name for s in config.sources})
    data: dict[str, Any] = {
        "license": "other",
        "license_name": " + ".join(licences),
        "pretty_name": config.name,
        "task_categories": ["visual-question-answering"],
        "tags": ["spatial-reasoning", "3d", "spatialladder"]
        + (["scannet"] if any(s.kind == "scannet" for s in config.sources) else []),
        "configs": dataset_configs(layout, families, coldstart=coldstart),
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


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
    coldstart: Mapping[str, Any] | None = None,
) -> str:
    """Render the card text (`coldstart`: the cold-start stats entry, when rows were written)."""
    with_coldstart = coldstart is not None
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
            front_matter=front_matter(config, layout, fams, coldstart=with_coldstart),
            name=config.name,
            description=config.description.strip(),
            upstream=UPSTREAM,
            code_version=__version__,
            manifest_name=config.manifest_path.name if config.manifest_path else "(inline)",
            seed=config.seed,
            schema_version=SCHEMA_VERSION,
            load_path="<build dir or hub repo id>",
            configs=[c["config_name"] for c in dataset_configs(layout, fams, coldstart=with_coldstart)],
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
            media_policy=media_policy,
            images=images,
            stages=[
                {"name": name, "kept": st.get("kept", 0), "dropped": st.get("dropped_total", 0)}
                for name, st in stages.items()
            ],
        )
    except jinja2.TemplateError as err:
        line = getattr(err, "lineno", None)
        where = f"{CARD_TEMPLATE}:{line}" if line else str(CARD_TEMPLATE)
        raise TemplateError(f"{where}: {err}; fix the dataset card template") from None
