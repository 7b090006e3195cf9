"""The Hub-ready folder: built, loaded offline with datasets.load_dataset, pushed as a dry run."""

from collections import Counter

import pytest
import yaml

from benchmark import load_suite
from benchmark.analysis.dataset import build_dataset, load, push_dataset
from benchmark.core.errors import SftcastError


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_dataset(tmp_path_factory.mktemp("ds"), ["zeng2025"])


def test_card_front_matter_declares_configs(built):
    text = (built / "README.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    names = [c["config_name"] for c in front["configs"]]
    assert names == ["zeng2025_models", "zeng2025_pairs"]
    for section in (
        "Dataset description",
        "Uses",
        "Dataset structure",
        "Dataset creation",
        "limitations",
        "Citation",
    ):
        assert section in text
    assert "| `zeng2025_pairs` | 3675 |" in text and "@article{zeng2025" in text


def test_load_dataset_on_the_folder(built):
    pairs = load(built, "zeng2025_pairs")
    assert pairs.num_rows == 3675
    assert {"model_a", "model_b", "task", "score_a", "score_b", "delta", "label", "tie"} <= set(
        pairs.column_names
    )
    cms = pairs.filter(lambda r: r["task"] == "cms")
    assert cms.num_rows == 1225
    models = load(built, "zeng2025_models")
    assert models.num_rows == 50 and "ppl_sc" in models.column_names


def test_plain_load_dataset_call(built):
    from datasets import load_dataset

    assert load_dataset(str(built), "zeng2025_pairs", split="train").num_rows == 3675


def test_push_dry_run_lists_files_and_refuses_bad_input(built, tmp_path):
    files = push_dataset(built, "org/sftcast", dry_run=True)
    assert files == ["README.md", "data/zeng2025/models.parquet", "data/zeng2025/pairs.parquet"]
    with pytest.raises(SftcastError, match="org/name"):
        push_dataset(built, "sftcast", dry_run=True)
    with pytest.raises(SftcastError, match="not a built dataset folder"):
        push_dataset(tmp_path, "org/sftcast", dry_run=True)


def test_push_without_token_is_a_clear_error(built, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(SftcastError, match="no Hugging Face token"):
        push_dataset(built, "org/sftcast")


def test_tiny_configs_load_with_1225_pairs_per_task(tmp_path):
    from datasets import load_dataset


    suite = load_suite("tiny")
    built = build_dataset(tmp_path / "ds", ["tiny"])
    pairs = load_dataset(str(built), "tiny_pairs", split="train")
    assert Counter(pairs["task"]) == {"cms": 1225, "rag": 1225, "cbqa": 1225}
    assert load_dataset(str(built), "tiny_models", split="train").num_rows == 50
    seeds = load_dataset(str(built), "tiny_seeds", split="train").to_pandas()
    repeated = seeds.groupby("model_id")["seed"].nunique()
    assert len(repeated) == 50 and (repeated >= 2).sum() >= 10  # the noise reruns ship with the data
    checkpoints = load_dataset(str(built), "tiny_checkpoints", split="train").to_pandas()
    assert sorted(checkpoints["fraction"].unique()) == [0.25, 0.5, 0.75, 1.0]
    assert len(checkpoints) == 4 * len(seeds)
    card = (built / "README.md").read_text()
    assert "#### `tiny`" in card and "| cms | **acc** |" in card and "(figures/tiny_noise.png)" in card
    assert (built / "figures" / "tiny_noise.png").stat().st_size > 10_000
    assert suite.meta["label_score"]["cms"] == "acc"
