"""Acceptance: a micro pre-trained model against the same architecture at random init, on the proxies.

Measured (micro preset, variant 1, 40 steps, limit 40): 1/ppl_clm 0.0065 vs 0.0026 (ppl 154 vs
382), but no k-shot proxy higher: kshot_cms 0.446 vs 0.455, kshot_rag and kshot_cbqa exact match
0 for both. With 200 steps (ppl 51) the k-shot proxies still do not beat random init. The micro
model (width 32, 2 layers) is too weak for in-context tasks, so that assertion is an expected
failure. tiny does not clear it reliably either: `sftcast proxies --random-init` of the tiny
architecture gives kshot_cms 0.386/0.404, kshot_rag_acc 0.165/0.148 and kshot_cbqa_acc
0.154/0.139 (seeds 0/1, every document), inside the range of the 50 pre-trained tiny variants.

The extra signal ``kshot_facts`` asks the single-hop CBQA facts as the start of a corpus
sentence ("Ann Lee was born in"). At tiny it does clear the floor: random init 0.062/0.081,
the 50 variants median 0.151 (max 0.282); ``tests/test_floor.py`` asserts that on the shipped
suite. At micro it does not: width 32 stores no facts (0.153 pre-trained vs 0.236 random init,
zero-shot, every single-hop document, where random weights pick the candidate with the fewest
tokens). A micro-world model of the tiny architecture trained 600 steps reached only 0.276 vs
0.18/0.21, too close for a test.

``kshot_props`` states every property of the CMS objects of the split ("The iron kettle"
+ "is heavy" / "is light"). At tiny 98% of the variants rise above random weights (median 0.76,
max 0.93, against 0.46/0.47; ``tests/test_floor.py``). At micro it gives 0.5 for both here; over all
140 micro facts, zero-shot, the pre-trained micro model picks exactly what random weights pick
(the shorter phrase) after 40 and 200 steps, and differs only on weight after 600 steps (0.53 vs
0.47); variant 5 (lr 1e-2, 400 steps) gives 0.40. Width 32 learns no fact of the world within a
test's budget, so both signals are checked here too, and this stays an expected failure.

Two more formats, measured at micro without success: the QA k-shot proxies as accuracy over the
candidate answers (``kshot_rag_acc``/``kshot_cbqa_acc``: pre-trained 0.28/0.28, random init
0.32/0.34 and 0.28/0.28; variant 3 after 400 steps 0.24), and property facts with the object in
the context and the property as the one scored continuation, which cancels the property words'
prior ("The foam block" vs "The iron kettle", each + " is light"; 300 pairs over every micro
object): 0.52 after 40 steps, 0.50 and 0.49 after 200 (variants 3 and 1), random init 0.51/0.47.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
torch.set_num_threads(1)

KSHOT = ("kshot_cms", "kshot_rag", "kshot_cbqa", "kshot_facts", "kshot_props")


@pytest.fixture(scope="module")
def proxies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The pre-trained checkpoint through the library; its random-init twin through the CLI."""
    import json

    from benchmark.cli import main
    from benchmark.harness import compute_proxies, prepare_data
    from benchmark.presets import pretrain_variant, suite_dir

    root = tmp_path_factory.mktemp("pre_vs_random")
    summary = pretrain_variant("micro", 1, out=root, progress_bar=False)
    pretrained = suite_dir("micro", root, 0) / "v01" / f"checkpoint-{summary['step']}"
    data = prepare_data("micro", 0, root / "data", n_words=3000)
    names = "ppl_clm,ppl_sc,kshot_cms,kshot_rag,kshot_cbqa,kshot_facts,kshot_props"
    argv = ["proxies", "--model", str(pretrained), "--random-init", "0", "--data", str(data), "--proxies",
            names, "--limit", "40", "--batch-size", "16", "--out", str(root / "random.json")]  # fmt: skip
    assert main(argv) == 0
    random = json.loads((root / "random.json").read_text())
    assert random["random_init"] == {"architecture_of": str(pretrained), "seed": 0, "saved": None}
    assert random["config"]["model"] == f"RANDOM_INIT({pretrained}, seed=0)"  # not a deleted temp folder
    mine = compute_proxies(str(pretrained), data, limit=40, batch_size=16, proxies=names.split(","))
    return {"pretrained": mine, "random": random}


def test_pretrained_has_lower_perplexity(proxies: dict[str, dict]) -> None:
    assert proxies["pretrained"]["ppl_clm"] > proxies["random"]["ppl_clm"]
    assert proxies["pretrained"]["ppl_sc"] > proxies["random"]["ppl_sc"]


@pytest.mark.xfail(reason="micro is too weak for k-shot (see the module docstring)", strict=False)
def test_pretrained_beats_random_on_a_kshot_proxy(proxies: dict[str, dict]) -> None:
    assert any(proxies["pretrained"][p] > proxies["random"][p] for p in KSHOT), {
        name: {p: p_[p] for p in KSHOT} for name, p_ in proxies.items()
    }
