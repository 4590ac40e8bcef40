"""The dataset card is checked before any upload; a card that would not load is refused."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ladderdata.errors import HubError
from ladderdata.hub.push import prepare_push
from ladderdata.writers.checksums import write_checksums
from ladderdata.writers.layout import BuildLayout
from tests.hub.handmade import CARD


def test_valid_card_lists_the_files_each_config_loads(copy_build):
    plan = prepare_push(copy_build.root, allow_media=False)
    assert plan.card.configs == {
        "grounding": ["data/localization/train-00000.parquet"],
        "spatial": ["data/multi_view/train-00000.parquet", "data/single_image/train-00000.parquet"],
        "single_image": ["data/single_image/train-00000.parquet"],
    }


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("# no YAML header at all\n", "declares no `configs`"),
        ("---\nlicense: other\n---\n# card\n", "declares no `configs`"),
        ("---\nconfigs: [\n---\n", "does not parse"),
        ("---\nconfigs:\n- data_files: data/*.parquet\n---\n", "invalid `configs`"),
        (CARD.replace("data/localization/*.parquet", "data/grounding/*.parquet"), "matches no file"),
        # `*` also matches the scratch shard `train-00001.parquet.tmp`, which is never pushed
        (
            CARD.replace("data_files: data/single_image/*.parquet", "data_files: data/single_image/*"),
            "not pushed",
        ),
    ],
)
def test_broken_cards_are_refused(copy_build, card, message):
    (copy_build.root / "README.md").write_text(card)
    with pytest.raises(HubError, match="README.md") as err:
        prepare_push(copy_build.root, allow_media=False)
    assert message in str(err.value)


def test_missing_card_is_refused(copy_build):
    (copy_build.root / "README.md").unlink()
    with pytest.raises(HubError, match="no dataset card"):
        prepare_push(copy_build.root, allow_media=False)


def test_shards_with_different_schemas_in_one_config_are_refused(copy_build):
    other = pa.table({"question_id": pa.array([9], pa.int64()), "question": ["only two columns"]})
    pq.write_table(other, copy_build.root / "data" / "single_image" / "train-00001.parquet")
    write_checksums(BuildLayout(copy_build.root))  # recorded, so verify passes and the card check runs
    with pytest.raises(HubError, match="different Parquet schemas"):
        prepare_push(copy_build.root, allow_media=False)


def test_card_pattern_hitting_withheld_images_is_refused(licensed_build):
    card = CARD.replace(
        "---\n\n# Hand", "- config_name: frames\n  data_files: images/**/*.jpg\n---\n\n# Hand"
    )
    (licensed_build.root / "README.md").write_text(card)
    with pytest.raises(HubError, match="not pushed"):
        prepare_push(licensed_build.root, allow_media=False)
    assert "frames" in prepare_push(licensed_build.root, allow_media=True).card.configs
