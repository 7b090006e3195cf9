"""Supervised fine-tuning of a checkpoint on one task, scored on the task's test split.

One fixed recipe per preset (``Preset.sft``), the same for every variant, as in the paper:
full fine-tuning, loss on the response only, AdamW, linear warm-up then linear decay to 0 at the
last step (the run always ends at the bottom of its schedule, never mid-curve), seeded. The
task's subsets are mixed into one training set, so one SFT run serves a whole task;
``sft_seeds=K`` runs K seeds and averages their scores.

A training example is ``prompt + " " + answer + EOS`` with the loss on ``" " + answer + EOS``:
the continuation the evaluation scores (a partially scored record, one with ``continuation``,
trains on its gold context and ``" " + continuation``: ``training_pair``). Scores per subset and
per task (the mean over subsets, as in the paper):

- ``acc``: accuracy by log-likelihood over ``choices`` (CMS: the paper's score; RAG/CBQA: the
  continuous "accuracy over all candidate values");
- ``em``: exact match of a greedy generation with ``answer`` (RAG/CBQA: the paper's score);
- ``gold_loglik``: the mean log-likelihood of the gold continuation;
- ``gold_prob``: the mean probability of the gold choice among the choices (the softmax of their
  log-likelihoods): accuracy made continuous, 1/k for a model that cannot tell the choices apart.

Evaluation goes through ``benchmark.harness.evaluate_task`` (lm-eval) when that package is
present, else through ``_evaluate_direct`` (the same four scores, batched torch, with the prompt's
key-value cache shared by its choices). The lm-eval path uses lm-eval's tasks and metrics with the
``sftcast_hf`` model (``benchmark.harness.shared_prefix``: each prompt runs once for all its
candidate answers) and 32 prompts per batch; ``tests/produce/test_sft.py`` checks that these give the
scores of plain ``hf`` at batch 8.

>>> result = run_sft("runs/tiny/seed0/v01/checkpoint-600", "cbqa", "runs/tiny/seed0/tasks",
...                  preset="tiny", sft_seeds=2)   # doctest: +SKIP
>>> result["score"], result["per_dataset"]["nq_open"]["em"]   # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.errors import SftcastError
from benchmark.core.vocab import PAPER_METRIC, SCORE_KINDS
from benchmark.harness import evaluate_task
from benchmark.harness.records import partial_contexts
from benchmark.harness.utils import choice_scores, exact_match
from benchmark.produce.presets import get_preset
from benchmark.produce.tasks import TASK_SUBSETS, load_records


@dataclass(frozen=True)
class SFTRecipe:
    """One task's fine-tuning recipe at one preset."""

    steps: int  # optimizer steps; the schedule ends at 0 on the last one
    batch_size: int
    learning_rate: float  # peak
    warmup_frac: float = 0.1  # linear warm-up over this fraction of the steps, then linear decay to 0
    weight_decay: float = 0.0  # short runs on small data: no decay
    beta2: float = 0.99
    grad_clip: float = 1.0
    eval_batch_size: int = 64  # prompts per greedy-generation batch
    max_new_tokens: int = 16  # greedy generation budget for exact match

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def get_recipe(preset: str, task: str, **overrides: Any) -> SFTRecipe:
    """The recipe of ``task`` at ``preset`` (its ``Preset.sft``), with ``overrides`` applied."""
    recipes = get_preset(preset).sft
    if task not in recipes:
        raise SftcastError(f"unknown task {task!r} (known: {', '.join(recipes)})")
    recipe = SFTRecipe(**recipes[task])
    unknown = set(overrides) - set(recipe.to_dict())
    if unknown:
        raise SftcastError(f"unknown SFT option(s) {', '.join(sorted(unknown))}")
    return replace(recipe, **overrides)


def lr_at(step: int, recipe: SFTRecipe) -> float:
    """Linear warm-up to the peak, then linear decay to 0 after the last step."""
    warmup = max(1, round(recipe.warmup_frac * recipe.steps))
    if step < warmup:
        return recipe.learning_rate * (step + 1) / warmup
    return recipe.learning_rate * max(0.0, (recipe.steps - step - 1) / max(1, recipe.steps - warmup))


# ---------------------------------------------------------------------------------------------
# data


