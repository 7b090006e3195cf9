"""lm-eval's proxy computation against a direct batched torch log-likelihood on the same requests.

Both paths score the requests lm-eval builds for ``ppl_clm`` (rolling windows), ``ppl_sc`` and
``kshot_cms`` (1-shot multiple choice) on a tiny-preset model. The direct path takes the request
strings, tokenizes them in one batched call, cuts the same windows and left-truncation as
``HFLM`` and runs the model over length-sorted right-padded batches. The script checks that the
numbers agree (perplexities to 1e-4 relative, accuracy exactly) and prints medians and the ratio.

Run: ``python benchmarks/bench_harness.py [--repeats 3] [--model DIR] [--data DIR]``; without
``--model``/``--data`` it writes a random tiny-preset model and the tiny world's data to a temp dir.
One torch thread; the machine is shared, so read the ratio's order of magnitude.

Measured here (tiny preset, 0.98M parameters, 1638 requests, batch 8): lm-eval 15.1 s, direct
12.5 s, ratio 1.2x. Where lm-eval's extra time goes:

- building tasks and requests (~2.5 s): indexing the include path, ``custom_dataset`` (reading
  JSONL, loading the tokenizer, counting tokens per document, rendering SC requests), few-shot
  sampling and prompt rendering per document, one ``Instance`` per choice;
- tokenization one request at a time: ``HFLM._encode_pair`` encodes ``context + continuation``
  and ``context`` separately per request, where the direct path makes two batched calls;
- per-request Python in ``_loglikelihood_tokens``: the collator's sort and grouping, a
  ``log_softmax`` and a greedy-argmax check per request, result caching hooks, metric aggregation.

The forward passes dominate both paths, because neither shares the few-shot context between the
choices of a question (lm-eval scores each choice as its own sequence). That, not the harness,
is what makes the k-shot QA proxies costly: sharing the prefix (or scoring all choices from one
KV cache) is the larger speed-up, and it would mean a custom ``LM`` instead of ``--model hf``.
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

from benchmark.harness import prepare_data, render_tasks
from benchmark.harness.runner import proxies_from_results, run_lm_eval

TASKS = ["ppl_clm", "ppl_sc", "kshot_cms"]


def build_model(out: Path, data: Path) -> Path:
    """A random tiny-preset Llama with a 1k BPE trained on the held-out text."""
    from transformers import LlamaForCausalLM

    from benchmark.presets import get_preset
    from benchmark.tokenizer import train_tokenizer

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
    for name in ("ppl_sc", "kshot_cms"):
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
    by_doc: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    gold: dict[tuple[str, int], int] = {}
    for i, inst in enumerate(requests["kshot_cms"]):
        by_doc[(inst.task_name, inst.doc_id)].append((inst.idx, per_owner[("kshot_cms", i)]))
        gold[(inst.task_name, inst.doc_id)] = inst.doc["gold"]
    acc: dict[str, list[float]] = defaultdict(list)
    for key, scored in by_doc.items():
        lls = [v for _, v in sorted(scored)]
        acc[key[0]].append(float(max(range(len(lls)), key=lls.__getitem__) == gold[key]))
    out["kshot_cms"] = statistics.mean(statistics.mean(v) for v in acc.values())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--model", default=None, help="a checkpoint folder (default: random tiny-preset)")
    parser.add_argument("--data", default=None, help="a data folder (default: the tiny world's, seed 0)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.getLogger("lm_eval").setLevel(logging.ERROR)  # per-task notices, left-truncation warnings
    tmp = Path(tempfile.mkdtemp(prefix="bench_harness_"))
    data = Path(args.data) if args.data else prepare_data("tiny", 0, tmp / "data")
    model = Path(args.model) if args.model else build_model(tmp / "model", data)
    tasks_dir = render_tasks(data, tmp / "tasks", proxies=TASKS)

    requests, build_s = lm_eval_requests(model, tasks_dir)
    n_requests = {name: len(v) for name, v in requests.items()}
    harness = direct_result = None
    t_harness, t_direct = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        results = run_lm_eval(str(model), tasks_dir, TASKS, batch_size=args.batch_size)
        t_harness.append(time.perf_counter() - start)
        harness = proxies_from_results(results, TASKS)
        start = time.perf_counter()
        direct_result = direct(model, requests, args.batch_size)
        t_direct.append(time.perf_counter() - start)

    assert harness is not None and direct_result is not None
    checks = {
        "ppl_clm": (harness["ppl_clm_raw"], direct_result["ppl_clm"]),
        "ppl_sc": (harness["ppl_sc_raw"], direct_result["ppl_sc"]),
        "kshot_cms": (harness["kshot_cms"], direct_result["kshot_cms"]),
    }
    print(f"requests: {n_requests} (batch {args.batch_size}, 1 thread, model {model})")
    for name, (a, b) in checks.items():
        ok = math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-12)  # accuracy: the same mean of the same 0/1s
        print(f"  {name:<10} lm-eval {a:.6f}   direct {b:.6f}   {'same' if ok else 'DIFFERENT'}")
        assert ok, name
    h, d = statistics.median(t_harness), statistics.median(t_direct)
    print(f"median of {args.repeats}: lm-eval {h:.2f} s, direct {d:.2f} s, ratio {h / d:.2f}x")
    print(f"  of lm-eval's time, building tasks and requests alone took {build_s:.2f} s (measured once);")
    print(
        "  the rest is per-request tokenization and Python around the same forward passes (see the docstring)"
    )


if __name__ == "__main__":
    main()
