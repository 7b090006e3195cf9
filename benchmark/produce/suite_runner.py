"""The resumable suite runner: for each variant, pre-train, measure proxies, fine-tune, record.

Each (variant, seed) ends in one small JSON record, ``benchmark/suites/records/<suite>/
seed<S>/vNN.json``, meant to be committed: weights stay in the run folder (``runs/``, ignored).
A variant with a record is skipped, so a killed run, or a run started later on a fresh
machine from the committed records, continues where it stopped. Inside a variant every step
caches its result in the run folder (pre-training resumes from its last state; proxies and SFT
results are JSON files), so a killed variant restarts at the step it was in.

Seeds: ``world_seed`` fixes the benchmark's data (world, corpus, tokenizer, tasks); ``seed``
fixes pre-training (init, example order) and the SFT seeds ``seed .. seed+K-1``. A second
``seed`` is the noise estimate: the same variant trained again on the same data.

Parallel lanes are processes from ``concurrent.futures`` (one torch thread each: two 1-thread
lanes beat one 2-thread process on a 2-core machine). Beyond one machine, run variants as a
Slurm job array (``sftcast produce slurm``) instead.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from benchmark.core.cache import cache_key
from benchmark.core.errors import SftcastError
from benchmark.core.schema import SUITES_DIR, suite_declaration
from benchmark.core.vocab import EXTRA_SIGNALS, PROXIES, SCORE_KINDS, TASK_VERSIONS, TASKS
from benchmark.harness import PROXY_VERSION, compute_proxies, signal_version
from benchmark.harness.evaluator import proxy_specs
from benchmark.produce.harness_data import ensure_data
from benchmark.produce.presets import get_preset, get_variant, pretrain_variant, suite_dir
from benchmark.produce.run_layout import list_checkpoints, loss_stats
from benchmark.produce.run_signals import param_norm
from benchmark.produce.sft import get_recipe, run_sft

RECORDS_DIR = SUITES_DIR / "records"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunSettings:
    """What a suite run does for each variant; embedded in every record it writes."""

    suite: str = "tiny"
    world_seed: int = 0
    sft_seeds: int = 1  # SFT runs averaged per checkpoint
    device: str = "cpu"
    out: str = "runs"  # run folders (weights, caches): never committed
    records: str = str(RECORDS_DIR)  # result records: committed
    checkpoint_proxy_limit: int | None = 40  # documents per lm-eval task at 25/50/75%: a cheap curve
    final_proxy_limit: int | None = None  # the final checkpoint's proxies use every document
    tasks: tuple[str, ...] = TASKS
    pretrain_overrides: dict[str, Any] = field(default_factory=dict)
    sft_overrides: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a record stores them: paths inside the repository are relative to it, so
        a committed record names no folder of the machine that made it."""
        out = asdict(self)
        out["records"] = portable_path(self.records)
        return out


def portable_path(path: str | Path) -> str:
    """``path`` relative to the repository when it lies inside it, else as given."""
    repo = SUITES_DIR.parents[1]
    resolved = Path(path).resolve()
    return str(resolved.relative_to(repo)) if resolved.is_relative_to(repo) else str(path)


def record_path(settings: RunSettings, variant: int, seed: int) -> Path:
    return Path(settings.records) / settings.suite / f"seed{seed}" / f"v{variant:02d}.json"


def data_dir(settings: RunSettings) -> Path:
    """The suite's data folder (tasks + held-out text), built from its world, and built again when
    the tasks changed (``benchmark.harness.evaluator.ensure_data``)."""

    path = Path(settings.out) / settings.suite / f"data-world{settings.world_seed}"
    ensure_data(get_preset(settings.suite).world, settings.world_seed, path)
    return path


def proxy_config(limit: int | None, names: Sequence[str]) -> dict[str, Any]:
    """Everything the values of ``names`` at a document ``limit`` depend on, resolved: each proxy's
    version, the harness's ``PROXY_VERSION`` and the versions of the tasks they read."""
    specs = proxy_specs()
    tasks = sorted({specs[n]["task"] for n in names if specs[n].get("task")})
    return {
        "proxies": {n: signal_version(n) for n in sorted(names)},
        "proxy_version": PROXY_VERSION,
        "task_versions": {f: TASK_VERSIONS.get(f, 1) for f in tasks},
        "limit": limit,
    }


