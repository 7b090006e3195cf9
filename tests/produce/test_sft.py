"""SFT on the micro preset: response-only loss, the schedule, scoring, improvement over the base
model on every task, the no-pre-training baseline, seeds, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from benchmark.cli import main
from benchmark.core.errors import SftcastError
from benchmark.harness import evaluate_task
from benchmark.harness.utils import exact_match, process_generation
from benchmark.produce.presets import pretrain_variant
from benchmark.produce.sft import (
    HARNESS_BACKEND,
    HARNESS_BATCH_SIZE,
    SFTRecipe,
    _choice_logliks,
    encode,
    evaluate,
    get_recipe,
    harness_available,
    load_model,
    lr_at,
    run_sft,
)
from benchmark.produce.suite_runner import sft_variant, suite_tasks_dir

pytestmark = pytest.mark.slow  # builds and trains models: minutes on 2 cores

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def setup(micro_checkpoint: Path, micro_world_data: Path) -> tuple[Path, Path]:
    """The session's micro pre-trained checkpoint (tests/conftest.py) and the micro world's tasks."""
    return micro_checkpoint, micro_world_data


def test_loss_is_on_the_response_only(setup) -> None:
    _, tok = load_model(setup[0])
    ids, start = encode(tok, "Question: Who?\nAnswer:", "Ada", max_len=64)
    assert tok.decode(ids[start:]) == " Ada" + tok.eos_token
    assert tok.decode(ids[:start]) == "Question: Who?\nAnswer:"
    long_ids, long_start = encode(tok, "word " * 100 + "Answer:", "Ada", max_len=16)
    assert len(long_ids) == 16 and tok.decode(long_ids[long_start:]) == " Ada" + tok.eos_token


def test_schedule_warms_up_and_decays_to_zero() -> None:
    recipe = SFTRecipe(steps=100, batch_size=4, learning_rate=1.0, warmup_frac=0.1)
    lrs = [lr_at(s, recipe) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and max(lrs) == pytest.approx(1.0)
    assert lrs[-1] == 0.0 and all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    assert get_recipe("tiny", "rag", steps=7).steps == 7
    with pytest.raises(SftcastError, match="unknown SFT option"):
        get_recipe("tiny", "rag", step=7)


def test_shared_prefix_logliks_equal_full_forward_passes(setup) -> None:
    model, tok = load_model(setup[0])
    prompt = tok("Question: Where was Ada born?\nAnswer:", add_special_tokens=False)["input_ids"]
    choices = [tok(" " + c, add_special_tokens=False)["input_ids"] for c in ("Paris", "New York City", "x")]
    with torch.no_grad():
        fast = _choice_logliks(model, prompt, choices)
        for choice, value in zip(choices, fast, strict=True):
            logp = torch.log_softmax(model(input_ids=torch.tensor([prompt + choice])).logits[0], -1)
            slow = sum(float(logp[len(prompt) - 1 + j, t]) for j, t in enumerate(choice))
            assert value == pytest.approx(slow, abs=1e-3)


@pytest.mark.parametrize("task", ["cms", "rag", "cbqa"])
def test_sft_improves_on_the_base_model(setup, task: str) -> None:
    model_path, data = setup
    result = run_sft(model_path, task, data, preset="micro", eval_base=True, evaluator="direct")
    base = result["base"]
    assert result["gold_loglik"] > base["gold_loglik"] + 1.0
    assert result["acc"] > base["acc"]
    assert result["per_seed"][0]["final_loss"] < result["per_seed"][0]["first_loss"]
    assert set(result["per_dataset"]) == set(base["per_dataset"])
    assert result["score"] == result[result["paper_metric"]]
    assert (result["em"] is None) == (task == "cms")


def test_no_pretraining_baseline_and_seeds(setup, tmp_path: Path) -> None:
    model_path, data = setup
    out = tmp_path / "cbqa-scratch.json"
    kwargs = {"preset": "micro", "init": "scratch", "evaluator": "direct", "steps": 4}
    result = run_sft(model_path, "cbqa", data, sft_seeds=2, out=out, **kwargs)
    assert result["init"] == "scratch" and result["seeds"] == [0, 1] and len(result["per_seed"]) == 2
    mean = sum(r["gold_loglik"] for r in result["per_seed"]) / 2
    assert result["gold_loglik"] == pytest.approx(mean) and result["seed_std"]["gold_loglik"] > 0
    assert json.loads(out.read_text())["recipe"]["steps"] == 4
    again = run_sft(model_path, "cbqa", data, sft_seeds=1, **kwargs)
    assert again["per_seed"][0]["gold_loglik"] == result["per_seed"][0]["gold_loglik"]  # seeded
    for task in ("cms", "rag"):
        assert run_sft(model_path, task, data, **kwargs)["acc"] is not None


@pytest.mark.skipif(not harness_available(), reason="benchmark.harness is not installed")
@pytest.mark.parametrize("task", ["cms", "cbqa"])
def test_harness_and_direct_evaluation_agree(setup, task: str) -> None:
    model, tok = load_model(setup[0])
    direct = evaluate(model, tok, task, setup[1], evaluator="direct", limit=20)
    harness = evaluate(model, tok, task, setup[1], evaluator="harness", limit=20)
    assert harness["acc"] == pytest.approx(direct["acc"])
    # the same left truncation as lm-eval's HFLM (micro prompts reach the 64-token context)
    for subset, scores in direct["per_dataset"].items():
        assert harness["per_dataset"][subset]["gold_loglik"] == pytest.approx(scores["gold_loglik"], abs=1e-3)
        assert harness["per_dataset"][subset]["gold_prob"] == pytest.approx(scores["gold_prob"], abs=1e-4)
    assert 0 < direct["gold_prob"] < 1
    assert harness["em"] == pytest.approx(direct["em"])  # one exact-match rule (harness.utils); None for CMS


def test_one_exact_match_rule_for_both_evaluators() -> None:
    assert exact_match(" Paris.\nQ: next", "paris") == 1.0  # first line, case, punctuation, spaces
    assert exact_match("Lyon", "Paris") == 0.0 and exact_match("", "Paris") == 0.0
    assert process_generation({"answer": "New  York"}, ["new york!"]) == {"exact_match": 1.0}


@pytest.mark.skipif(not harness_available(), reason="benchmark.harness is not installed")
@pytest.mark.parametrize("task", ["cms", "rag", "cbqa"])
def test_fast_harness_path_gives_the_old_scores(setup, task: str) -> None:
    """SFT evaluation's lm-eval settings (sftcast_hf, batch 32) against the previous ones (hf,
    batch 8): the same accuracy and exact match, log-likelihoods to float rounding. Micro RAG
    prompts exceed the micro context, so that task also covers the fallback to hf's left
    truncation."""

    model_path, data = str(setup[0]), setup[1]
    old = evaluate_task(model_path, task, data, limit=16, batch_size=8)
    new = evaluate_task(model_path, task, data, limit=16, batch_size=HARNESS_BATCH_SIZE,
                          backend=HARNESS_BACKEND)  # fmt: skip
    assert new["n_docs"] == old["n_docs"]
    for subset, scores in old["per_dataset"].items():
        assert new["per_dataset"][subset]["acc"] == scores["acc"], subset
        assert new["per_dataset"][subset]["em"] == scores["em"], subset
        assert new["per_dataset"][subset]["gold_loglik"] == pytest.approx(scores["gold_loglik"], rel=1e-5)
        assert new["per_dataset"][subset]["gold_prob"] == pytest.approx(scores["gold_prob"], abs=1e-5)


def test_cli_sft_and_tasks_export(setup, tmp_path: Path, capsys) -> None:
    model_path, data = setup
    assert main(["produce", "tasks", "export", "--preset", "micro", "--dir", str(tmp_path / "t")]) == 0
    assert (tmp_path / "t" / "rag" / "hotpot_qa" / "test.jsonl").exists()
    capsys.readouterr()
    argv = ["produce", "sft", "--preset", "micro", "--model", str(model_path), "--data", str(data)]
    argv += ["--task", "cms"]
    assert main([*argv, "--evaluator", "direct", "--set", "steps=2"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["task"] == "cms" and line["paper_metric"] == "acc"
    # neither --variant nor --model
    assert main(["produce", "sft", "--preset", "micro", "--task", "cms"]) == 2


def test_sft_variant_refuses_a_named_checkpoint_that_does_not_exist(tmp_path):
    pretrain_variant("micro", 1, out=tmp_path, progress_bar=False)
    with pytest.raises(SftcastError, match="no checkpoint 'checkpoint-999'"):
        sft_variant("micro", 1, "cms", out=tmp_path, checkpoint="checkpoint-999")
    # Every seed's SFT reads the tasks of the same world.
    assert suite_tasks_dir("micro", tmp_path) == tmp_path / "micro" / "data-world0"
