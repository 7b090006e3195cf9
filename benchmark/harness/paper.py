"""The paper's five proxies on its real datasets: ``sftcast proxies --model M --data paper``.

``paper.yaml`` declares the data. Kshot-CMS (1-shot: BoolQ, PIQA, HellaSwag, Winogrande,
OpenBookQA) and Kshot-CBQA (5-shot: NQ-open, TriviaQA) run lm-eval's stock tasks through
``include:``, so prompts, few-shot splits and metrics are lm-eval's and each task's number is
``lm_eval --tasks <name> --num_fewshot k``'s; from the Hub each stock task loads its own dataset,
and for local copies (``data_dir``) only the data source changes. Kshot-RAG (5-shot with passages:
NQ-open, TriviaQA, HotpotQA, 2Wiki) has no stock task and runs ``paper_rag.yaml`` over
``benchmark.harness.real``'s records. PPL-CLM and PPL-SC read a held-out corpus (``paper.yaml``:
a Hub id, or a local file or folder) with the templates of the synthetic suite.

A local copy (``--data-dir DIR``) has the layout of ``tests/fixtures/real``:
``DIR/<dataset>/<split>.jsonl`` (or ``.parquet``) in the dataset's Hub schema, ``train`` for the
few-shot examples and ``validation`` for the scored documents, and the held-out corpus as
``DIR/slimpajama/test.jsonl`` (rows with ``text``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from benchmark.core.errors import SftcastError
from benchmark.harness.checks import check_causal_lm, check_device
from benchmark.harness.evaluator import (
    HARNESS_DIR,
    HELDOUT_FILE,
    SEEDS,
    _metric,
    _yaml,
    check_backend,
    run_lm_eval,
    write_text,
)
from benchmark.harness.paper_utils import local_rows
from benchmark.harness.real import REAL_DATASETS, load_real
from benchmark.harness.records import make_record

EVAL_SPLIT = "validation"
DEFAULT_OUT = Path("runs/paper_data")
STOCK_GEN_TOKENS = 256  # HFLM's max_gen_toks: the stock generative tasks set none


@lru_cache(maxsize=1)
def paper_spec() -> dict[str, Any]:
    """``paper.yaml``: the held-out corpus and the datasets of each k-shot proxy."""
    return yaml.safe_load((HARNESS_DIR / "paper.yaml").read_text())


def stock_yaml(relative: str) -> Path:
    """The file of a stock lm-eval task (``lm_eval/tasks/<relative>``)."""
    import lm_eval.tasks

    path = Path(lm_eval.tasks.__file__).parent / relative
    if not path.is_file():
        raise SftcastError(f"lm-eval {_lm_eval_version()} has no task file {relative}: install lm-eval 0.4.x")
    return path


def _lm_eval_version() -> str:
    return version("lm_eval")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _local_file(folder: Path, split: str) -> Path | None:
    for suffix in (".jsonl", ".json", ".parquet"):
        if (folder / f"{split}{suffix}").is_file():
            return folder / f"{split}{suffix}"
    return None


def _local_files(data_dir: Path, name: str) -> dict[str, Path]:
    """``{train, validation}`` files of a local copy; a missing one raises naming the file to add."""
    files = {}
    for split in ("train", EVAL_SPLIT):
        found = _local_file(data_dir / name, split)
        if found is None:
            raise SftcastError(
                f"{data_dir / name}/{split}.jsonl not found: a local copy needs the dataset's {split} "
                f"split there ({'few-shot examples' if split == 'train' else 'scored documents'})"
            )
        files[split] = found
    return files


def _hub_revision(ds: Any) -> str | None:
    """The dataset repository's commit, read off the cache path ``datasets`` stored it under."""
    for entry in getattr(ds, "cache_files", []) or []:
        found = re.findall(r"/([0-9a-f]{40})/", entry.get("filename", ""))
        if found:
            return found[-1]
    return None


# ---------------------------------------------------------------------------------------------
# data