def proxy_cache(run: Path, step: int, limit: int | None, names: Sequence[str]) -> Path:
    """The cache file of the values of ``names`` at checkpoint ``step``: keyed by ``proxy_config``."""
    return run / "proxies" / f"checkpoint-{step}-{cache_key(proxy_config(limit, names))}.json"


def _cached(path: Path, compute: Any) -> Any:
    """Return the JSON at ``path``, or compute, write atomically and return it."""
    if path.exists():
        return json.loads(path.read_text())
    value = compute()
    _write_json(path, value)
    return value


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def _proxy_summary(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in p.items() if k not in ("detail", "config", "lm_eval_command")}


def _pretrained(settings: RunSettings, variant: int, seed: int) -> tuple[dict, Path, list[tuple[int, Path]]]:
    """Pre-train (or resume, or find finished) one variant: its summary, run folder and checkpoints."""

    summary = pretrain_variant(
        settings.suite, variant, settings.out, seed=seed, world_seed=settings.world_seed,
        device=settings.device, overrides=settings.pretrain_overrides or None, progress_bar=False,
    )  # fmt: skip
    if not summary.get("finished", True):
        raise SftcastError(f"pre-training of variant {variant} (seed {seed}) stopped before its last step")
    run = suite_dir(settings.suite, settings.out, seed) / f"v{variant:02d}"
    ckpts = list_checkpoints(run)
    if not ckpts:
        raise SftcastError(f"no checkpoint in {run}")
    return summary, run, ckpts


def _extra_signals(
    settings: RunSettings, run: Path, step: int, checkpoint: Path, limit: int | None
) -> dict[str, Any]:
    """``EXTRA_SIGNALS`` of one checkpoint, each cached in its own file beside its proxies.

    The signals not cached yet are computed together (one model load) and written one file each,
    so adding a signal to ``EXTRA_SIGNALS`` leaves the others' caches valid, and a new
    ``signal_version`` of one signal names a new file for it alone (``proxy_cache``).
    """

    paths = {n: proxy_cache(run, step, limit, [n]) for n in EXTRA_SIGNALS}
    todo = [n for n, path in paths.items() if not path.exists()]
    if todo:
        value = compute_proxies(str(checkpoint), data_dir(settings), settings.device, limit, proxies=todo)
        for name in todo:  # the signal, and what it was measured with
            kept = {k: value[k] for k in ("config", "seconds") if k in value}
            _write_json(paths[name], {name: value[name], **kept})
    return {n: json.loads(path.read_text())[n] for n, path in paths.items()}


def _recipe(settings: RunSettings, task: str) -> dict[str, Any]:
    return get_recipe(settings.suite, task, **settings.sft_overrides).to_dict()


def label_kind(suite: str, task: str) -> str | None:
    """The SFT score kind the suite labels ``task`` by (``label_score`` in its YAML), if declared
    as a mapping (zeng2025 describes its labels in words)."""

    labels = suite_declaration(suite).get("label_score")
    kind = labels.get(task) if isinstance(labels, dict) else None
    known = (*SCORE_KINDS, "score")
    if kind is not None and kind not in known:
        raise SftcastError(f"{suite}.yaml: label_score of {task!r} is {kind!r}; known: {', '.join(known)}")
    return kind


def sft_on_current_tasks(task: str, result: dict[str, Any]) -> bool:
    """Whether an SFT result (or a record's entry) was scored on the task's current data: its
    ``task_version`` (absent: 1) is ``TASK_VERSIONS[task]`` (a task without one: 1)."""

    return result.get("task_version", 1) == TASK_VERSIONS.get(task, 1)


def _sft_current(settings: RunSettings, task: str, result: dict[str, Any]) -> bool:
    """Whether an SFT result ran the current recipe on the task's current data
    (``sft_on_current_tasks``)."""
    return result.get("recipe") == _recipe(settings, task) and sft_on_current_tasks(task, result)


