"""Label maps: ScanNet's combined TSV (with its malformed `furnace` row) and YAML maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderdata.errors import SourceError
from ladderdata.sources import ScanNetSource
from ladderdata.sources.labels import LabelMap

HEADER = (
    "id\traw_category\tcategory\tcount\tnyu40id\teigen13id\tnyuClass\tnyu40class\teigen13class\t"
    "ModelNet40\tModelNet10\tShapeNetCore55\tsynsetoffset\twnsynsetid\twnsynsetkey\tmpcat40index\tmpcat40"
)
ROWS = [
    "1\twall\twall\t8277\t1\t12\twall\twall\twall\t\t\t\t\tn04546855\twall.n.01\t1\twall",
    "3\tcabinet\tcabinet\t697\t3\t6\tcabinet\tcabinet\tcabinet\t\t\t\t\tn02933112\tcabinet.n.01\t7\tcabinet",
    "7\ttrash can\ttrash can\t1090\t39\t40\tgarbage bin\totherfurniture\tFurniture\t\t\t\t\t"
    "n02747177\tashcan.n.01\t39\tobjects",
    # the release's malformed row: 15 fields instead of 17
    "1262\tfurnace\tfurnace\t2\t39\t40\t\totherfurniture\tFurniture\t\t\t\t\tn03404449\tfurnace.n.01",
    "1263\tbroken\tshort row",
]


def write_tsv(path: Path) -> Path:
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def test_tsv_tolerates_short_rows(tmp_path):
    labels = LabelMap.load(write_tsv(tmp_path / "scannetv2-labels.combined.tsv"))
    assert labels.map("Trash  Can") == "trash can"
    assert labels.map("furnace") == "furnace"
    nyu = LabelMap.load(tmp_path / "scannetv2-labels.combined.tsv", column="nyu40class")
    assert nyu.map("trash can") == "otherfurniture"
    assert nyu.map("furnace") == "otherfurniture"  # the 15-field row still reaches column 8
    assert nyu.map("unlisted thing") == "unlisted thing"


def test_yaml_maps_and_repo_vocabulary(tmp_path):
    (tmp_path / "m.yaml").write_text("labels:\n  cabinet: storage cabinet\n  Table: desk\n")
    labels = LabelMap.load(tmp_path / "m.yaml")
    assert labels.map("cabinet") == "storage cabinet" and labels.map("table") == "desk"
    repo = LabelMap.load(Path(__file__).parents[2] / "manifests" / "labels" / "scannet_vocabulary.yaml")
    assert repo.map("trash bin") == "trash can" and repo.map("refridgerator") == "refrigerator"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("bad.yaml", "labels: [a, b", "invalid YAML"),
        ("list.yaml", "- a\n- b\n", "must be a mapping"),
        ("bad.tsv", "id\tname\n1\tx\n", "lacks 'raw_category'"),
        ("map.csv", "a,b\n", "unknown label map format"),
    ],
)
def test_bad_label_maps(tmp_path, name, text, problem):
    (tmp_path / name).write_text(text)
    with pytest.raises(SourceError, match=problem) as info:
        LabelMap.load(tmp_path / name)
    assert name in str(info.value)


def test_adapter_applies_label_map(hand_scan_template, tmp_path):
    (tmp_path / "m.yaml").write_text("cabinet: storage cabinet\n")
    scene = ScanNetSource(hand_scan_template.root, label_map=tmp_path / "m.yaml").load("scene0001_00")
    cab = next(o for o in scene.objects if o.raw_label == "cabinet")
    assert cab.label == "storage cabinet"
    assert {o.label for o in scene.objects} == {"storage cabinet", "table", "box", "floor"}


def test_adapter_label_column(hand_scan_template, tmp_path):
    # ScanNet's combined tsv maps one raw label to several vocabularies; the column is an option
    tsv = tmp_path / "labels.tsv"
    tsv.write_text("id\traw_category\tcategory\tnyu40class\n1\ttable\ttable\tdesk\n")
    root = hand_scan_template.root
    default = ScanNetSource(root, label_map=tsv).load("scene0001_00")
    nyu = ScanNetSource(root, label_map=tsv, label_column="nyu40class").load("scene0001_00")
    assert "table" in {o.label for o in default.objects}
    assert "desk" in {o.label for o in nyu.objects} and "table" not in {o.label for o in nyu.objects}
