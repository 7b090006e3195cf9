"""``sftcast proxies --data paper`` on the local copies of the paper's datasets (tests/fixtures/real),
and its k-shot numbers against stock ``lm_eval --tasks <name> --num_fewshot k`` on the same rows."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lm_eval")
torch.set_num_threads(1)

import yaml
from arch_models import save_arch  # noqa: E402

from benchmark.cli import main  # noqa: E402
from benchmark.core.errors import SftcastError  # noqa: E402
from benchmark.harness.paper import compute_paper_proxies, paper_spec, render_paper_tasks  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "fixtures" / "real"
PROXIES = ("ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa")

# Stock lm-eval with `datasets.load_dataset` answering the stock (path, name) from the files a rendered
# task reads: the stock task config (prompt, few-shot split, metric, filters) with only the rows swapped.
STOCK_RUN = """
import json, os, sys
import datasets
from benchmark.harness.paper_utils import load_local
sources = json.loads(os.environ["PAPER_SOURCES"])
stock_load = datasets.load_dataset
def load_dataset(path=None, name=None, **kwargs):
    key = f"{path}|{name}"
    if key not in sources:
        return stock_load(path=path, name=name, **kwargs)
    return load_local(**sources[key])
datasets.load_dataset = load_dataset
from lm_eval.__main__ import cli_evaluate
sys.argv = ["lm_eval", *sys.argv[1:]]
cli_evaluate()
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A random-init GPT-2 (512 positions: the stock QA tasks generate up to 256 tokens) and its record."""
    root = tmp_path_factory.mktemp("paper")
    model = save_arch("gpt2", root / "gpt2", context=512)
    out = root / "record.json"
    argv = ["proxies", "--model", str(model), "--data", "paper", "--data-dir", str(FIXTURES),
            "--tasks-dir", str(root / "tasks"), "--batch-size", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return {"root": root, "model": model, "record": json.loads(out.read_text()), "tasks": root / "tasks"}


def test_five_finite_proxies_on_the_local_copies(run: dict) -> None:
    record = run["record"]
    for name in PROXIES:
        assert math.isfinite(record[name]) and 0 <= record[name] <= 1, name
    assert record["ppl_clm_raw"] > 1 and record["ppl_sc_raw"] > 1
    data = record["data"]
    assert data["data"] == "paper" and data["data_dir"] == str(FIXTURES.resolve())
    assert data["heldout"]["n_docs"] == 12 and len(data["heldout"]["sha256"]) == 16
    # every dataset named, with its files' hashes and the documents scored (hellaswag's unlabelled row out)
    expected = {"cms/boolq": 3, "cms/piqa": 3, "cms/hellaswag": 2, "cms/winogrande": 3, "cms/openbookqa": 3,
                "rag/nq_open": 3, "rag/trivia_qa": 2, "rag/hotpot_qa": 2, "rag/2wikimultihopqa": 2,
                "cbqa/nq_open": 3, "cbqa/trivia_qa": 2}  # fmt: skip
    assert {k: v["n_docs"] for k, v in data["datasets"].items()} == expected
    assert data["datasets"]["cms/openbookqa"]["files"] == {"train": "train.jsonl", "test": "validation.jsonl"}
    assert data["datasets"]["cbqa/trivia_qa"]["lm_eval_task"] == "triviaqa"
    assert record["lm_eval_command"][:2] == ["lm_eval", "--model"] and "paper_kshot_cms" in " ".join(
        record["lm_eval_command"]
    )
    # Kshot-CMS is the unweighted mean of its five stock tasks
    cms = [
        record["detail"][f"paper_kshot_cms_{n}"]["acc,none"] for n in paper_spec()["kshot_cms"]["datasets"]
    ]
    assert record["kshot_cms"] == pytest.approx(sum(cms) / len(cms))


@pytest.mark.slow
def test_kshot_numbers_equal_stock_lm_eval_tasks(run: dict, tmp_path: Path) -> None:
    """Each stock task's metrics through `include:` equal `lm_eval --tasks <name> --num_fewshot k`."""

    spec = paper_spec()
    sources, shots = {}, {}
    for proxy in ("kshot_cms", "kshot_cbqa"):
        for name, dspec in spec[proxy]["datasets"].items():
            rendered = yaml.safe_load(
                (run["tasks"] / f"paper_{proxy}_{name}.yaml").read_text().split("custom_")[0]
            )
            stock = yaml.load(Path(rendered["include"]).read_text(), Loader=yaml.BaseLoader)
            kwargs = rendered["dataset_kwargs"]
            config = stock.get("dataset_name", "null")
            key = f"{stock['dataset_path']}|{None if config == 'null' else config}"
            sources[key] = {"data_files": kwargs["data_files"], "local_schema": kwargs["local_schema"]}
            shots.setdefault(spec[proxy]["num_fewshot"], []).append(
                (f"paper_{proxy}_{name}", dspec["lm_eval"])
            )
    env = {**os.environ, "PAPER_SOURCES": json.dumps(sources), "PYTHONPATH": str(Path.cwd())}
    compared = 0
    for k, tasks in shots.items():
        out = tmp_path / f"stock{k}"
        cmd = [sys.executable, "-c", STOCK_RUN, "--model", "hf", "--model_args", f"pretrained={run['model']}",
               "--tasks", ",".join(stock for _, stock in tasks), "--num_fewshot", str(k), "--device", "cpu",
               "--batch_size", "4", "--output_path", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=600, env=env)
        results = json.loads(next(out.rglob("results_*.json")).read_text())["results"]
        for ours, stock in tasks:
            metrics = {m: v for m, v in results[stock].items() if "," in m and "_stderr" not in m}
            assert metrics
            for metric, value in metrics.items():
                ours_value = run["record"]["detail"][ours][metric]
                assert ours_value == pytest.approx(value, abs=1e-5), (stock, metric)
                compared += 1
    assert compared >= 10


