"""lm-eval's proxy computation (plain ``hf`` and ``sftcast_hf``) against a direct batched torch
log-likelihood on the same requests.

The three paths score the requests lm-eval builds for ``ppl_clm`` (rolling windows), ``ppl_sc``,
``kshot_cms`` (1-shot multiple choice) and one 5-shot QA subset (``kshot_cbqa_nq_open``, 20
candidate answers per question: the shape of the QA k-shot proxies, without their generation
tasks) on a tiny-preset model:

- ``lm-eval hf``: ``--model hf``, the documented equivalent command;
- ``lm-eval sftcast_hf``: ``compute_proxies``' default (``benchmark.harness.shared_prefix``: each
  prompt runs once for all its candidates, key-value cache shared);
- ``direct torch``: the request strings tokenized in one batched call, the same windows and left
  truncation as ``HFLM``, each request as its own sequence over length-sorted right-padded batches.

The script checks that the numbers agree (perplexities to 1e-4 relative, accuracies exactly) and
prints medians and ratios to the direct path.

``--gpt2-small`` measures instead a 124M GPT-2-small-shaped model (random init, 1,024 positions,
vocabulary 50,257) on the k-shot choice tasks (1-shot CMS, 5-shot RAG over 20 candidates), at most
``--limit`` documents per task: the shared-prefix backend's speed-up over ``hf`` at equal numbers
(the goal is 2x or more on 5-shot RAG), and each backend's tokens/s against a bare batched forward
pass of the same inputs (the tokens ``hf`` feeds the model, right-padded in length-sorted batches,
logits only). Measured numbers: docs/own-checkpoints.md.

Run: ``python perf/bench_harness.py [--repeats 3] [--model DIR] [--data DIR]``; without
``--model``/``--data`` it writes a random tiny-preset model and the tiny world's data to a temp dir.
One torch thread; the machine is shared, so read the ratios' order of magnitude.

Measured here (``runs/tiny/seed0/v01/checkpoint-600``, ``runs/tiny/data-world0``, 4257 requests,
batch 8, one repeat, 2 busy cores): lm-eval hf 18.3 s (1.27x), lm-eval sftcast_hf 9.6 s (0.67x),
direct torch 14.4 s. Where plain lm-eval's extra time goes:

- building tasks and requests (~2 s): indexing the include path, ``custom_dataset`` (reading
  JSONL, loading the tokenizer, counting tokens per document, rendering SC requests), few-shot
  sampling and prompt rendering per document, one ``Instance`` per choice;
- tokenization one request at a time: ``HFLM._encode_pair`` encodes ``context + continuation``
  and ``context`` separately per request, where the direct path makes two batched calls;
- per-request Python in ``_loglikelihood_tokens``: the collator's sort and grouping, a
  ``log_softmax`` and a greedy-argmax check per request, result caching hooks, metric aggregation.

The forward passes dominate the hf and direct paths, because neither shares the few-shot context
between the choices of a question. ``sftcast_hf`` does (and encodes each prompt once), so it beats
even the direct path despite the harness overhead; on the QA subset its saving is limited by
``hf``'s left truncation, which it reproduces exactly: a 5-shot prompt longer than the tiny
model's 128 tokens is cut differently for continuations of different token lengths, so it is
shared only among candidates of the same length.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

from benchmark.harness import render_tasks
from benchmark.harness.evaluator import proxies_from_results, run_lm_eval
from benchmark.produce.harness_data import prepare_data
from benchmark.produce.presets import get_preset

# ppl_clm (rolling windows), ppl_sc and kshot_cms (1-shot, 2-4 choices) as the proxies run them,
# and one 5-shot QA subset's multiple-choice task (20 candidate answers per question): the shape of
# the kshot_rag/kshot_cbqa proxies, without their generation tasks (the direct path scores only)
QA_TASK = "kshot_cbqa_nq_open"
TASKS = ["ppl_clm", "ppl_sc", "kshot_cms", QA_TASK]
CHOICE_TASKS = ("kshot_cms", QA_TASK)
RENDERED = ["ppl_clm", "ppl_sc", "kshot_cms", "kshot_cbqa"]  # proxies whose tasks are rendered


def build_model(out: Path, data: Path) -> Path:
    """A random tiny-preset Llama with a 1k BPE trained on the held-out text."""
    from transformers import LlamaForCausalLM

    from benchmark.produce.tokenizer import train_tokenizer

    texts = [json.loads(line)["text"] for line in (data / "heldout_text.jsonl").read_text().splitlines()]
    tok = train_tokenizer(texts, vocab_size=1024)
    torch.manual_seed(0)
    LlamaForCausalLM(get_preset("tiny").llama_config(len(tok))).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def lm_eval_requests(model: Path, tasks_dir: Path) -> tuple[dict[str, list], float]:
    """The instances lm-eval builds for ``TASKS``, and the seconds that took (tasks + requests)."""
    from lm_eval.tasks import TaskManager

    start = time.perf_counter()
    manager = TaskManager(
        include_path=str(tasks_dir), include_defaults=False, metadata={"pretrained": str(model)}
    )
    out: dict[str, list] = defaultdict(list)
    for name, task in manager.load(TASKS)["tasks"].items():  # leaf tasks: kshot_cms_<subset>, ...
        if task.get_config("num_fewshot") is None:
            task.set_config(key="num_fewshot", value=0)
        task.set_fewshot_seed(seed=1234)
        task.build_all_requests()
        out[next(t for t in TASKS if name.startswith(t))] += task.instances
    return dict(out), time.perf_counter() - start


def direct(model_dir: Path, requests: dict[str, list], batch_size: int) -> dict[str, float]:
    """Load the model, tokenize in batch, score every request, aggregate as the tasks do."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    max_len = model.config.max_position_embeddings
    prefix = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id

    # (sequence, number of scored tokens at its end, owner) with HFLM's windows and truncation
    seqs: list[tuple[list[int], int, tuple[str, int]]] = []
    docs = [inst.args[0] for inst in requests["ppl_clm"]]
    for d, ids in enumerate(tok(docs)["input_ids"]):
        first = min(max_len, len(ids))
        seqs.append(([prefix] + ids[:first], first, ("ppl_clm", d)))
        done = first
        while done < len(ids):
            end = min(len(ids), done + max_len)
            seqs.append((ids[end - max_len - 1 : end], end - done, ("ppl_clm", d)))
            done = end
    for name in ("ppl_sc", *CHOICE_TASKS):
        contexts = [inst.args[0] for inst in requests[name]]
        wholes = tok([c + x for c, x in (inst.args for inst in requests[name])])["input_ids"]
        for i, (ctx, whole) in enumerate(zip(tok(contexts)["input_ids"], wholes, strict=True)):
            seqs.append((whole[-(max_len + 1) :], len(whole) - len(ctx), (name, i)))

    # score, longest first, right-padded
    order = sorted(range(len(seqs)), key=lambda k: -len(seqs[k][0]))
    ll = [0.0] * len(seqs)
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            batch = [seqs[k] for k in order[b : b + batch_size]]
            width = max(len(s) for s, _, _ in batch) - 1
            inp = torch.zeros(len(batch), width, dtype=torch.long)
            for r, (s, _, _) in enumerate(batch):
                inp[r, : len(s) - 1] = torch.tensor(s[:-1])
            logp = torch.log_softmax(model(inp).logits.float(), dim=-1)
            for r, (s, n, _) in enumerate(batch):
                pos = torch.arange(len(s) - 1 - n, len(s) - 1)
                ll[order[b + r]] = float(logp[r, pos, torch.tensor(s[-n:])].sum())

    # aggregate like the tasks' process_results and metrics
    per_owner: dict[tuple[str, int], float] = defaultdict(float)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for (_, n, owner), value in zip(seqs, ll, strict=True):
        per_owner[owner] += value
        counts[owner] += n
    out = {}
    for name in ("ppl_clm", "ppl_sc"):
        keys = [k for k in per_owner if k[0] == name]
        out[name] = math.exp(-sum(per_owner[k] for k in keys) / sum(counts[k] for k in keys))
    for name in CHOICE_TASKS:
        by_doc: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
        gold: dict[tuple[str, int], int] = {}
        for i, inst in enumerate(requests[name]):
            by_doc[(inst.task_name, inst.doc_id)].append((inst.idx, per_owner[(name, i)]))
            gold[(inst.task_name, inst.doc_id)] = inst.doc["gold"]
        acc: dict[str, list[float]] = defaultdict(list)
        for key, scored in by_doc.items():
            lls = [v for _, v in sorted(scored)]
            acc[key[0]].append(float(max(range(len(lls)), key=lls.__getitem__) == gold[key]))
        out[name] = statistics.mean(statistics.mean(v) for v in acc.values())
    return out