def _sft_result(settings: RunSettings, run: Path, checkpoint: Path, task: str, seed: int) -> dict[str, Any]:
    """One task's SFT of ``checkpoint``, cached in the run folder under the key of its resolved
    configuration (recipe, seeds, task version, score kinds): any change names a new file."""

    config = {"recipe": _recipe(settings, task), "sft_seeds": settings.sft_seeds,
              "task_version": TASK_VERSIONS.get(task, 1), "score_kinds": list(SCORE_KINDS)}  # fmt: skip
    path = run / "sft" / f"{task}-{cache_key(config)}.json"
    if path.exists():
        return json.loads(path.read_text())

    result = run_sft(checkpoint, task, data_dir(settings), preset=settings.suite,
                     sft_seeds=settings.sft_seeds, seed=seed, device=settings.device,
                     **settings.sft_overrides)  # fmt: skip
    result["task_version"] = TASK_VERSIONS[task]
    _write_json(path, result)
    return result


def _sft_entry(result: dict[str, Any]) -> dict[str, Any]:
    """What a record keeps of one task's SFT result."""

    keys = ("score", "paper_metric", *SCORE_KINDS, "per_dataset", "seed_std", "seeds", "evaluator", "recipe",
            "task_version")  # fmt: skip
    return {k: result.get(k) for k in keys if k in result}


def run_variant(settings: RunSettings, variant: int, seed: int = 0) -> dict[str, Any]:
    """Pre-train, measure proxies at every checkpoint, fine-tune on each task; return the record."""
    import torch


    torch.set_num_threads(1)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    v = get_variant(settings.suite, variant)
    data = data_dir(settings)

    summary, run, ckpts = _pretrained(settings, v.id, seed)
    timings["pretrain_s"] = time.perf_counter() - t0
    final_step = ckpts[-1][0]

    t1 = time.perf_counter()
    checkpoints: dict[str, Any] = {}
    for step, path in ckpts:
        limit = settings.final_proxy_limit if step == final_step else settings.checkpoint_proxy_limit
        proxies = _cached(
            proxy_cache(run, step, limit, PROXIES),
            lambda path=path, limit=limit: compute_proxies(str(path), data, settings.device, limit),
        )
        checkpoints[str(step)] = {
            "fraction": round(step / final_step, 4),
            "param_norm": param_norm(path),
            "proxy_limit": limit,
            "proxies": {**_proxy_summary(proxies), **_extra_signals(settings, run, step, path, limit)},
        }
    timings["proxies_s"] = time.perf_counter() - t1

    sft: dict[str, Any] = {}
    for task in settings.tasks:
        t2 = time.perf_counter()
        sft[task] = _sft_entry(_sft_result(settings, run, ckpts[-1][1], task, seed))
        timings[f"sft_{task}_s"] = time.perf_counter() - t2

    timings["total_s"] = time.perf_counter() - t0
    # None when this session found pre-training already finished (nothing was timed)
    timed_rate = summary.get("tokens_per_s") if summary.get("resumed_from_step", 0) < final_step else None
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": settings.suite,
        "variant": v.to_dict(),
        "seed": seed,
        "world_seed": settings.world_seed,
        "pretrain": {
            **loss_stats(run / "loss.jsonl"),
            "tokens_per_s": timed_rate,
            "session_s": summary.get("session_s"),
            "steps": final_step,
            "n_params": summary.get("n_params"),
        },
        "proxies": checkpoints[str(final_step)]["proxies"],
        "checkpoints": checkpoints,
        "signal_versions": _signal_versions(),
        "task_versions": _task_versions(),
        "sft": sft,
        "timings_s": {k: round(t, 1) for k, t in timings.items()},
        "settings": settings.to_dict(),
        "host": {"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count()},
    }


def _job(build: Any, settings: RunSettings, variant: int, seed: int) -> tuple[int, int, str]:
    """One lane's unit of work: ``build`` the record of a variant (``run_variant`` for a new one,
    ``upgrade_record`` for an out-of-date one) and write it (atomically)."""
    record = build(settings, variant, seed)
    path = record_path(settings, variant, seed)
    _write_json(path, record)
    return variant, seed, str(path)