def encode(tokenizer: Any, prompt: str, answer: str, max_len: int) -> tuple[list[int], int]:
    """Ids of ``prompt + " " + answer + EOS`` and where the response starts; the prompt is cut
    from the left if the whole does not fit ``max_len``."""
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r = tokenizer(" " + answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    p = p[max(0, len(p) + len(r) - max_len) :]
    return p + r, len(p)


def training_pair(record: dict[str, Any]) -> tuple[str, str]:
    """(prompt, response) SFT trains on: ``prompt`` and ``answer``, or for a partially scored record
    (``continuation``) the gold context and the continuation, the text its evaluation scores."""
    if "continuation" in record:
        return f"{record['prompt']} {record['answer']}", record["continuation"]
    return record["prompt"], record["answer"]


def _batches(examples: list[tuple[list[int], int]], recipe: SFTRecipe, seed: int, pad: int):
    """``recipe.steps`` batches drawn in seeded epochs, padded to the longest in the batch."""
    import torch

    order: list[int] = []
    epoch = 0
    for _ in range(recipe.steps):
        while len(order) < recipe.batch_size:
            order += list(np.random.default_rng([seed, epoch, 11]).permutation(len(examples)))
            epoch += 1
        take, order = order[: recipe.batch_size], order[recipe.batch_size :]
        batch = [examples[i] for i in take]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (ids, start) in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            labels[row, start : len(ids)] = torch.tensor(ids[start:])
            mask[row, : len(ids)] = 1
        yield input_ids, mask, labels


# ---------------------------------------------------------------------------------------------
# fine-tuning


def load_model(model_path: str | Path, init: str = "pretrained", seed: int = 0) -> tuple[Any, Any]:
    """(model, tokenizer) from a ``save_pretrained`` folder; ``init="scratch"`` keeps only the
    architecture and tokenizer and initialises the weights afresh (the no-pre-training baseline)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from benchmark.produce.tokenizer import load_tokenizer

    tok = load_tokenizer(model_path)
    if init == "pretrained":
        model = AutoModelForCausalLM.from_pretrained(str(model_path), dtype=torch.float32)
    elif init == "scratch":
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(str(model_path))).float()
    else:
        raise SftcastError(f"init must be 'pretrained' or 'scratch', not {init!r}")
    if len(tok) > model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tok))
    return model, tok


def finetune(model: Any, tokenizer: Any, records: list[dict[str, Any]], recipe: SFTRecipe, seed: int) -> dict:
    """Fine-tune ``model`` in place on ``records``; return the loss curve summary."""
    import torch

    from benchmark.produce.pretrain import param_groups

    torch.manual_seed(seed)
    max_len = int(getattr(model.config, "max_position_embeddings", 2048))
    examples = [encode(tokenizer, *training_pair(r), max_len) for r in records]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    optimizer = torch.optim.AdamW(
        param_groups(model, recipe.weight_decay), lr=recipe.learning_rate, betas=(0.9, recipe.beta2)
    )
    device = next(model.parameters()).device
    model.train()
    losses = []
    for step, (input_ids, mask, labels) in enumerate(_batches(examples, recipe, seed, pad)):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, recipe)
        loss = model(
            input_ids=input_ids.to(device), attention_mask=mask.to(device), labels=labels.to(device)
        ).loss
        loss.backward()
        if recipe.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
    model.eval()
    tail = max(1, len(losses) // 10)
    return {
        "first_loss": losses[0],
        "final_loss": float(np.mean(losses[-tail:])),
        "n_train": len(records),
        "epochs": recipe.steps * recipe.batch_size / max(1, len(records)),
    }


# ---------------------------------------------------------------------------------------------
# evaluation


def _choice_logliks(model: Any, prompt: list[int], choices: list[list[int]]) -> list[float]:
    """Sum of log-probabilities of each choice after ``prompt``; the prompt runs once and its
    key-value cache is repeated for the choices."""
    import torch

    device = next(model.parameters()).device
    out = model(input_ids=torch.tensor([prompt], device=device), use_cache=True)
    first = torch.log_softmax(out.logits[0, -1].float(), -1)
    cache, cache_kw = (out["cache"], "cache") if "cache" in out else (out.past_key_values, "past_key_values")
    n, width = len(choices), max(len(c) for c in choices)
    totals = [float(first[c[0]]) for c in choices]
    if width > 1:
        cache.batch_repeat_interleave(n)
        ids = torch.zeros((n, width - 1), dtype=torch.long, device=device)
        for i, c in enumerate(choices):
            ids[i, : len(c) - 1] = torch.tensor(c[:-1])
        mask = torch.ones((n, len(prompt) + width - 1), dtype=torch.long, device=device)
        logp = torch.log_softmax(
            model(input_ids=ids, attention_mask=mask, **{cache_kw: cache}).logits.float(), -1
        )
        for i, c in enumerate(choices):
            if len(c) > 1:
                targets = torch.tensor(c[1:], device=device)
                totals[i] += float(logp[i, : len(c) - 1].gather(-1, targets[:, None]).sum())
    return totals


def _truncated_logliks(model: Any, prompt: list[int], choices: list[list[int]], max_len: int) -> list[float]:
    """``_choice_logliks`` with each ``prompt + choice`` cut from the left to ``max_len + 1`` tokens,
    as lm-eval's ``HFLM`` cuts a request (the last token is never an input); the choices with the
    same cut share one pass of the prompt."""
    out = [0.0] * len(choices)
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(choices):
        cut = min(max(0, len(prompt) + len(c) - max_len - 1), len(prompt) - 1)
        groups.setdefault(cut, []).append(i)
    for cut, members in groups.items():
        values = _choice_logliks(model, prompt[cut:], [choices[i] for i in members])
        for i, value in zip(members, values, strict=True):
            out[i] = value
    return out


def _greedy(model: Any, tokenizer: Any, prompts: list[list[int]], max_new_tokens: int) -> list[str]:
    """Greedy continuations of left-padded ``prompts``, cut at EOS or a newline."""
    import torch

    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p) :] = torch.tensor(p)
        mask[i, width - len(p) :] = 1
    out = model.generate(
        input_ids=ids.to(device),
        attention_mask=mask.to(device),
        max_new_tokens=max_new_tokens,
        do_sample=False,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=pad,
    )
    texts = tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)
    return [t.split("\n")[0].strip() for t in texts]


def _evaluate_direct(
    model: Any, tokenizer: Any, records: list[dict[str, Any]], with_em: bool, recipe: SFTRecipe
) -> dict[str, float | None]:
    """acc, em (or None), gold_loglik and gold_prob of ``model`` on ``records``."""
    import torch


    max_len = int(getattr(model.config, "max_position_embeddings", 2048))
    items, prompts = [], []
    with torch.no_grad():
        for r in records:
            prompt = tokenizer(r["prompt"], add_special_tokens=False)["input_ids"]
            prompts.append(prompt[max(0, len(prompt) + recipe.max_new_tokens - max_len) :])
            if "continuation" in r:  # one continuation after each choice's context
                cont = tokenizer(" " + r["continuation"], add_special_tokens=False)["input_ids"]
                contexts = [tokenizer(c, add_special_tokens=False)["input_ids"] for c in partial_contexts(r)]
                lls = [_truncated_logliks(model, c, [cont], max_len)[0] for c in contexts]
            else:
                choices = [tokenizer(" " + c, add_special_tokens=False)["input_ids"] for c in r["choices"]]
                lls = _truncated_logliks(model, prompt, choices, max_len)
            items.append(choice_scores(lls, r["gold"]))
        em = None
        if with_em:
            hits = []
            for i in range(0, len(records), recipe.eval_batch_size):
                chunk = records[i : i + recipe.eval_batch_size]
                texts = _greedy(model, tokenizer, prompts[i : i + len(chunk)], recipe.max_new_tokens)
                hits += [exact_match(t, r["answer"]) for t, r in zip(texts, chunk, strict=True)]
            em = float(np.mean(hits))
    return {k: em if k == "em" else float(np.mean([item[k] for item in items])) for k in SCORE_KINDS}


# The harness path of ``evaluate``: lm-eval's tasks and metrics with the ``sftcast_hf`` model (each
# prompt runs once for all its candidate answers: the same numbers as ``hf``, 3-10x fewer tokens),
# 32 prompts per batch (a CPU runs a tiny model's batches of 32 far faster than 4 batches of 8).
# Generation keeps the templates' 24 tokens: a lower cap would change exact match, because lm-eval
# truncates the context to the model's length minus the generation budget (measured on tiny RAG).
HARNESS_BACKEND = "sftcast_hf"
HARNESS_BATCH_SIZE = 32


def harness_available() -> bool:
    """Whether ``benchmark.harness.evaluate_task`` (lm-eval) can be used."""
    return importlib.util.find_spec("benchmark.harness") is not None


def evaluate(
    model: Any,
    tokenizer: Any,
    task: str,
    data_dir: str | Path,
    split: str = "test",
    recipe: SFTRecipe | None = None,
    evaluator: str = "auto",
    limit: int | None = None,
) -> dict[str, Any]:
    """Scores of ``model`` on every subset of ``task``: per_dataset, and the means over subsets.

    ``evaluator`` is ``"harness"`` (lm-eval, via ``benchmark.harness.evaluate_task``; the model is
    saved to a temporary folder first), ``"direct"`` (``_evaluate_direct``) or ``"auto"`` (the
    harness when installed).
    """

    if evaluator == "auto":
        evaluator = "harness" if harness_available() else "direct"
    if evaluator == "harness":
        with tempfile.TemporaryDirectory() as tmp:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            device = str(next(model.parameters()).device)
            result = evaluate_task(
                tmp,
                task,
                str(data_dir),
                split=split,
                device=device,
                limit=limit,
                batch_size=HARNESS_BATCH_SIZE,
                backend=HARNESS_BACKEND,
            )
        result["evaluator"] = "harness"
        return result
    if evaluator != "direct":
        raise SftcastError(f"evaluator must be auto, harness or direct, not {evaluator!r}")
    recipe = recipe or SFTRecipe(steps=1, batch_size=1, learning_rate=1.0)
    per = {}
    for subset in TASK_SUBSETS[task]:
        records = load_records(data_dir, task, subset, split)[:limit]
        if records:
            per[subset] = _evaluate_direct(model, tokenizer, records, task != "cms", recipe)
    return {**_means(per), "per_dataset": per, "evaluator": "direct"}


def _means(per: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in SCORE_KINDS:
        values = [v[key] for v in per.values() if v.get(key) is not None]
        out[key] = float(np.mean(values)) if values else None
    return out


# ---------------------------------------------------------------------------------------------
# the runs


def run_sft(
    model_path: str | Path,
    task: str,
    data_dir: str | Path,
    preset: str = "tiny",
    sft_seeds: int = 1,
    seed: int = 0,
    init: str = "pretrained",
    device: str = "cpu",
    evaluator: str = "auto",
    num_threads: int | None = 1,
    eval_base: bool = False,
    out: str | Path | None = None,
    **recipe_overrides: Any,
) -> dict[str, Any]:
    """Fine-tune ``model_path`` on ``task`` with ``sft_seeds`` seeds and average the test scores.

    Args:
        model_path: a ``save_pretrained`` folder (model + tokenizer), e.g. a pre-training checkpoint.
        task: ``cms``, ``rag`` or ``cbqa``; its records are read from ``data_dir``
            (``export_tasks`` layout), train split for SFT, test split for scores.
        preset: whose ``Preset.sft`` recipe to use; ``recipe_overrides`` change single fields.
        sft_seeds: SFT seeds ``seed .. seed+K-1`` (data order; with ``init="scratch"`` also the init).
        init: ``"pretrained"`` or ``"scratch"`` (the no-pre-training baseline: same architecture,
            tokenizer and recipe, random weights).
        eval_base: also score the model before SFT (``base``).
        out: write the result as JSON here.

    Returns:
        ``{"task", "score", "paper_metric", "acc", "em", "gold_loglik", "gold_prob", "per_dataset",
        "per_seed", "seed_std", "recipe", "seeds", "init", "evaluator", "time_s", ...}``; the
        scores are means over seeds, ``score`` is the paper's metric.
    """
    import torch


    if task not in TASK_SUBSETS:
        raise SftcastError(f"unknown task {task!r} (known: {', '.join(TASK_SUBSETS)})")
    if sft_seeds < 1:
        raise SftcastError("sft_seeds must be >= 1")
    if num_threads:
        torch.set_num_threads(num_threads)
    recipe = get_recipe(preset, task, **recipe_overrides)
    train = [r for s in TASK_SUBSETS[task] for r in load_records(data_dir, task, s, "train")]
    t_start = time.perf_counter()
    result: dict[str, Any] = {"task": task, "model_path": str(model_path), "init": init, "preset": preset}
    if eval_base:
        model, tok = load_model(model_path, init, seed)
        result["base"] = evaluate(model.to(device), tok, task, data_dir, recipe=recipe, evaluator=evaluator)
    runs = []
    for s in range(seed, seed + sft_seeds):
        t0 = time.perf_counter()
        model, tok = load_model(model_path, init, s)
        model.to(device)
        curve = finetune(model, tok, train, recipe, s)
        t1 = time.perf_counter()
        scores = evaluate(model, tok, task, data_dir, recipe=recipe, evaluator=evaluator)
        runs.append({"seed": s, **scores, **curve, "train_s": t1 - t0, "eval_s": time.perf_counter() - t1})
    result.update(
        _over_seeds(runs, task),
        recipe=recipe.to_dict(),
        seeds=list(range(seed, seed + sft_seeds)),
        evaluator=runs[0]["evaluator"],
        device=device,
        time_s=time.perf_counter() - t_start,
    )
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))
    return result


def _over_seeds(runs: list[dict[str, Any]], task: str) -> dict[str, Any]:
    """The scores of one or more SFT seeds: means per dataset and per task, the paper's metric as
    ``score``, the seeds' std and the runs themselves."""
    per_dataset = {
        subset: {key: _mean_or_none([r["per_dataset"][subset][key] for r in runs]) for key in SCORE_KINDS}
        for subset in runs[0]["per_dataset"]
    }
    metric = PAPER_METRIC[task]
    return {
        **_means(per_dataset),
        "score": _means(per_dataset)[metric],
        "paper_metric": metric,
        "per_dataset": per_dataset,
        "per_seed": runs,
        "seed_std": {
            k: float(np.std([r[k] for r in runs])) if runs[0][k] is not None else None for k in SCORE_KINDS
        },
    }


def _mean_or_none(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(kept)) if kept else None




