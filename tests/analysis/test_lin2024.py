"""lin2024 (Lin et al. 2024): the suite as data, its budgeted probes, the literature predictors,
Table 1 against the published LaTeX table, and the dataset configs."""

import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from benchmark.analysis.budget_table import (
    KEY,
    RATIOS,
    compute_table1,
    published_table1,
    read_published_table1,
)
from benchmark.cli import main
from benchmark.core.errors import SftcastError
from benchmark.core.evaluate import evaluate
from benchmark.core.pairs import suite_pairs
from benchmark.core.predictors import get_predictor
from benchmark.core.predictors.literature import accept_then_stop
from benchmark.core.protocol import predict
from benchmark.core.schema import SUITES_DIR, load_suite

SUITE = load_suite("lin2024")
TOLERANCE = {"ZeroShot": 0.2, "SubTuning": 0.2, "ModelSize": 0.2, "AtS": 0.5}


def test_suite_reads_the_three_csvs_unchanged():
    raw = pd.read_csv(SUITES_DIR / "lin2024" / "wmt19.csv")
    assert len(SUITE.models) == 30 and SUITE.tasks == ["flan", "wmt19", "gigaword"]
    assert SUITE.model_ids == raw["config name"].tolist()  # Hub ids
    row = SUITE.models.set_index("model_id").loc["gpt2-xl"]
    src = raw.set_index("config name").loc["gpt2-xl"]
    assert row["sft_wmt19"] == src["1638400"] and row["zero_shot_loss@wmt19"] == src["0"]
    assert row["loss_25600@wmt19"] == src["25600"] and row["size"] == src["size"]
    assert all(SUITE.direction(t) == "lower" for t in SUITE.tasks)


def test_pairs_follow_lower_is_better():
    pairs = suite_pairs(SUITE, "flan")
    assert len(pairs) == 435
    assert ((pairs["label"] == 1) == (pairs["score_a"] < pairs["score_b"])).all()


def test_view_shows_one_tasks_signal_under_its_name_and_hides_probes_past_the_budget():
    view = SUITE.view(None, None, "gigaword", Fraction(1, 64))
    assert "zero_shot_loss" in view and not any("@" in c or c.startswith("sft_") for c in view.columns)
    assert "loss_25600" in view and "loss_51200" not in view
    src = SUITE.models["zero_shot_loss@gigaword"].to_numpy()
    assert np.array_equal(view["zero_shot_loss"].to_numpy(), src)
    assert "loss_3200" in SUITE.view(None, None, "flan", Fraction(1, 512)) and "loss_6400" not in SUITE.view(
        None, None, "flan", Fraction(1, 512)
    )


def test_budget_changes_what_subtuning_sees():
    """At 1/512 SubTuning ranks by the loss at 3,200 examples: its predictions are that ordering."""
    preds = predict(SUITE, get_predictor("subtuning"), "all-pairs", budget="1/512", tasks=["wmt19"])
    loss = SUITE.models.set_index("model_id")["loss_3200@wmt19"]
    a, b = loss.loc[preds["model_a"]].to_numpy(), loss.loc[preds["model_b"]].to_numpy()
    assert ((preds["prob_a_better"].to_numpy() > 0.5) == (a < b)).all()
    other = predict(SUITE, get_predictor("subtuning"), "all-pairs", budget="1/64", tasks=["wmt19"])
    assert not np.allclose(preds["prob_a_better"], other["prob_a_better"])


def test_accept_then_stop_recovers_a_power_law_after_a_transition():
    n = 200.0 * 2 ** np.arange(10)
    loss = 3.0 * n**-0.1
    loss[:3] = loss[3] * 1.5  # a flat pre-power phase
    assert accept_then_stop(n, loss, 1638400) == pytest.approx(3.0 * 1638400**-0.1, rel=1e-9)


def test_table1_matches_every_published_cell():
    published = read_published_table1(SUITES_DIR / "lin2024" / "published_table1.tex")
    assert published == published_table1(SUITE) and len(published) == 3 * 7 * 4 * 2
    ours = {(r["dataset"], r["ratio"], r["method"], r["metric"]): r["value"] for r in compute_table1(SUITE)}
    assert len(ours) == len(published)
    worst = {}
    for cell in published:
        key = (cell["dataset"], cell["ratio"], cell["method"], cell["metric"])
        gap = abs(ours[key] - cell["value"])
        assert gap <= TOLERANCE[cell["method"]], (key, ours[key], cell["value"])
        worst[cell["method"]] = max(worst.get(cell["method"], 0.0), gap)
    assert set(worst) == set(TOLERANCE) and {c["ratio"] for c in published} == set(RATIOS)


def test_predictors_that_cannot_serve_refuse_in_one_sentence():
    with pytest.raises(SftcastError, match=r"^predictor 'ppl_sc' cannot serve suite 'lin2024': it needs"):
        evaluate(SUITE, get_predictor("ppl_sc"), "all-pairs")
    zeng = load_suite("zeng2025")
    with pytest.raises(SftcastError, match="'ats' cannot serve suite 'zeng2025': it needs a probe signal"):
        evaluate(zeng, get_predictor("ats"), "all-pairs")


@pytest.mark.parametrize("protocol", ["all-pairs", "splits"])
def test_cli_evaluate_ats_json(protocol, capsys):
    assert main(["evaluate", "--suite", "lin2024", "--predictor", "ats", "--protocol", protocol,
                 "--format", "json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["budget"] == "1/64" and result["protocol"] == protocol
    assert set(result["tasks"]) == {"flan", "wmt19", "gigaword"}
    assert result["tasks"]["gigaword"]["accuracy"] > 0.8  # AtS extrapolates well on Gigaword


def test_lin2024_dataset_configs(tmp_path):
    from datasets import load_dataset

    from benchmark.analysis.dataset import build_dataset

    built = build_dataset(tmp_path / "ds", ["lin2024", "zeng2025"])
    pairs = load_dataset(str(built), "lin2024_pairs", split="train").to_pandas()
    assert len(pairs) == 3 * 435 and pairs.groupby("task").size().to_dict() == dict.fromkeys(
        ["flan", "gigaword", "wmt19"], 435
    )
    assert load_dataset(str(built), "lin2024_models", split="train").num_rows == 30
    assert load_dataset(str(built), split="train").num_rows == 3 * 1225  # the default config
    assert (
        "lin2024" in (built / "README.md").read_text() and "Apache-2.0" in (built / "README.md").read_text()
    )


def test_table1_key_in_results_json_is_documented_format():
    rows = compute_table1(SUITE, ratios=(64,))
    assert {tuple(sorted(r)) for r in rows} == {("dataset", "method", "metric", "ratio", "value")}
    assert {r["dataset"] for r in rows} == {"FLAN", "WMT19", "GIGAWORD"} and KEY == "lin2024_table1"