def missing_signals(record: dict[str, Any]) -> list[str]:
    """The ``EXTRA_SIGNALS`` a record lacks, or holds in another version than the current one.

    A record written before the runner measured a signal lacks it; ``signal_versions`` in a
    record says which version it holds (absent: version 1).
    """

    held = record.get("signal_versions", {})
    return [
        n for n in EXTRA_SIGNALS if n not in record.get("proxies", {}) or held.get(n, 1) != signal_version(n)
    ]


def stale_tasks(record: dict[str, Any]) -> list[str]:
    """The tasks whose data changed since ``record``'s proxies were measured: its
    ``task_versions`` (absent: all 1) differ from ``TASK_VERSIONS``."""

    held = record.get("task_versions", {})
    return [f for f, version in TASK_VERSIONS.items() if held.get(f, 1) != version]


def _task_versions() -> dict[str, int]:
    return dict(TASK_VERSIONS)


def _task_proxies(
    settings: RunSettings, run: Path, step: int, checkpoint: Path, limit: int | None, task: str
) -> dict[str, Any]:
    """The proxies and extra signals of one checkpoint that read ``task``'s data, measured on
    its current version (cached per version in the run folder)."""

    names = [n for n in (*PROXIES, *EXTRA_SIGNALS) if proxy_specs()[n].get("task") == task]
    def compute() -> dict[str, Any]:
        return compute_proxies(str(checkpoint), data_dir(settings), settings.device, limit, proxies=names)

    value = _cached(proxy_cache(run, step, limit, names), compute)
    return {k: v for k, v in _proxy_summary(value).items() if k != "seconds"}


def _signal_versions() -> dict[str, int]:
    return {n: signal_version(n) for n in EXTRA_SIGNALS}


def stale_sft(settings: RunSettings, record: dict[str, Any]) -> list[str]:
    """The tasks of ``settings`` whose SFT in ``record`` used another recipe than the current one,
    or lacks the score kind the suite labels that task by (``label_kind``)."""
    stale = []
    for f in settings.tasks:
        label, result = label_kind(settings.suite, f), record.get("sft", {}).get(f) or {}
        missing = label is not None and result.get(label) is None  # absent, or None (a failed metric)
        if missing or not _sft_current(settings, f, result):
            stale.append(f)
    return stale


def upgrade_record(settings: RunSettings, variant: int, seed: int = 0) -> dict[str, Any]:
    """The record of (variant, seed) brought up to date; nothing else in it changes.

    It gains the extra signals it lacks, measured on the run folder's checkpoints with each
    checkpoint's recorded document limit; a task whose data changed (``stale_tasks``) has its
    proxies and signals measured again at every checkpoint; and each task whose SFT recipe or
    tasks changed since it was written, or that lacks the suite's label score (``stale_sft``), is
    fine-tuned again with the current recipe. A run folder without its weights (a fresh clone)
    is pre-trained again first with ``settings``, as ``run_variant`` would.
    ``timings_s`` gains the time of each part redone; ``total_s`` stays the original run's.
    """
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    record = json.loads(record_path(settings, variant, seed).read_text())
    _, run, ckpts = _pretrained(settings, variant, seed)
    if missing_signals(record):
        for step, path in ckpts:
            entry = record["checkpoints"].get(str(step))
            if entry is None:
                raise SftcastError(
                    f"{run.name}: checkpoint-{step} is not in the record of variant {variant}, seed {seed}"
                )
            entry["proxies"].update(_extra_signals(settings, run, step, path, entry["proxy_limit"]))
        record["proxies"] = record["checkpoints"][str(record["pretrain"]["steps"])]["proxies"]
        record["signal_versions"] = _signal_versions()
        record["timings_s"]["extra_signals_s"] = round(time.perf_counter() - t0, 1)
    tasks = stale_tasks(record)
    if tasks:
        t1 = time.perf_counter()
        if sorted(record["checkpoints"], key=int) != [str(step) for step, _ in ckpts]:
            raise SftcastError(
                f"{run.name}: checkpoints {[s for s, _ in ckpts]} do not match the record of variant "
                f"{variant}, seed {seed} ({sorted(record['checkpoints'], key=int)})"
            )
        for step, path in ckpts:
            entry = record["checkpoints"][str(step)]
            for task in tasks:
                limit = entry["proxy_limit"]
                entry["proxies"].update(_task_proxies(settings, run, step, path, limit, task))
        record["proxies"] = record["checkpoints"][str(record["pretrain"]["steps"])]["proxies"]
        record["task_versions"] = _task_versions()
        record["timings_s"]["task_proxies_s"] = round(time.perf_counter() - t1, 1)
    for task in stale_sft(settings, record):
        t1 = time.perf_counter()
        record.setdefault("sft", {})[task] = _sft_entry(
            _sft_result(settings, run, ckpts[-1][1], task, seed)
        )
        label = label_kind(settings.suite, task)
        if label is not None and record["sft"][task].get(label) is None:
            raise SftcastError(f"{settings.suite}: the {task} evaluation gives no {label!r} (its label)")
        record["settings"]["sft_overrides"] = dict(settings.sft_overrides)  # what the recipe came from
        record["timings_s"][f"sft_{task}_s"] = round(time.perf_counter() - t1, 1)
    return record


