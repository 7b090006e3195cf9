import numpy as np
import pytest

from benchmark.core import metrics


def test_credit_ties_and_half_predictions_count_half():
    prob = np.array([0.9, 0.2, 0.5, 0.7, 0.1])
    label = np.array([1, 1, 1, 0, 0])
    tie = np.array([False, False, False, True, False])
    assert metrics.pair_credit(prob, label, tie).tolist() == [1.0, 0.0, 0.5, 0.5, 1.0]
    assert metrics.pairwise_accuracy(prob, label, tie) == pytest.approx(3.0 / 5)


def test_perfect_inverted_and_swapped_predictors():
    label = np.array([1, 0, 1, 0])
    tie = np.zeros(4, dtype=bool)
    perfect = np.where(label == 1, 0.8, 0.2)
    assert metrics.pairwise_accuracy(perfect, label, tie) == 1.0
    assert metrics.pairwise_accuracy(1 - perfect, label, tie) == 0.0
    # Swapping a and b flips both the prediction and the label: accuracy is unchanged.
    assert metrics.pairwise_accuracy(1 - perfect, 1 - label, tie) == 1.0


def test_error_reduction():
    assert metrics.error_reduction(0.75, 0.5) == pytest.approx(0.5)
    assert metrics.error_reduction(0.5, 0.5) == 0.0
    assert metrics.error_reduction(0.25, 0.5) == pytest.approx(-0.5)


def test_gap_quintiles_sort_by_absolute_delta():
    credit = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], dtype=float)
    delta = np.array([0.1, -0.2, 0.3, -0.4, 0.5, 0.6, -0.7, 0.8, 0.9, -1.0])
    assert metrics.gap_quintile_accuracy(credit, delta) == [0.0, 1.0, 1.0, 1.0, 1.0]


def test_borda_topk_rank_and_tau_hand_case():
    ids = ["m1", "m2", "m3"]
    a = np.array(["m1", "m1", "m2"])
    b = np.array(["m2", "m3", "m3"])
    # m3 beats everyone, m1 beats m2.
    prob = np.array([0.9, 0.2, 0.3])
    borda = metrics.borda_scores(ids, a, b, prob)
    assert borda.tolist() == [1.0, 0.0, 2.0]
    true = np.array([2.0, 1.0, 3.0])
    assert metrics.topk_recall(borda, true, top=1) == [1.0, 1.0, 1.0]
    assert metrics.best_model_rank(borda, true) == 1
    assert metrics.kendall_tau(borda, true) == pytest.approx(1.0)
    # An inverted ranking puts the best model last.
    assert metrics.best_model_rank(-borda, true) == 3
    assert metrics.topk_recall(-borda, true, top=1) == [0.0, 0.0, 1.0]
    assert metrics.kendall_tau(-borda, true) == pytest.approx(-1.0)


def test_borda_half_prediction_splits_the_point():
    borda = metrics.borda_scores(["x", "y"], np.array(["x"]), np.array(["y"]), np.array([0.5]))
    assert borda.tolist() == [0.5, 0.5]


def test_top5_recall_fraction():
    true = np.arange(10, dtype=float)  # best is index 9
    predicted = np.arange(10, dtype=float)[::-1]  # worst ranking
    curve = metrics.topk_recall(predicted, true, top=5)
    assert curve[4] == 0.0 and curve[5] == pytest.approx(0.2) and curve[-1] == 1.0


def test_bootstrap_ci_brackets_the_mean_and_is_seeded():
    credit = np.array([1.0] * 70 + [0.0] * 30)
    lo, hi = metrics.bootstrap_ci(credit, n_boot=500, seed=1)
    assert lo < 0.7 < hi and hi - lo < 0.25
    assert (lo, hi) == metrics.bootstrap_ci(credit, n_boot=500, seed=1)


def test_empty_inputs_are_refused():
    with pytest.raises(ValueError, match="at least one pair"):
        metrics.bootstrap_ci(np.array([]))
    with pytest.raises(ValueError, match="at least one model"):
        metrics.topk_recall(np.array([]), np.array([]))