def _heldout(
    out: Path, data_dir: Path | None, source: str | None, split: str | None, docs: int | None
) -> dict[str, Any]:
    """Write ``out/heldout_text.jsonl`` (the first ``docs`` documents with text) and describe it."""
    spec = paper_spec()["heldout"]
    split = split or spec["split"]
    docs = int(docs or spec["docs"])
    if source is None and data_dir is not None:
        source = str(data_dir / spec["local"])
    source = source or spec["repo_id"]
    path = Path(source).expanduser()
    info: dict[str, Any] = {"source": source, "split": split}
    if path.exists():
        file = _local_file(path, split) if path.is_dir() else path
        if file is None:
            raise SftcastError(
                f"{path}/{split}.jsonl not found: the held-out corpus needs it (rows with text)"
            )

        rows = local_rows({split: str(file)})[split]
        info.update(file=str(file.resolve()), sha256=_sha256(file))
    else:
        try:
            from datasets import load_dataset

            stream = load_dataset(source, spec["config"] if source == spec["repo_id"] else None, split=split,
                                  streaming=True)  # fmt: skip
            rows = list(stream.take(docs))
            info["version"] = str(getattr(stream.info, "version", None))
        except Exception as exc:  # noqa: BLE001 - datasets raises many types for a missing dataset
            raise SftcastError(
                f"the held-out corpus {source!r} (split {split}) does not load ({str(exc).splitlines()[0]}): "
                "check the id and the network, or pass --heldout FILE_OR_FOLDER"
            ) from exc
    texts = [str(r["text"]) for r in rows if str(r.get("text") or "").strip()][:docs]
    if not texts:
        raise SftcastError(f"the held-out corpus {source!r} has no rows with text")
    lines = [json.dumps({"id": f"heldout-{i}", "text": t}) for i, t in enumerate(texts)]
    write_text(out / HELDOUT_FILE, "\n".join(lines) + "\n")
    return {**info, "n_docs": len(texts), "n_chars": sum(map(len, texts))}


def _rag_records(out: Path, data_dir: Path | None, pool: int) -> dict[str, dict[str, Any]]:
    """Write ``out/rag/<dataset>/{train,test}.jsonl`` (real.py's records) and describe each dataset."""

    info = {}
    for name in paper_spec()["kshot_rag"]["datasets"]:
        spec = REAL_DATASETS.get(name)
        if data_dir is not None:
            files = _local_files(data_dir, name)
            train = load_real("rag", name, str(files["train"]), split="train", limit=pool)
            test = load_real("rag", name, str(files[EVAL_SPLIT]), split=EVAL_SPLIT)
            source = {"source": str((data_dir / name).resolve()),
                      "sha256": {s: _sha256(f) for s, f in files.items()}}  # fmt: skip
        else:
            test = load_real("rag", name, split=EVAL_SPLIT)
            train = _streamed_pool(name, pool)
            source = {"source": spec.repo_id, "config": spec.config}
        folder = out / "rag" / name
        folder.mkdir(parents=True, exist_ok=True)
        for split, records in (("train", train), ("test", test)):
            write_text(folder / f"{split}.jsonl", "".join(json.dumps(r) + "\n" for r in records))
        info[name] = {**source, "eval_split": EVAL_SPLIT, "n_eval": len(test), "n_fewshot_pool": len(train)}
    return info


def _streamed_pool(name: str, pool: int) -> list[dict[str, Any]]:
    """The first ``pool`` records of a dataset's train split, streamed (TriviaQA's is gigabytes)."""
    from datasets import load_dataset


    spec = REAL_DATASETS.get(name)
    records: list[dict[str, Any]] = []
    try:
        for row in load_dataset(spec.repo_id, spec.config, split="train", streaming=True):
            mapped = spec.mapper(dict(row), "rag")
            if mapped is not None:
                prompt, choices, answer, extra = mapped
                records.append(make_record("rag", name, "train", len(records), prompt, choices, answer,
                                           real=True, **extra))  # fmt: skip
            if len(records) >= pool:
                break
    except Exception as exc:  # noqa: BLE001
        raise SftcastError(f"cannot stream {spec.repo_id} (train): {str(exc).splitlines()[0]}") from exc
    return records


# ---------------------------------------------------------------------------------------------
# tasks