def _git_commit(path: str, message: str, tries: int = 5) -> str | None:
    """Commit one record; retried while another git process holds the index. Returns an error or None."""
    error = None
    for attempt in range(tries):
        add = subprocess.run(["git", "add", path], capture_output=True, text=True)
        commit = subprocess.run(
            ["git", "commit", "-q", "-m", message, "--", path], capture_output=True, text=True
        )
        if add.returncode == 0 and commit.returncode == 0:
            return None
        error = (add.stderr + commit.stderr).strip().splitlines()[-1:] or ["git failed"]
        time.sleep(1 + attempt)
    return f"could not commit {path}: {error[0]}"


def pending(settings: RunSettings, variants: list[int], seeds: list[int]) -> list[tuple[int, int]]:
    """The (variant, seed) jobs without a record yet, seed-major (all of seed 0 first)."""
    return [(v, s) for s in seeds for v in variants if not record_path(settings, v, s).exists()]


def outdated(settings: RunSettings, variants: list[int], seeds: list[int]) -> list[tuple[int, int]]:
    """The (variant, seed) jobs whose record exists but is out of date, seed-major.

    Out of date: it lacks an extra signal (``missing_signals``), its proxies read tasks of an
    older version (``stale_tasks``), or an SFT task ran another recipe or older data, or
    lacks the suite's label score (``stale_sft``).
    """
    out = []
    for s in seeds:
        for v in variants:
            path = record_path(settings, v, s)
            if not path.exists():
                continue
            try:
                record = json.loads(path.read_text())
            except json.JSONDecodeError as exc:
                raise SftcastError(f"{path}: not a JSON record ({exc.msg}, line {exc.lineno})") from exc
            if missing_signals(record) or stale_tasks(record) or stale_sft(settings, record):
                out.append((v, s))
    return out


