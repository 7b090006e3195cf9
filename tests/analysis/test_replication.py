""" "What replicates" questions 5 and 6 against independent counts on the shipped suites."""

import numpy as np
import pytest

from benchmark import load_suite
from benchmark.analysis.replication import render, what_replicates
from benchmark.core.pairs import suite_pairs


@pytest.fixture(scope="module")
def answers():
    suite = load_suite("zeng2025")
    return suite, what_replicates(suite)


def test_within_objective_accuracy_is_the_same_objective_pairs_only(answers):
    suite, result = answers
    q5 = result["questions"]["within_objective"]
    models = suite.models.set_index("model_id")
    for task in suite.tasks:
        pairs = suite_pairs(suite, task)
        a, b = models.loc[pairs["model_a"]], models.loc[pairs["model_b"]]
        same = a["objective"].to_numpy() == b["objective"].to_numpy()
        for proxy in ("ppl_clm", "ppl_sc"):
            diff = a[proxy].to_numpy() - b[proxy].to_numpy()
            right = (diff > 0) == pairs["label"].to_numpy().astype(bool)
            credit = np.where((diff == 0) | pairs["tie"].to_numpy(), 0.5, right.astype(float))[same]
            got = q5[task][proxy]
            assert got["n_pairs"] == int(same.sum()) and 0 < got["n_pairs"] < len(pairs)
            assert got["accuracy"] == pytest.approx(credit.mean())
            assert got["ci95"][0] <= got["accuracy"] <= got["ci95"][1]
    assert "**5. How accurate is each proxy within one objective?**" in render(result)


@pytest.mark.slow
def test_extra_signals_question_against_an_independent_count():
    """Question 6 ranks each of a suite's extra signals, higher first, over all pairs."""
    suite = load_suite("tiny")
    result = what_replicates(suite)
    q6 = result["questions"]["extra_signals"]
    models = suite.models.set_index("model_id")
    assert set(q6["cbqa"]) == set(suite.signals) >= {"kshot_facts", "final_loss"}
    for task in suite.tasks:
        pairs = suite_pairs(suite, task)
        a, b = models.loc[pairs["model_a"]], models.loc[pairs["model_b"]]
        for signal, sign in (("kshot_facts", 1), ("final_loss", -1)):  # tiny.yaml: lower loss is better
            diff = sign * (a[signal].to_numpy() - b[signal].to_numpy())
            right = (diff > 0) == pairs["label"].to_numpy().astype(bool)
            credit = np.where((diff == 0) | pairs["tie"].to_numpy(), 0.5, right.astype(float))
            assert q6[task][signal]["accuracy"] == pytest.approx(credit.mean())
        clm = result["questions"]["ppl_clm_misleading"][task]["accuracy"]
        d = q6[task]["kshot_facts"]["minus_ppl_clm"]["difference"]
        assert d == pytest.approx(q6[task]["kshot_facts"]["accuracy"] - clm)
    assert "**6. Beyond the paper" in render(result)


def test_a_suite_without_extra_signals_has_no_question_6(answers):
    suite, result = answers
    assert suite.signals == [] and result["questions"]["extra_signals"] == {}
    assert "**6." not in render(result)
