""""What replicates" question 5 against an independent count on the paper's suite."""

import numpy as np
import pytest

from benchmark import load_suite
from benchmark.pairs import suite_pairs
from benchmark.replication import render, what_replicates


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