def harness(model: Path, tasks_dir: Path, backend: str, batch_size: int) -> dict[str, float]:
    """lm-eval with ``backend`` on ``TASKS``: the numbers the direct path computes."""
    results = run_lm_eval(str(model), tasks_dir, TASKS, batch_size=batch_size, backend=backend)
    proxies = proxies_from_results(results, ["ppl_clm", "ppl_sc", "kshot_cms"])
    return {"ppl_clm": proxies["ppl_clm_raw"], "ppl_sc": proxies["ppl_sc_raw"],
            "kshot_cms": proxies["kshot_cms"], QA_TASK: results["results"][QA_TASK]["acc,none"]}  # fmt: skip


def build_gpt2_small(out: Path, data: Path) -> Path:
    """A random GPT-2-small-shaped model (124M parameters with the 50,257-entry vocabulary) and a BPE
    trained on the held-out text (its ids are a subset of the model's vocabulary)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from benchmark.produce.tokenizer import train_tokenizer

    texts = [json.loads(line)["text"] for line in (data / "heldout_text.jsonl").read_text().splitlines()]
    tok = train_tokenizer(texts, vocab_size=4096)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12))
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def choice_tasks(tasks_dir: Path, proxy: str) -> list[str]:
    """The multiple-choice leaf tasks of a rendered k-shot proxy (its ``_gen`` tasks left out)."""
    subsets = json.loads((tasks_dir / "tasks.json").read_text())["subsets"][proxy]
    return [f"{proxy}_{s}".replace("-", "_") for s in subsets]


def bare_forward(model_dir: Path, instances: list, batch_size: int) -> tuple[float, int]:
    """(seconds, tokens) of the forward passes alone over the inputs ``hf`` runs for ``instances``:
    ``(context + continuation)[-(max_length + 1):][:-1]``, length-sorted, right-padded, logits only."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    limit = model.config.n_positions
    wholes = tok([c + x for c, x in (inst.args for inst in instances)])["input_ids"]
    inputs = sorted((w[-(limit + 1) :][:-1] for w in wholes), key=len, reverse=True)
    start = time.perf_counter()
    with torch.inference_mode():
        for b in range(0, len(inputs), batch_size):
            batch = inputs[b : b + batch_size]
            ids = torch.zeros(len(batch), len(batch[0]), dtype=torch.long)
            for r, seq in enumerate(batch):
                ids[r, : len(seq)] = torch.tensor(seq)
            model(ids)
    return time.perf_counter() - start, sum(map(len, inputs))


