import numpy as np
import pytest

from benchmark.core.errors import SftcastError
from benchmark.core.pairs import attach_features, suite_pairs
from benchmark.core.predictors import Predictor, get_predictor, list_predictors
from benchmark.core.predictors.checks import check_predictor
from benchmark.core.predictors.ltc import pair_features
from benchmark.core.schema import load_suite

SUITE = load_suite("zeng2025")
LIN = load_suite("lin2024")


@pytest.mark.parametrize("name", list_predictors())
def test_every_registered_predictor_conforms(name):
    served = 0
    for suite, task in ((SUITE, "rag"), (LIN, "wmt19")):
        try:
            check_predictor(get_predictor(name), suite, task=task)
        except SftcastError as exc:  # a suite the predictor cannot serve: one sentence saying so
            assert "cannot serve suite" in str(exc) and "\n" not in str(exc)
            continue
        served += 1
    assert served >= 1


def test_builtins_are_all_there():
    expected = {
        "random", "ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa", "combine5",
        "sc_plus_rag", "sc_plus_rag_minus_clm", "ltc_lightgbm", "ltc_logreg", "ltc_mlp",
    }  # fmt: skip
    assert expected <= set(list_predictors())


def test_single_proxy_prefers_higher_value_and_ties_at_half():
    pred = get_predictor("ppl_sc").fit(SUITE.models.drop(columns=["sft_cms", "sft_rag", "sft_cbqa"]), "cms")
    pairs = attach_features(suite_pairs(SUITE, "cms"), SUITE.models, SUITE.proxies)
    p = pred.predict(pairs)
    higher = pairs["ppl_sc_a"] > pairs["ppl_sc_b"]
    equal = pairs["ppl_sc_a"] == pairs["ppl_sc_b"]
    assert (p[higher] > 0.5).all() and (p[equal] == 0.5).all() and (p[~higher & ~equal] < 0.5).all()


def test_ltc_has_the_papers_20_features():
    pairs = attach_features(suite_pairs(SUITE, "cms")[:3], SUITE.models, SUITE.proxies)
    x = pair_features(pairs, SUITE.proxies)
    assert x.shape == (3, 20)
    a, b = pairs["ppl_clm_a"].to_numpy(), pairs["ppl_clm_b"].to_numpy()
    assert np.allclose(x[:, :4], np.column_stack([a - b, a * b, a, b]))


def test_supervised_fit_without_labels_is_a_clear_error():
    with pytest.raises(SftcastError, match="supervised"):
        get_predictor("ltc_lightgbm").fit(SUITE.models.drop(columns=["sft_cms"]), "cms")


def test_user_predictor_by_module_and_class():
    pred = get_predictor("benchmark.core.predictors.proxy:RandomPredictor")
    check_predictor(pred, SUITE)
    with pytest.raises(SftcastError, match="has no attribute"):
        get_predictor("benchmark.core.predictors.proxy:Nope")
    with pytest.raises(SftcastError, match="cannot import module"):
        get_predictor("no_such_module_xyz:Thing")


class _ReadsAnotherLabel(Predictor):
    """Cheats: ranks by another task's SFT score, which the protocols hide."""

    supervised = True

    def fit(self, train_models, task):
        self.other_ = train_models.set_index("model_id")["sft_cms"]
        return self

    def predict(self, pairs):
        return (self.other_.reindex(pairs["model_a"]).to_numpy() > 0).astype(float)


class _OrderDependent(Predictor):
    """Cuts PPL-CLM at the first training model's value: fitted state depends on row order."""

    def fit(self, train_models, task):
        self.cut_ = train_models["ppl_clm"].iloc[0]
        return self

    def predict(self, pairs):
        a = (pairs["ppl_clm_a"] > self.cut_).to_numpy(dtype=float)
        b = (pairs["ppl_clm_b"] > self.cut_).to_numpy(dtype=float)
        return 0.5 + 0.5 * (a - b)


def test_check_predictor_catches_a_label_leak():
    with pytest.raises(KeyError, match="sft_cms"):
        check_predictor(_ReadsAnotherLabel(), SUITE, task="rag")


def test_check_predictor_catches_training_row_order_dependence():
    with pytest.raises(AssertionError, match="order of the training models"):
        check_predictor(_OrderDependent(), SUITE, task="rag")