def test_paper_data_errors(run: dict, tmp_path: Path) -> None:
    short = save_arch("gpt2", tmp_path / "short")  # 128 positions
    with pytest.raises(SftcastError, match="generate up to 256"):
        compute_paper_proxies(str(short), FIXTURES, tasks_dir=tmp_path / "t")
    (tmp_path / "copy" / "slimpajama").mkdir(parents=True)
    (tmp_path / "copy" / "slimpajama" / "test.jsonl").write_text('{"text": "a b c"}\n')
    with pytest.raises(
        SftcastError, match="nq_open/train.jsonl not found: a local copy needs the dataset's train"
    ):
        compute_paper_proxies(str(run["model"]), tmp_path / "copy", tasks_dir=tmp_path / "t")
    with pytest.raises(SftcastError, match="not found: give a folder laid out as tests/fixtures/real"):
        compute_paper_proxies(str(run["model"]), tmp_path / "nowhere", tasks_dir=tmp_path / "t")
    assert main(["proxies", "--model", str(run["model"]), "--data-dir", str(FIXTURES)]) == 2


@pytest.mark.slow
def test_rank_on_the_paper_data(run: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two checkpoints ranked for each task by an LTC trained on zeng2025, with confidence, scale note."""
    other = save_arch("gpt2", tmp_path / "other", seed=1, context=512)
    out = tmp_path / "rank.json"
    argv = ["rank", "--models", str(run["model"]), str(other), "--data", "paper", "--data-dir", str(FIXTURES),
            "--tasks-dir", str(tmp_path / "tasks"), "--batch-size", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.count("trained on all 50 models of suite 'zeng2025'") == 3 and "confidence" in text
    assert "1B decoder-only model, each pre-trained from scratch" in text
    record = json.loads(out.read_text())
    assert [r["task"] for r in record["rankings"]] == ["cms", "rag", "cbqa"]
    for ranking in record["rankings"]:
        first, last = ranking["ranking"]
        assert 0.5 <= first["confidence"] <= 1 and last["confidence"] is None
        assert first["confidence"] == pytest.approx(first["win_prob"])  # two models: one pair
    # the proxies used are the --data paper record's (zeng2025 stores k-shot scores in percent)
    assert record["rankings"][0]["scale"]["kshot_cms"] == 100.0
    assert set(record["proxies"]) == {str(run["model"]), str(other)}
    assert main(["rank", "--models", "a", "b"]) == 2
    assert "give --task cms, rag or cbqa" in capsys.readouterr().err


def test_hub_data_prepared_once_is_reused(run: dict, tmp_path: Path) -> None:
    """A folder whose manifest says it holds the Hub data of the same options is not fetched again
    (the tests are offline: fetching would fail)."""

    out = tmp_path / "hub"
    manifest = render_paper_tasks(out, FIXTURES)
    (out / "manifest.json").write_text(json.dumps({**manifest, "data_dir": None}))  # as if from the Hub
    assert render_paper_tasks(out)["heldout"] == manifest["heldout"]
    with pytest.raises(SftcastError, match="does not load"):  # other options: fetched, offline here
        render_paper_tasks(out, heldout_docs=5)