def render_paper_tasks(
    out_dir: str | Path,
    data_dir: str | Path | None = None,
    heldout: str | None = None,
    heldout_split: str | None = None,
    heldout_docs: int | None = None,
) -> dict[str, Any]:
    """Write the data and the lm-eval tasks of ``--data paper`` into ``out_dir``; return its manifest.

    ``out_dir`` becomes an lm-eval ``--include_path`` (with the held-out text and the RAG records
    beside it); ``manifest.json`` there names every dataset's source, version and size.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    local = Path(data_dir).resolve() if data_dir is not None else None
    if local is not None and not local.is_dir():
        raise SftcastError(f"--data-dir {data_dir} not found: give a folder laid out as tests/fixtures/real")
    spec = paper_spec()
    options = {"heldout": heldout, "heldout_split": heldout_split, "heldout_docs": heldout_docs,
               "spec": paper_spec(), "lm_eval": _lm_eval_version()}  # fmt: skip
    if local is None and _prepared(out, options):
        return json.loads((out / "manifest.json").read_text())  # the Hub data, streamed before
    manifest: dict[str, Any] = {"data": "paper", "data_dir": str(local) if local else None, "datasets": {},
                                "options": options}  # fmt: skip
    manifest["heldout"] = _heldout(out, local, heldout, heldout_split, heldout_docs)
    files: dict[str, str] = {}
    for name in ("ppl_clm", "ppl_sc"):
        data_files = {"test": str(out / HELDOUT_FILE)}
        files[f"{name}.yaml"] = _yaml({"include": str(HARNESS_DIR / f"{name}.yaml"), "task": name,
                                       "dataset_kwargs": {"data_files": data_files}})  # fmt: skip
    rag = _rag_records(out, local, int(spec["kshot_rag"]["fewshot_pool"]))
    for proxy in ("kshot_cms", "kshot_rag", "kshot_cbqa"):
        pspec, members = spec[proxy], []
        for name, dspec in pspec["datasets"].items():
            task = f"paper_{proxy}_{name}".replace("-", "_")
            members.append(task)
            if proxy == "kshot_rag":
                data_files = {s: str(out / "rag" / name / f"{s}.jsonl") for s in ("train", "test")}
                files[f"{task}.yaml"] = _yaml({"include": str(HARNESS_DIR / "paper_rag.yaml"), "task": task,
                                               "dataset_kwargs": {"data_files": data_files},
                                               "num_fewshot": pspec["num_fewshot"]})  # fmt: skip
                manifest["datasets"][f"rag/{name}"] = rag[name]
                continue
            config = {"include": str(stock_yaml(dspec["yaml"])), "task": task, "tag": [],
                      "num_fewshot": pspec["num_fewshot"]}  # fmt: skip
            stock = yaml.load(stock_yaml(dspec["yaml"]).read_text(), Loader=_IgnoreTags)
            scored = stock.get("test_split") or stock.get("validation_split")  # what lm-eval scores
            source: dict[str, Any] = {"lm_eval_task": dspec["lm_eval"], "stock_yaml": dspec["yaml"],
                                      "eval_split": scored}  # fmt: skip
            tail = ""
            if local is not None:
                found = _local_files(local, name)
                # the local copy's file of the scored split, else its validation file stands in for it
                evaluated = _local_file(local / name, scored) or found[EVAL_SPLIT]
                data_files = {stock["training_split"]: str(found["train"]), scored: str(evaluated)}
                config["dataset_kwargs"] = {
                    "data_files": data_files,
                    "local_schema": dspec.get("local_schema"),
                }
                tail = "custom_dataset: !function paper_utils.load_local\n"
                source.update(source=str((local / name).resolve()),
                              files={s: Path(f).name for s, f in data_files.items()},
                              sha256={s: _sha256(Path(f)) for s, f in data_files.items()})  # fmt: skip
            else:
                source.update(source=stock.get("dataset_path"), config=stock.get("dataset_name"))
            files[f"{task}.yaml"] = _yaml(config) + tail
            manifest["datasets"][f"{proxy.removeprefix('kshot_')}/{name}"] = source
        files[f"paper_{proxy}.yaml"] = _yaml({
            "group": f"paper_{proxy}",
            "task": members,
            "aggregate_metric_list": [{"metric": pspec["metric"], "filter_list": [pspec["filter"]],
                                       "aggregation": "mean", "weight_by_size": False}],
            "metadata": {"version": 1.0},
        })  # fmt: skip
    for stale in set(p.name for p in out.glob("*.yaml")) - set(files):
        (out / stale).unlink()
    for filename, text in files.items():
        write_text(out / filename, f"# rendered by benchmark.harness.paper.render_paper_tasks\n{text}")
    # the rendered stock tasks reach paper_utils through `!function`, resolved beside the YAML
    write_text(out / "paper_utils.py", "from benchmark.harness.paper_utils import *  # noqa: F403\n")
    write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return manifest


def _prepared(out: Path, options: dict[str, Any]) -> bool:
    """Whether ``out`` already holds the Hub data and tasks of these options (``rank`` measures
    several models on one folder: the streamed parts are fetched once)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("data_dir") is None and manifest.get("options") == options


class _IgnoreTags(yaml.SafeLoader):
    """Reads a stock task YAML without resolving its ``!function`` tags."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def paper_tasks() -> list[str]:
    """The lm-eval tasks and groups of the five proxies, in ``PROXIES`` order."""
    return ["ppl_clm", "ppl_sc", "paper_kshot_cms", "paper_kshot_rag", "paper_kshot_cbqa"]


def paper_lm_eval_command(model: str, tasks_dir: str | Path, device: str, batch_size: int,
                          limit: int | None) -> list[str]:  # fmt: skip
    """The ``lm_eval`` command that gives ``compute_paper_proxies``' numbers."""
    seeds = ",".join(str(SEEDS[k]) for k in ("random_seed", "numpy_random_seed", "torch_random_seed",
                                              "fewshot_random_seed"))  # fmt: skip
    cmd = ["lm_eval", "--model", "hf", "--model_args", f"pretrained={model}",
           "--include_path", str(tasks_dir), "--tasks", ",".join(paper_tasks()),
           "--device", device, "--batch_size", str(batch_size),
           "--seed", seeds]  # fmt: skip
    return cmd + (["--limit", str(limit)] if limit is not None else [])