def run_suite(
    settings: RunSettings,
    variants: list[int],
    seeds: list[int] = (0,),  # type: ignore[assignment]
    jobs: int = 2,
    git_commit: bool = False,
    progress: bool = True,
    noise_variants: list[int] = (),  # type: ignore[assignment]
    noise_seeds: list[int] = (),  # type: ignore[assignment]
) -> list[str]:
    """Run every (variant, seed) that has no record yet, ``jobs`` at a time; return new records.

    ``variants`` × ``seeds`` is the suite; ``noise_variants`` × ``noise_seeds`` are the extra
    seeds of the noise estimate, run after it. An out-of-date record (an extra signal missing,
    a task's data or SFT recipe changed, or a task lacks its label score: ``outdated``) is
    brought up to date (``upgrade_record``) and rewritten. A failed variant is reported and the
    others go on; its run folder keeps what it finished.
    """

    def jobs_of(find: Any) -> list[tuple[int, int]]:  # the suite's jobs, then the noise seeds' new ones
        found = find(settings, list(variants), list(seeds))
        return found + [j for j in find(settings, list(noise_variants), list(noise_seeds)) if j not in found]

    todo, upgrade = jobs_of(pending), jobs_of(outdated)
    written, failures = [], []
    if not todo and not upgrade:
        return written
    bar = tqdm(total=len(todo) + len(upgrade), desc=f"{settings.suite} suite", unit="variant",
               disable=not progress)  # fmt: skip

    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(_job, run_variant, settings, v, s): (v, s) for v, s in todo}
        futures.update({pool.submit(_job, upgrade_record, settings, v, s): (v, s) for v, s in upgrade})
        for fut in as_completed(futures):
            v, s = futures[fut]
            try:
                _, _, path = fut.result()
            except Exception as exc:  # noqa: BLE001 - one variant's failure must not stop the suite
                failures.append(f"variant {v} seed {s}: {type(exc).__name__}: {exc}")
                bar.write(f"FAILED variant {v} seed {s}: {exc}")
            else:
                written.append(path)
                bar.write(f"recorded {path}")
                if git_commit:
                    problem = _git_commit(path, f"{settings.suite} suite: record of variant {v}, seed {s}")
                    if problem:
                        bar.write(f"warning: {problem} (the record is on disk; commit it by hand)")
            bar.update(1)
    bar.close()
    if failures:
        raise SftcastError(f"{len(failures)} variant(s) failed; first: {failures[0]}")
    return written


def load_records(
    suite: str, seed: int | None = None, records: str | Path = RECORDS_DIR
) -> list[dict[str, Any]]:
    """All records of a suite (optionally of one seed), in (seed, variant) order."""
    root = Path(records) / suite
    pattern = f"seed{seed}/v*.json" if seed is not None else "seed*/v*.json"
    found = sorted(root.glob(pattern), key=lambda p: (int(p.parent.name[4:]), int(p.stem[1:])))
    return [json.loads(p.read_text()) for p in found]


def suite_tasks_dir(suite: str, out: str | Path = "runs", world_seed: int = 0) -> Path:
    """The suite's data folder (tasks + held-out text) for a world seed: the suite runner's own
    (``{out}/{suite}/data-world{world_seed}``), built from the world on first use."""

    return data_dir(RunSettings(suite=suite, world_seed=world_seed, out=str(out)))


def sft_variant(
    suite: str,
    variant: int,
    task: str,
    out: str | Path = "runs",
    seed: int = 0,
    sft_seeds: int = 1,
    init: str = "pretrained",
    device: str = "cpu",
    evaluator: str = "auto",
    checkpoint: str | None = None,
    world_seed: int = 0,
    **recipe_overrides: Any,
) -> dict[str, Any]:
    """SFT of variant ``variant`` of ``suite`` (its final checkpoint) on ``task``.

    ``seed`` picks the pre-training run (``{out}/{suite}/seed{seed}``) and the SFT seeds; the
    tasks come from the world of ``world_seed``, the same for every seed.

    The result goes to ``{out}/{suite}/seed{seed}/vNN/sft/{task}[-scratch].json``.
    """

    v = get_variant(suite, variant)
    run = suite_dir(suite, out, seed) / f"v{v.id:02d}"
    model_path = run / (checkpoint or f"checkpoint-{get_preset(suite).train['max_steps']}")
    if not (model_path / "config.json").exists():
        if checkpoint:  # a checkpoint the caller named must exist: never fine-tune another one
            raise SftcastError(f"no checkpoint {checkpoint!r} in {run}")

        found = list_checkpoints(run)
        if not found:
            raise SftcastError(f"no checkpoint in {run}: pre-train first (`sftcast produce pretrain ...`)")
        model_path = found[-1][1]
    data_dir = suite_tasks_dir(suite, out, world_seed)
    name = task if init == "pretrained" else f"{task}-{init}"
    result = run_sft(
        model_path,
        task,
        data_dir,
        preset=suite,
        sft_seeds=sft_seeds,
        seed=seed,
        init=init,
        device=device,
        evaluator=evaluator,
        **recipe_overrides,
    )
    result["variant"] = v.to_dict()
    _write_json(run / "sft" / f"{name}.json", result)
    return result
