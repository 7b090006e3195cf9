"""The five pre-SFT proxies and the task scores, computed by lm-evaluation-harness.

The YAML files beside this module are templates; ``render_tasks`` writes the concrete tasks of one
data folder into a task folder (by default ``DATA/lm_eval_tasks/SPLIT``): ``ppl_clm``,
``ppl_sc``, one lm-eval task per subset of each task (``kshot_cms_<subset>``, and for the QA tasks
also ``kshot_rag_<subset>_gen`` for exact match) and a group per task (``kshot_cms`` ...) that
averages its subsets without size weights, as the paper does. The rendered YAMLs hold absolute
data paths and ``include`` the templates, so the folder is a plain lm-eval ``--include_path``:

    lm_eval --model hf --model_args pretrained=MODEL --include_path DATA/lm_eval_tasks/dev \\
        --tasks ppl_clm,ppl_sc,kshot_cms,kshot_rag,kshot_cbqa --device cpu --batch_size 8 \\
        --seed 0,1234,1234,1234 --output_path OUT

gives the numbers ``compute_proxies(MODEL, DATA)`` gives (``lm_eval_command`` prints it;
``proxies_from_results`` reads its results JSON). ``compute_proxies`` itself runs these tasks with
the lm-eval model ``sftcast_hf`` by default (``shared_prefix``: ``hf`` with each few-shot prompt run
once for all its candidate answers, several times faster on the k-shot proxies). That is only a
faster way to the same numbers: they equal ``--model hf``'s up to float rounding (the tests compare
every proxy to 1e-6), so the command above, with ``--model hf``, stays the reference;
``backend="hf"`` (``sftcast proxies --backend hf``) runs the plain model.

Data folder (``prepare_heldout`` writes the first file, ``benchmark.produce.tasks`` the rest)::

    heldout_text.jsonl                  {"id", "text"}: held-out pre-training documents
    task_versions.json                  the tasks' TASK_VERSIONS (prepare_data writes it last)
    <task>/<subset>/<split>.jsonl       {"id", "task", "subset", "prompt", "choices", "gold", "answer"}
                                        (+ "continuation": partial scoring, kshot_partial.yaml)

Perplexities are per token of the evaluated model's tokenizer (``utils.model_tokenizer``):
within a suite every variant shares one tokenizer, so token perplexity is what the pre-training
loss measured; bits per byte is kept beside it for comparing models with different tokenizers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from benchmark.core.errors import SftcastError
from benchmark.core.vocab import PROXIES, TASK_VERSIONS
from benchmark.harness.checks import check_causal_lm, check_device
from benchmark.harness.records import cloze_file
from benchmark.harness.utils import partial_files

HARNESS_DIR = Path(__file__).resolve().parent
HELDOUT_FILE = "heldout_text.jsonl"
DATA_STAMP = "task_versions.json"  # prepare_data's last file: the TASK_VERSIONS it wrote
SPLITS = ("train", "dev", "test")
PROXY_SPLIT = "dev"  # k-shot proxies read dev, so the test split stays the SFT label's alone
# lm-eval's defaults (python, numpy, torch, few-shot sampler), passed explicitly and recorded
SEEDS = {"random_seed": 0, "numpy_random_seed": 1234, "torch_random_seed": 1234, "fewshot_random_seed": 1234}
# lm-eval models compute_proxies runs: the fast one (the default) and the plain one it equals
BACKENDS = ("sftcast_hf", "hf")
DEFAULT_BACKEND = "sftcast_hf"


@lru_cache(maxsize=1)
def proxy_specs() -> dict[str, dict[str, Any]]:
    """``proxies.yaml``: proxy name -> the lm-eval task it reads, metric, our task, shots."""
    return yaml.safe_load((HARNESS_DIR / "proxies.yaml").read_text())


# Extra signals in proxies.yaml, beyond the paper's five; the suite runner records them too.
# Bumped whenever a proxy's numbers change, so caches of proxy results (benchmark.produce.suite_runner's
# ``proxies/checkpoint-*.json``) are recomputed. "2": ppl_sc corrupts spans of tokens (task version 2.0).
# A change of the task records is not a proxy change: ``benchmark.produce.tasks.TASK_VERSIONS`` is in
# those cache names too.
PROXY_VERSION = "2"


def signal_version(name: str) -> int:
    """An extra signal's ``version`` in proxies.yaml (default 1), bumped when its definition changes:
    the suite runner then measures it again in records and caches of an older version."""
    return int(proxy_specs()[name].get("version", 1))


def _check_proxies(names: Sequence[str]) -> list[str]:
    specs = proxy_specs()
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise SftcastError(f"unknown proxy {unknown[0]!r} (known: {', '.join(specs)})")
    return list(names)


# ---------------------------------------------------------------------------------------------
# data








def data_versions(data_dir: str | Path) -> dict[str, int] | None:
    """The ``TASK_VERSIONS`` a data folder was written with (its stamp), or None (no stamp: a
    folder of real datasets, or one from before stamps)."""
    stamp = Path(data_dir) / DATA_STAMP
    return json.loads(stamp.read_text()) if stamp.is_file() else None


def data_current(data_dir: str | Path) -> bool:
    """Whether ``prepare_data`` finished ``data_dir`` with the current tasks (``TASK_VERSIONS``) and
    their cloze docs (``records.cloze_file``; a folder from before them is built again)."""

    return data_versions(data_dir) == TASK_VERSIONS and any(Path(data_dir).glob("*/*/*.cloze.jsonl"))


def find_subsets(data_dir: str | Path, task: str, split: str) -> list[str]:
    """Subsets of ``task`` in ``data_dir`` with a non-empty ``train`` and ``split`` file."""
    root = Path(data_dir) / task
    if not root.is_dir():
        return []
    return sorted(
        d.name for d in root.iterdir() if _nonempty(d / "train.jsonl") and _nonempty(d / f"{split}.jsonl")
    )


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# rendering the lm-eval tasks


def write_text(path: Path, text: str) -> None:
    """Write atomically: a concurrent reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _yaml(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def _task_name(base: str, subset: str, suffix: str = "") -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{base}_{subset}{suffix}")


def render_tasks(
    data_dir: str | Path,
    out_dir: str | Path | None = None,
    split: str = PROXY_SPLIT,
    proxies: Sequence[str] = PROXIES,
) -> Path:
    """Write the concrete lm-eval tasks of ``data_dir`` into ``out_dir``; return ``out_dir``.

    Args:
        data_dir: the data folder (see the module docstring).
        out_dir: the task folder, an lm-eval ``include_path``; default ``data_dir/lm_eval_tasks/split``
            for the five proxies, ``.../split-<p1>+<p2>...`` for another set.
        split: the split the k-shot tasks evaluate; few-shot examples always come from ``train``.
        proxies: which proxies' tasks to write.

    A missing file raises ``SftcastError``. ``tasks.json`` in the folder records what was rendered.
    """

    data = Path(data_dir).resolve()
    if split not in SPLITS:
        raise SftcastError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    # one default folder per proxy set: rendering removes stale YAMLs, so two processes rendering
    # different sets into one folder would delete each other's tasks
    default = split if list(proxies) == list(PROXIES) else f"{split}-{'+'.join(proxies)}"
    out = Path(out_dir).resolve() if out_dir is not None else data / "lm_eval_tasks" / default
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    subsets: dict[str, list[str]] = {}
    for name in _check_proxies(proxies):
        spec = proxy_specs()[name]
        if "task" not in spec:
            heldout = data / HELDOUT_FILE
            if not heldout.is_file():
                raise SftcastError(f"{heldout} not found: write it with prepare_heldout(data_dir)")
            files[f"{name}.yaml"] = _yaml({
                "include": str(HARNESS_DIR / f"{name}.yaml"),
                "task": name,
                "dataset_kwargs": {"data_files": {"test": str(heldout)}},
            })  # fmt: skip
            continue
        task = spec["task"]
        found = [s for s in find_subsets(data, task, split) if s in spec.get("subsets", [s])]
        if not found:
            among = f"among {', '.join(spec['subsets'])} " if "subsets" in spec else ""
            raise SftcastError(
                f"no {task} subsets {among}with train.jsonl and {split}.jsonl under {data / task}"
            )
        subsets[name] = found
        members = []
        for subset in found:
            data_files = {"train": str(data / task / subset / "train.jsonl"),
                          "test": str(data / task / subset / f"{split}.jsonl")}  # fmt: skip
            partial = partial_files(data_files["train"], data_files["test"])
            choice = spec.get("template") or ("kshot_partial" if partial else "kshot_choice")
            if choice == "kshot_cloze":  # the world's facts, phrased by the producer beside the tasks
                data_files = {k: str(cloze_file(v)) for k, v in data_files.items()}
            kinds = [(choice, "")] + ([("kshot_generate", "_gen")] if spec["generative"] else [])
            for template, suffix in kinds:
                leaf = _task_name(spec["lm_eval_task"], subset, suffix)
                files[f"{leaf}.yaml"] = _yaml({
                    "include": str(HARNESS_DIR / f"{template}.yaml"),
                    "task": leaf,
                    "dataset_kwargs": {"data_files": data_files},
                    "num_fewshot": spec["num_fewshot"],
                    "metadata": {"version": 1.0, "sftcast_task": task, "subset": subset, "split": split},
                })  # fmt: skip
                members.append(leaf)
        metrics = ["acc", "gold_loglik", "gold_prob"] + (["exact_match"] if spec["generative"] else [])
        files[f"{spec['lm_eval_task']}.yaml"] = _yaml({
            "group": spec["lm_eval_task"],
            "task": members,
            "aggregate_metric_list": [
                {"metric": m, "filter_list": ["none"], "aggregation": "mean", "weight_by_size": False}
                for m in metrics
            ],
            "metadata": {"version": 1.0, "sftcast_task": task, "split": split},
        })  # fmt: skip
    for stale in set(p.name for p in out.glob("*.yaml")) - set(files):
        (out / stale).unlink()
    for filename, text in files.items():
        write_text(out / filename, f"# rendered by benchmark.harness.render_tasks from {data}\n{text}")
    record = {"data_dir": str(data), "split": split, "proxies": list(proxies), "subsets": subsets,
              "templates": str(HARNESS_DIR)}  # fmt: skip
    write_text(out / "tasks.json", json.dumps(record, indent=2) + "\n")
    return out


def lm_eval_command(
    model: str,
    tasks_dir: str | Path,
    proxies: Sequence[str] = PROXIES,
    device: str = "cpu",
    batch_size: int = 8,
    limit: int | None = None,
    output_path: str | Path | None = None,
) -> list[str]:
    """The ``lm_eval`` command line that computes the same numbers as ``compute_proxies``."""
    seeds = ",".join(str(SEEDS[k]) for k in ("random_seed", "numpy_random_seed", "torch_random_seed",
                                              "fewshot_random_seed"))  # fmt: skip
    cmd = ["lm_eval", "--model", "hf", "--model_args", f"pretrained={model}",
           "--include_path", str(tasks_dir),
           "--tasks", ",".join(proxy_specs()[p]["lm_eval_task"] for p in proxies),
           "--device", device, "--batch_size", str(batch_size), "--seed", seeds]  # fmt: skip
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if output_path is not None:
        cmd += ["--output_path", str(output_path)]
    return cmd


# ---------------------------------------------------------------------------------------------
# running lm-eval


@contextlib.contextmanager
def _quiet_lm_eval(quiet: bool) -> Iterator[None]:
    """Silence lm-eval's per-request warnings (left truncation of long few-shot contexts)."""
    logger = logging.getLogger("lm_eval")
    level = logger.level
    if quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_lm_eval(
    model: str,
    tasks_dir: str | Path,
    tasks: Sequence[str],
    device: str = "cpu",
    batch_size: int = 8,
    limit: int | None = None,
    num_fewshot: int | None = None,
    model_args: dict[str, Any] | None = None,
    quiet: bool = True,
    backend: str = "hf",
    gen_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``lm_eval.simple_evaluate`` on the rendered tasks, as the ``lm_eval`` CLI runs it.

    The model is ``backend`` (``hf``, or ``sftcast_hf``: ``hf`` with shared contexts, see
    ``shared_prefix``) with ``pretrained=model`` (plus ``model_args``); the task manager indexes
    only ``tasks_dir`` and gets the model arguments as metadata, as the CLI's does.
    ``gen_kwargs`` override the tasks' generation settings (``--gen_kwargs``).
    """
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    if backend == "sftcast_hf":
        import benchmark.harness.shared_prefix  # noqa: F401 - registers the model name

    args = {"pretrained": str(model), **(model_args or {})}
    with _quiet_lm_eval(quiet):
        manager = TaskManager(include_path=str(tasks_dir), include_defaults=False, metadata=dict(args))
        results = simple_evaluate(
            model=backend,
            model_args=args,
            gen_kwargs=gen_kwargs,
            tasks=list(tasks),
            num_fewshot=num_fewshot,
            batch_size=batch_size,
            device=device,
            limit=limit,
            log_samples=False,
            task_manager=manager,
            **SEEDS,
        )
    if results is None:  # only non-zero ranks of a distributed run get None
        raise SftcastError("lm-eval returned no results (not the main process?)")
    return results


def check_backend(backend: str) -> None:
    """Raise ``SftcastError`` unless ``backend`` is one of ``BACKENDS``."""
    if backend not in BACKENDS:
        raise SftcastError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")


def _metric(results: dict[str, Any], name: str, metric: str) -> float | None:
    for section in ("groups", "results"):
        value = results.get(section, {}).get(name, {}).get(f"{metric},none")
        if isinstance(value, int | float):
            return float(value)
    return None


def proxies_from_results(results: dict[str, Any], proxies: Sequence[str] = PROXIES) -> dict[str, Any]:
    """Read the proxies out of an lm-eval results dict (``simple_evaluate``'s or the CLI's JSON).

    Perplexities become ``1/ppl`` (higher is better) with the raw value as ``<proxy>_raw``;
    ``ppl_clm_bpb`` is bits per byte; QA proxies keep their accuracy over candidates as
    ``<proxy>_acc``; ``detail`` holds every task's and group's metrics.
    """
    out: dict[str, Any] = {}
    for name in _check_proxies(proxies):
        spec = proxy_specs()[name]
        value = _metric(results, spec["lm_eval_task"], spec["metric"])
        if value is None:
            raise SftcastError(f"lm-eval results lack {spec['task']} {spec['metric']}")
        if spec.get("invert"):
            out[name], out[f"{name}_raw"] = 1.0 / value, value
        else:
            out[name] = value
        if name == "ppl_clm":
            out["ppl_clm_bpb"] = _metric(results, name, "bits_per_byte")
        if spec.get("generative"):
            out[f"{name}_acc"] = _metric(results, spec["lm_eval_task"], "acc")
    detail: dict[str, dict[str, float]] = {}
    for section in ("results", "groups"):
        for task, metrics in results.get(section, {}).items():
            detail[task] = {
                k.split(",")[0]: float(v)
                for k, v in metrics.items()
                if k.endswith(",none") and "_stderr" not in k and isinstance(v, int | float)
            }
    out["detail"] = dict(sorted(detail.items()))
    return out


def compute_proxies(
    model: str,
    data_dir: str | Path,
    device: str = "cpu",
    limit: int | None = None,
    batch_size: int = 8,
    proxies: Sequence[str] = PROXIES,
    split: str = PROXY_SPLIT,
    tasks_dir: str | Path | None = None,
    model_args: dict[str, Any] | None = None,
    backend: str = DEFAULT_BACKEND,
) -> dict[str, Any]:
    """The five proxies of a causal-LM checkpoint (a folder or a Hub id), higher is better.

    Args:
        model: anything ``transformers.AutoModelForCausalLM.from_pretrained`` loads.
        data_dir: the data folder (module docstring); tasks are rendered into ``tasks_dir``.
        limit: at most this many documents per lm-eval task (for tests; proxies need all).
        split: the split the k-shot proxies evaluate.
        backend: the lm-eval model: ``sftcast_hf`` (default; each few-shot prompt runs once for
            all its candidates) or ``hf`` (plain lm-eval); the same numbers up to float rounding.

    Returns:
        ``{"ppl_clm": 1/ppl, "ppl_clm_raw": ppl, "ppl_clm_bpb", "ppl_sc", "ppl_sc_raw",
        "kshot_cms", "kshot_rag", "kshot_rag_acc", "kshot_cbqa", "kshot_cbqa_acc",
        "detail": {task: {metric: value}}, "config": {...}, "lm_eval_command": [...], "seconds"}``.

    >>> p = compute_proxies("runs/tiny/seed0/v01/checkpoint-600", "runs/proxy_data")  # doctest: +SKIP
    >>> 0 < p["ppl_clm"] < 1
    True
    """

    proxies = _check_proxies(proxies)
    check_device(device)
    check_causal_lm(str(model), (model_args or {}).get("tokenizer"))
    written_with = data_versions(data_dir)
    if written_with is not None and written_with != TASK_VERSIONS:
        logging.getLogger(__name__).warning(
            "%s holds tasks of versions %s, not the current %s: rebuild it with prepare_data",
            data_dir, written_with, TASK_VERSIONS,
        )  # fmt: skip
    check_backend(backend)
    t0 = time.perf_counter()
    tasks_path = render_tasks(data_dir, tasks_dir, split, proxies)
    tasks = [proxy_specs()[p]["lm_eval_task"] for p in proxies]
    results = run_lm_eval(model, tasks_path, tasks, device, batch_size, limit, model_args=model_args,
                          backend=backend)  # fmt: skip
    out = proxies_from_results(results, proxies)
    out["config"] = {
        "model": str(model),
        "model_args": model_args or {},
        "data_dir": str(data_dir),  # as given: records name no folder of the machine
        "tasks_dir": str(tasks_path),
        "split": split,
        "limit": limit,
        "batch_size": batch_size,
        "device": device,
        "backend": backend,
        "seeds": SEEDS,
        "proxies": {p: proxy_specs()[p] for p in proxies},
        "lm_eval_versions": results.get("versions", {}),  # lm-eval's, per task YAML
        "task_versions": written_with,  # the data folder's TASK_VERSIONS (None: no stamp)
        "n_docs": {task: n.get("effective") for task, n in results.get("n-samples", {}).items()},
        "lm_eval_version": results.get("lm_eval_version") or _lm_eval_version(),
    }
    out["lm_eval_command"] = lm_eval_command(model, tasks_path, proxies, device, batch_size, limit)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _lm_eval_version() -> str:
    return version("lm_eval")


def evaluate_task(
    model_path: str,
    task: str,
    data_dir: str | Path,
    split: str = "test",
    num_fewshot: int = 0,
    device: str = "cpu",
    limit: int | None = None,
    batch_size: int = 8,
    tasks_dir: str | Path | None = None,
    backend: str = "hf",
    max_gen_toks: int | None = None,
) -> dict[str, Any]:
    """Score a model on one task through the same lm-eval tasks as the k-shot proxies.

    ``backend="sftcast_hf"`` runs each prompt once for all its candidate answers (same numbers,
    see ``shared_prefix``); ``max_gen_toks`` caps the greedy generation of the exact-match tasks
    (the templates' default is 24 tokens). lm-eval truncates a generation context to the model's
    length minus this budget, so on long prompts changing it changes exact match.

    Returns:
        ``{"per_dataset": {subset: {"acc", "em" (None for cms), "gold_loglik", "gold_prob"}},
        "acc": mean, "em": mean or None, "gold_loglik": mean, "gold_prob": mean, "split",
        "num_fewshot", "n_docs": {subset: n}}``;
        means are unweighted over subsets, as in the paper.
    """
    specs = proxy_specs()
    by_task = {specs[name]["task"]: name for name in PROXIES if "task" in specs[name]}
    if task not in by_task:
        raise SftcastError(f"unknown task {task!r} (known: {', '.join(by_task)})")
    spec = specs[by_task[task]]
    if tasks_dir is None:
        tasks_dir = Path(data_dir).resolve() / "lm_eval_tasks" / f"{split}-{task}"
    tasks_path = render_tasks(data_dir, tasks_dir, split, [by_task[task]])
    gen = {"max_gen_toks": max_gen_toks} if max_gen_toks else None
    results = run_lm_eval(model_path, tasks_path, [spec["lm_eval_task"]], device, batch_size, limit,
                          num_fewshot, backend=backend, gen_kwargs=gen)  # fmt: skip
    per_dataset: dict[str, dict[str, float | None]] = {}
    n_docs: dict[str, int] = {}
    for subset in find_subsets(data_dir, task, split):
        choice = _task_name(spec["lm_eval_task"], subset)
        per_dataset[subset] = {
            "acc": _metric(results, choice, "acc"),
            "em": _metric(results, _task_name(spec["lm_eval_task"], subset, "_gen"), "exact_match")
            if spec["generative"]
            else None,
            "gold_loglik": _metric(results, choice, "gold_loglik"),
            "gold_prob": _metric(results, choice, "gold_prob"),
        }
        n_docs[subset] = int(results.get("n-samples", {}).get(choice, {}).get("effective", 0))

    def mean(key: str) -> float | None:
        values = [d[key] for d in per_dataset.values() if d[key] is not None]
        return sum(values) / len(values) if values else None

    return {
        "per_dataset": per_dataset,
        "acc": mean("acc"),
        "em": mean("em"),
        "gold_loglik": mean("gold_loglik"),
        "gold_prob": mean("gold_prob"),
        "split": split,
        "num_fewshot": num_fewshot,
        "n_docs": n_docs,
    }


# ---------------------------------------------------------------------------------------------
# free signals of a pre-training run




