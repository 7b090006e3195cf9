import pandas as pd

from benchmark.core.pairs import all_pairs, attach_features, suite_pairs, swap
from benchmark.core.schema import load_suite


def test_hand_case_labels_and_ties():
    models = pd.DataFrame({"model_id": ["m1", "m2", "m3"], "sft_cms": [3.0, 1.0, 3.0]})
    pairs = all_pairs(models, "cms")
    assert list(zip(pairs["model_a"], pairs["model_b"], strict=True)) == [
        ("m1", "m2"),
        ("m1", "m3"),
        ("m2", "m3"),
    ]
    assert pairs["label"].tolist() == [1, 0, 0]
    assert pairs["tie"].tolist() == [False, True, False]
    assert pairs["delta"].tolist() == [2.0, 0.0, -2.0]


def test_suite_has_all_pairs_per_task():
    suite = load_suite("zeng2025")
    for task in suite.tasks:
        pairs = suite_pairs(suite, task)
        assert len(pairs) == 1225
        assert not pairs.duplicated(["model_a", "model_b"]).any()


def test_swap_flips_features_and_labels():
    suite = load_suite("zeng2025")
    pairs = attach_features(suite_pairs(suite, "rag")[:5], suite.models, suite.proxies)
    back = swap(pairs)
    assert (back["model_a"] == pairs["model_b"]).all()
    assert (back["ppl_sc_a"] == pairs["ppl_sc_b"]).all()
    untied = ~pairs["tie"]
    assert (back["label"][untied] == 1 - pairs["label"][untied]).all()
    assert swap(back).equals(pairs)