def gpt2_small(args: argparse.Namespace, tmp: Path) -> None:
    """The ``--gpt2-small`` measurement (module docstring)."""
    from lm_eval.tasks import TaskManager

    data = Path(args.data) if args.data else prepare_data("tiny", 0, tmp / "data")
    model = Path(args.model) if args.model else build_gpt2_small(tmp / "gpt2-small", data)
    tasks_dir = render_tasks(data, tmp / "tasks-gpt2", proxies=["kshot_cms", "kshot_rag"])
    n_params = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM.from_pretrained(model)
                   .parameters())  # fmt: skip
    print(f"model {model}: {n_params / 1e6:.1f}M parameters; at most {args.limit} documents per task; "
          f"batch {args.batch_size}; {torch.get_num_threads()} thread(s)")  # fmt: skip
    for proxy, shots in (("kshot_cms", 1), ("kshot_rag", 5)):
        tasks = choice_tasks(tasks_dir, proxy)
        manager = TaskManager(include_path=str(tasks_dir), include_defaults=False,
                              metadata={"pretrained": str(model)})  # fmt: skip
        instances = []
        for task in manager.load(tasks)["tasks"].values():
            task.set_fewshot_seed(seed=1234)
            task.build_all_requests(limit=args.limit)
            instances += task.instances
        seconds: dict[str, list[float]] = defaultdict(list)
        numbers: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):
            for backend in ("hf", "sftcast_hf"):
                start = time.perf_counter()
                results = run_lm_eval(str(model), tasks_dir, tasks, batch_size=args.batch_size,
                                      limit=args.limit, backend=backend)  # fmt: skip
                seconds[backend].append(time.perf_counter() - start)
                numbers[backend] = {f"{t}/{m}": results["results"][t][f"{m},none"] for t in tasks
                                    for m in ("acc", "gold_loglik")}  # fmt: skip
            seconds["bare forward"].append(bare_forward(model, instances, args.batch_size)[0])
        _, tokens = bare_forward(model, instances, args.batch_size)
        for key, value in numbers["hf"].items():
            assert math.isclose(numbers["sftcast_hf"][key], value, rel_tol=1e-5, abs_tol=1e-5), key
        med = {k: statistics.median(v) for k, v in seconds.items()}
        print(f"{proxy} ({shots}-shot, {len(instances)} requests, {tokens} input tokens as hf runs them): "
              f"same numbers; sftcast_hf {med['hf'] / med['sftcast_hf']:.2f}x faster than hf")  # fmt: skip
        for path, t in med.items():
            print(f"  {path:<13} {t:7.2f} s  {tokens / t:9.0f} tokens/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--model", default=None, help="a checkpoint folder (default: random tiny-preset)")
    parser.add_argument("--data", default=None, help="a data folder (default: the tiny world's, seed 0)")
    parser.add_argument("--gpt2-small", action="store_true", help="the 124M GPT-2-small measurement instead")
    parser.add_argument("--limit", type=int, default=4, help="with --gpt2-small: documents per task")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    logging.getLogger("lm_eval").setLevel(logging.ERROR)  # per-task notices, left-truncation warnings
    tmp = Path(tempfile.mkdtemp(prefix="bench_harness_"))
    if args.gpt2_small:
        gpt2_small(args, tmp)
        return
    data = Path(args.data) if args.data else prepare_data("tiny", 0, tmp / "data")
    model = Path(args.model) if args.model else build_model(tmp / "model", data)
    tasks_dir = render_tasks(data, tmp / "tasks", proxies=RENDERED)

    requests, build_s = lm_eval_requests(model, tasks_dir)
    n_requests = {name: len(v) for name, v in requests.items()}
    paths = {"lm-eval hf": lambda: harness(model, tasks_dir, "hf", args.batch_size),
             "lm-eval sftcast_hf": lambda: harness(model, tasks_dir, "sftcast_hf", args.batch_size),
             "direct torch": lambda: direct(model, requests, args.batch_size)}  # fmt: skip
    numbers: dict[str, dict[str, float]] = {}
    seconds: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeats):
        for path, run in paths.items():
            start = time.perf_counter()
            numbers[path] = run()
            seconds[path].append(time.perf_counter() - start)

    print(f"requests: {n_requests} (batch {args.batch_size}, 1 thread, model {model})")
    reference = numbers["direct torch"]
    for name, b in reference.items():
        values = "   ".join(f"{path} {numbers[path][name]:.6f}" for path in paths)
        # perplexities to float rounding; accuracies: the same mean of the same 0/1s
        ok = all(math.isclose(numbers[path][name], b, rel_tol=1e-4, abs_tol=1e-12) for path in paths)
        print(f"  {name:<18} {values}   {'same' if ok else 'DIFFERENT'}")
        assert ok, name
    medians = {path: statistics.median(t) for path, t in seconds.items()}
    d = medians["direct torch"]
    print(
        f"median of {args.repeats}: " + ", ".join(f"{p} {t:.2f} s ({t / d:.2f}x)" for p, t in medians.items())
    )
    print(f"  of lm-eval's time, building tasks and requests alone took {build_s:.2f} s (measured once);")
    print("  the rest is per-request tokenization and Python around the forward passes (see the docstring)")


if __name__ == "__main__":
    main()
