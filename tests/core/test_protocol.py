"""Protocols, and the acceptance numbers of the paper's Tables 1 and 2 on the shipped data."""

import pytest

from benchmark import evaluate, get_predictor, load_suite
from benchmark.core.errors import SftcastError
from benchmark.core.protocol import expected_pairs, predict, split_models, split_seeds

SUITE = load_suite("zeng2025")
PUBLISHED = SUITE.meta["published"]


def test_splits_are_60_40_disjoint_and_seeded():
    train, test = split_models(SUITE.model_ids, 7)
    assert len(train) == 30 and len(test) == 20 and not set(train) & set(test)
    assert split_models(SUITE.model_ids, 7) == (train, test)
    assert split_models(SUITE.model_ids, 8) != (train, test)
    assert split_seeds(0)[:3] == [0, 1, 2] and split_seeds(1)[0] == 1000


def test_splits_protocol_is_deterministic_for_a_seed():
    first = predict(SUITE, get_predictor("ltc_lightgbm"), "splits", seed=3, tasks=["cms"])
    again = predict(SUITE, get_predictor("ltc_lightgbm"), "splits", seed=3, tasks=["cms"])
    assert first.equals(again)
    assert len(first) == 20 * 190
    other = predict(SUITE, get_predictor("ltc_lightgbm"), "splits", seed=4, tasks=["cms"])
    assert not first.equals(other)


def test_expected_pairs_match_predictions():
    exp = expected_pairs(SUITE, "all-pairs")
    preds = predict(SUITE, get_predictor("ppl_sc"), "all-pairs")
    assert len(exp) == 3 * 1225
    assert exp.equals(preds.drop(columns="prob_a_better"))


@pytest.mark.parametrize("name", list(PUBLISHED["all-pairs"]))
def test_table1_reproduced_within_003(name):
    result = evaluate(SUITE, get_predictor(name), "all-pairs", n_boot=10)
    for task, paper in PUBLISHED["all-pairs"][name].items():
        assert result["tasks"][task]["accuracy"] == pytest.approx(paper, abs=0.03), (name, task)


def test_ltc_lightgbm_splits_within_003_of_table2():
    result = evaluate(SUITE, get_predictor("ltc_lightgbm"), "splits", n_boot=10)
    for task, (mean, _std) in PUBLISHED["splits"]["ltc_lightgbm"].items():
        r = result["tasks"][task]
        assert r["accuracy"] == pytest.approx(mean, abs=0.03), task
        assert r["accuracy_std"] > 0 and r["error_reduction_vs_ppl_clm"] > 0.3
        assert len(r["top1_recall_at_k"]) == 20 and r["top1_recall_at_k"][-1] == 1.0


def test_ppl_clm_is_worse_than_chance():
    result = evaluate(SUITE, get_predictor("ppl_clm"), "all-pairs", n_boot=200)
    for r in result["tasks"].values():
        assert r["ci95"][1] < 0.5


def test_cross_task_matrix():
    result = evaluate(SUITE, get_predictor("ppl_sc"), "cross-task")
    assert set(result["cross_task"]) == {"cms", "rag", "cbqa"}
    # An unsupervised proxy ignores the training task: every row is the same.
    rows = [tuple(round(c["accuracy"], 12) for c in row.values()) for row in result["cross_task"].values()]
    assert len(set(rows)) == 1


def test_supervised_predictor_refused_in_all_pairs():
    with pytest.raises(SftcastError, match="supervised"):
        evaluate(SUITE, get_predictor("ltc_logreg"), "all-pairs")


class _Recorder:
    """A predictor that keeps what ``fit`` and ``predict`` were shown, and predicts by one column."""

    supervised = True

    def __init__(self, column: str = "kshot_facts") -> None:
        self.column = column

    def fit(self, train_models, task):
        self.seen_fit_ = list(train_models.columns)
        return self

    def predict(self, pairs):
        self.seen_pairs_ = list(pairs.columns)
        _Recorder.last = self
        return (pairs[f"{self.column}_a"] > pairs[f"{self.column}_b"]).astype(float).to_numpy()


def test_predictors_see_the_suites_extra_signals_and_no_other_sft_score():
    tiny = load_suite("tiny")
    predict(tiny, _Recorder(), "splits", seed=0, tasks=["cms"])
    seen = _Recorder.last
    assert {"kshot_facts_a", "final_loss_b", "ppl_clm_a"} <= set(seen.seen_pairs_)
    sft = [c for c in seen.seen_fit_ if c.startswith("sft_")]
    assert sft == ["sft_cms"]  # not sft_rag, nor sft_cms_gold_loglik / sft_rag_em beside the labels