def compute_paper_proxies(
    model: str,
    data_dir: str | Path | None = None,
    tasks_dir: str | Path | None = None,
    device: str = "cpu",
    limit: int | None = None,
    batch_size: int = 8,
    heldout: str | None = None,
    heldout_split: str | None = None,
    heldout_docs: int | None = None,
    backend: str = "sftcast_hf",
) -> dict[str, Any]:
    """The five proxies of ``model`` on the paper's real datasets, higher is better.

    Args:
        model: a causal-LM folder or Hub id.
        data_dir: local copies (module docstring); None loads every dataset by Hub id.
        tasks_dir: where data and tasks are written (default ``runs/paper_data/hub`` or
            ``runs/paper_data/local-<hash of data_dir>``).
        heldout, heldout_split, heldout_docs: the held-out corpus (default ``paper.yaml``'s).

    Returns:
        ``{"ppl_clm": 1/ppl, "ppl_clm_raw", "ppl_clm_bpb", "ppl_sc", "ppl_sc_raw", "kshot_cms",
        "kshot_rag", "kshot_cbqa", "detail", "data": manifest + n_docs, "config", "lm_eval_command",
        "seconds"}``.
    """

    check_backend(backend)
    check_device(device)
    context = _context_length(check_causal_lm(str(model)))
    if context is not None and context <= STOCK_GEN_TOKENS:
        raise SftcastError(
            f"{model} takes {context} tokens, and the stock nq_open and triviaqa tasks of Kshot-CBQA "
            f"generate up to {STOCK_GEN_TOKENS}: --data paper needs a model with a longer context"
        )
    t0 = time.perf_counter()
    if tasks_dir is None:
        key = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:8] if data_dir else ""
        tasks_dir = DEFAULT_OUT / (f"local-{key}" if data_dir else "hub")
    manifest = render_paper_tasks(tasks_dir, data_dir, heldout, heldout_split, heldout_docs)
    results = run_lm_eval(model, tasks_dir, paper_tasks(), device, batch_size, limit, backend=backend)
    spec = paper_spec()
    out: dict[str, Any] = {}
    for name in ("ppl_clm", "ppl_sc"):
        raw = _metric(results, name, "token_perplexity")
        if raw is None:
            raise SftcastError(f"lm-eval results lack {name} token_perplexity")
        out[name], out[f"{name}_raw"] = 1.0 / raw, raw
    out["ppl_clm_bpb"] = _metric(results, "ppl_clm", "bits_per_byte")
    for proxy in ("kshot_cms", "kshot_rag", "kshot_cbqa"):
        key = f"{spec[proxy]['metric']},{spec[proxy]['filter']}"
        value = results.get("groups", {}).get(f"paper_{proxy}", {}).get(key)
        if not isinstance(value, int | float):
            raise SftcastError(f"lm-eval results lack paper_{proxy} {key}")
        out[proxy] = float(value)
    out["detail"] = {
        task: {k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and "_stderr" not in k
               and k != "alias"}
        for section in ("results", "groups") for task, metrics in results.get(section, {}).items()
    }  # fmt: skip
    n_samples = results.get("n-samples", {})
    for key, info in manifest["datasets"].items():
        proxy, name = key.split("/", 1)
        info["n_docs"] = (n_samples.get(f"paper_kshot_{proxy}_{name}".replace("-", "_")) or {}).get(
            "effective"
        )
        if data_dir is None and proxy != "rag":
            info.update(_stock_version(info))
    out["data"] = manifest
    out["config"] = {"model": str(model), "tasks_dir": str(Path(tasks_dir).resolve()), "device": device,
                     "limit": limit, "batch_size": batch_size, "backend": backend, "seeds": SEEDS,
                     "task_versions": results.get("versions", {}),
                     "lm_eval_version": results.get("lm_eval_version") or _lm_eval_version()}  # fmt: skip
    out["lm_eval_command"] = paper_lm_eval_command(str(model), tasks_dir, device, batch_size, limit)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _context_length(config: Any) -> int | None:
    """The model's context from its config, as lm-eval's ``resolve_max_length`` reads it first."""
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        if isinstance(getattr(config, attr, None), int):
            return int(getattr(config, attr))
    return None


def _stock_version(info: dict[str, Any]) -> dict[str, Any]:
    """The Hub revision and ``datasets`` fingerprint of a stock task's evaluation split (cached by now)."""
    try:
        from datasets import load_dataset

        ds = load_dataset(info["source"], info.get("config"), split=info["eval_split"])
        return {"revision": _hub_revision(ds), "fingerprint": ds._fingerprint, "n_rows": ds.num_rows}
    except Exception:  # noqa: BLE001 - a version we cannot read is recorded as unknown
        return {"revision": None}
