"""Shared test settings: no network, single-threaded numerics."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def micro_data(tmp_path_factory: pytest.TempPathFactory):
    """The hand-made micro data folder (held-out world text, 8/4/4 records per subset), built once."""
    from micro_models import write_micro_data

    return write_micro_data(tmp_path_factory.mktemp("micro") / "data")


@pytest.fixture(scope="session")
def micro_world_data(tmp_path_factory: pytest.TempPathFactory):
    """The micro world's harness data folder as the producer writes it, built once."""
    from benchmark.produce.harness_data import prepare_data

    return prepare_data("micro", 0, tmp_path_factory.mktemp("micro-world") / "data", n_words=3000)


@pytest.fixture(scope="session")
def micro_checkpoint(tmp_path_factory: pytest.TempPathFactory):
    """One micro pre-trained checkpoint, trained once: variant 5 (CLM on DC-0, lr 1e-2) for 3000
    steps instead of the preset's 40, which store no fact; long enough that SFT improves on it in
    every task and that ``kshot_props`` clears random weights (docs/tiny.md, "The micro
    acceptance test"). Its run summary (variant, steps) is ``summary.json`` beside it."""
    from benchmark.produce.presets import pretrain_variant, suite_dir

    out, variant = tmp_path_factory.mktemp("micro-checkpoint"), 5
    overrides = {"max_steps": 3000, "num_threads": 1}
    summary = pretrain_variant("micro", variant, out=out, progress_bar=False, overrides=overrides)
    return suite_dir("micro", out, 0) / f"v{variant:02d}" / f"checkpoint-{summary['step']}"
