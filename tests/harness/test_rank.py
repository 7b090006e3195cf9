"""``rank_checkpoints`` and ``sftcast rank`` on micro models the test builds and saves itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
pytest.importorskip("lightgbm")
torch.set_num_threads(1)

from micro_models import micro_tokenizer, save_random_llama  # noqa: E402

from benchmark import load_suite  # noqa: E402
from benchmark.cli import main
from benchmark.core.errors import SftcastError  # noqa: E402
from benchmark.core.vocab import PROXIES
from benchmark.harness.rank import rank_checkpoints  # noqa: E402


@pytest.fixture(scope="module")
def micro(tmp_path_factory: pytest.TempPathFactory, micro_data: Path) -> dict:
    root = tmp_path_factory.mktemp("rank")
    data = micro_data
    tok = micro_tokenizer(data)
    models = [str(save_random_llama(root / f"m{k}", tok, seed=k, hidden_size=16 * (k + 1))) for k in range(3)]
    return {"root": root, "data": data, "models": models}


def test_rank_micro_models(micro: dict) -> None:
    table = rank_checkpoints(micro["models"], "rag", data_dir=micro["data"], limit=2, batch_size=4)
    assert list(table["rank"]) == [1, 2, 3] and sorted(table["model"]) == sorted(micro["models"])
    assert table["borda"].sum() == pytest.approx(3.0)  # n(n-1)/2 pairs, one win each
    assert list(table["borda"]) == sorted(table["borda"], reverse=True)
    assert table["win_prob"].between(0, 1).all() and table["win_prob"].mean() == pytest.approx(0.5)
    assert table.attrs["suite_train"] == "zeng2025" and table.attrs["n_train_models"] == 50
    assert len(table.attrs["pairs"]) == 3
    # zeng2025 stores k-shot scores in percent; a random micro model is far below its 1/ppl range
    assert table.attrs["scale"]["kshot_rag"] == 100.0 and table.attrs["scale"]["ppl_clm"] == 1.0
    assert all("ppl_clm" in cell for cell in table["out_of_range"])


def test_rank_orders_by_the_trained_predictor() -> None:
    """Given proxies of the suite's own best and worst RAG models, the best ranks first."""
    models = load_suite("zeng2025").models.sort_values("sft_rag")
    worst, best = models.iloc[0], models.iloc[-1]
    unit = {p: 100.0 if p.startswith("kshot") else 1.0 for p in PROXIES}  # back to the harness's fractions
    given = {name: {p: row[p] / unit[p] for p in PROXIES} for name, row in (("worst", worst), ("best", best))}
    table = rank_checkpoints(["worst", "best"], "rag", proxies=given)
    assert list(table["model"]) == ["best", "worst"]
    assert table["win_prob"].iloc[0] > 0.5 and table["out_of_range"].eq("").all()
    assert np.allclose(table[list(PROXIES)].iloc[0], best[list(PROXIES)].astype(float))


def test_rank_reads_the_harness_keys_a_suite_maps_its_proxies_to() -> None:
    """tiny's k-shot QA proxies are the harness's *_acc values, not its exact match (0 at ~1M)."""
    suite = load_suite("tiny")
    column = {p: suite.harness_key(p) for p in PROXIES}
    models = suite.models.sort_values("sft_cbqa")
    worst, best = models.iloc[0], models.iloc[-1]
    given = {
        name: {**{p: 0.0 for p in PROXIES}, **{column[p]: row[p] for p in PROXIES}}  # EM keys stay 0
        for name, row in (("worst", worst), ("best", best))
    }
    table = rank_checkpoints(["worst", "best"], "cbqa", proxies=given, suite_train="tiny")
    assert np.allclose(table.set_index("model").loc["best", list(PROXIES)], best[list(PROXIES)].astype(float))
    assert list(table["model"]) == ["best", "worst"]
    del given["best"]["kshot_rag_acc"]  # never read as its exact match instead
    with pytest.raises(SftcastError, match="lack 'kshot_rag_acc'"):
        rank_checkpoints(["worst", "best"], "cbqa", proxies=given, suite_train="tiny")


def test_rank_errors(micro: dict, tmp_path: Path) -> None:
    with pytest.raises(SftcastError, match="at least 2 models"):
        rank_checkpoints(micro["models"][:1], "rag")
    with pytest.raises(SftcastError, match="unknown task"):
        rank_checkpoints(micro["models"][:2], "ragg")
    with pytest.raises(SftcastError, match="more than once"):
        rank_checkpoints([micro["models"][0]] * 2, "rag")
    with pytest.raises(SftcastError, match="cannot load model"):
        rank_checkpoints([micro["models"][0], str(tmp_path / "nothing")], "rag", data_dir=micro["data"])
    with pytest.raises(SftcastError, match="unknown suite"):
        rank_checkpoints(micro["models"][:2], "rag", suite_train="zeng2026")


def test_cli_rank(micro: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "rank.json"
    argv = ["rank", "--models", *micro["models"][:2], "--task", "cms", "--data", str(micro["data"]),
            "--limit", "2", "--batch-size", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "win_prob" in text and "tiny" in text and "warning: " in text  # tiny is the default
    record = json.loads(out.read_text())
    assert record["task"] == "cms" and len(record["ranking"]) == 2 and len(record["pairs"]) == 1
    assert main(["rank", "--models", micro["models"][0], "--task", "cms"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sftcast: error: rank needs at least 2 models") and err.count("\n") == 1


@pytest.mark.parametrize("command", [["proxies"], ["produce", "sft"], ["rank"]])
def test_cli_help(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: sftcast {' '.join(command)}" in capsys.readouterr().out
