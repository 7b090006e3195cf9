import numpy as np
import pandas as pd
import pytest

from benchmark import get_predictor, load_suite
from benchmark.core.errors import SftcastError
from benchmark.core.protocol import predict
from benchmark.core.scoring import score_predictions, validate_predictions

SUITE = load_suite("zeng2025")
GOOD = predict(SUITE, get_predictor("ppl_sc"), "all-pairs")


def test_reversed_pairs_are_read_as_mirror():
    flipped = GOOD.copy()
    flipped[["model_a", "model_b"]] = flipped[["model_b", "model_a"]].to_numpy()
    flipped["prob_a_better"] = 1 - flipped["prob_a_better"]
    a = score_predictions(GOOD, SUITE, "all-pairs", n_boot=10)
    b = score_predictions(flipped.sample(frac=1, random_state=0), SUITE, "all-pairs", n_boot=10)
    assert a["tasks"] == b["tasks"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.drop(columns="prob_a_better"), "missing column"),
        (lambda d: d.assign(extra=1), "unexpected column"),
        (lambda d: d.assign(suite="other"), "unknown suite 'other'"),
        (lambda d: d.replace({"task": {"cms": "mmlu"}}), "unknown task 'mmlu'"),
        (lambda d: d.replace({"model_a": {"1": "999"}}), "unknown model id"),
        (lambda d: d.iloc[:-1], "expected pair"),
        (lambda d: d.iloc[list(range(len(d))) + [0]], "duplicated pair"),
        (lambda d: d.assign(prob_a_better=np.where(d.index == 3, np.nan, d["prob_a_better"])), "NaN"),
        (lambda d: d.assign(prob_a_better=np.where(d.index == 3, np.inf, d["prob_a_better"])), "infinite"),
        (lambda d: d.assign(prob_a_better=np.where(d.index == 3, 1.5, d["prob_a_better"])), r"\[0, 1\]"),
        (lambda d: d.assign(split_seed=5), "not part of"),
        (lambda d: pd.concat([d, d[["task"]]], axis=1), "repeated column"),
    ],
)
def test_bad_predictions_get_one_clear_error(mutate, message):
    with pytest.raises(SftcastError, match=message):
        validate_predictions(mutate(GOOD.copy()), SUITE, "all-pairs")


def test_splits_pairs_outside_test_set_rejected():
    preds = predict(SUITE, get_predictor("ppl_sc"), "splits", tasks=["cms", "rag", "cbqa"])
    validate_predictions(preds, SUITE, "splits")
    wrong = preds.copy()
    wrong.loc[0, "split_seed"] = 1
    with pytest.raises(SftcastError):
        validate_predictions(wrong, SUITE, "splits")


def test_error_reduction_baseline_follows_a_suite_edited_in_memory():
    suite = load_suite("zeng2025")
    preds = predict(suite, get_predictor("ppl_sc"), "all-pairs", 0)
    before = score_predictions(preds, suite, "all-pairs", n_boot=10)["tasks"]["cms"]
    edited = load_suite("zeng2025")
    edited.models["ppl_clm"] = edited.models["sft_cms"]  # a PPL-CLM baseline that is always right
    after = score_predictions(preds, edited, "all-pairs", n_boot=10)["tasks"]["cms"]
    assert after["accuracy"] == before["accuracy"]
    # against a near-perfect baseline, ppl_sc's error reduction turns negative (it was +0.55)
    assert np.isfinite(after["error_reduction_vs_ppl_clm"])
    assert after["error_reduction_vs_ppl_clm"] < 0 < before["error_reduction_vs_ppl_clm"]
    swapped = load_suite("zeng2025")  # the same values under swapped column names
    swapped.models = swapped.models.rename(columns={"ppl_clm": "ppl_sc", "ppl_sc": "ppl_clm"})
    flipped = score_predictions(preds, swapped, "all-pairs", n_boot=10)["tasks"]["cms"]
    assert flipped["error_reduction_vs_ppl_clm"] != before["error_reduction_vs_ppl_clm"]
