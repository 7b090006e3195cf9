"""The one pre-training loop: token ids + tokenizer + config in, checkpoints and a summary out.

nanoGPT in spirit: a block of plain defaults, one loop that reads top to bottom, one resume state.
``accelerate`` owns devices and distribution, so the same code runs on one CPU thread, one GPU,
or ``accelerate launch``/``torchrun`` across nodes.

The data are a packed stream of token ids cut into ``seq_len`` windows, held in memory or, for real
corpora too large for that, mapped from a token file on disk (``benchmark.produce.stream``). Example
``g`` of a run is window ``perm_e[g mod n]`` (a seeded permutation per epoch ``e``) passed through
the objective with ``numpy.random.default_rng([seed, g])``: a pure function of ``(seed, g)``.
Resuming therefore needs only the step, the weights, the optimizer and the RNG states, and a
killed-and-resumed run ends with exactly the weights of an uninterrupted one (on CPU; CUDA kernels
may not be bit-deterministic).

Output folder::

    loss.jsonl           one line per logged step: step, loss, lr, grad_norm, tokens, elapsed_s
    checkpoint-{step}/   save_pretrained model + tokenizer at 25/50/75/100% of the steps
    state/               accelerate state for resume: model, optimizer, RNG states, step
    run.lock             held by the training process: a second launch on the folder fails
    run.json             the resolved TrainConfig and model config, written at the start
    summary.json         final loss, loss slope, parameter norm, tokens/s, seeds, configs
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from filelock import FileLock, Timeout
from tqdm.auto import tqdm

from benchmark.core.errors import SftcastError
from benchmark.produce.objectives import Objective, SpecialIds, get_objective
from benchmark.produce.run_layout import loss_stats
from benchmark.produce.stream import TokenFile


@dataclass
class TrainConfig:
    """Training hyperparameters; the defaults are the tiny preset's, each with its reason."""

    # -- data
    objective: str = "CLM"  # a name in benchmark.produce.objectives.OBJECTIVES (the grid's first column)
    seq_len: int = 128  # tiny: enough context for one paraphrased biography
    batch_size: int = 16  # sequences per device per micro-step
    grad_accum: int = 1  # micro-steps per optimizer step; global batch = batch x accum x processes
    # -- optimisation
    max_steps: int = 600  # tiny: 600 x 16 x 128 = 1.2M tokens, the measured minimum to store facts
    learning_rate: float = 2.5e-3  # peak; the grid sets it per variant (paper lr x lr_scale)
    min_lr_ratio: float = 0.1  # cosine decays to 10% of the peak (Chinchilla, Llama)
    warmup_steps: int = 30  # linear warm-up over ~5% of the steps
    weight_decay: float = 0.1  # Llama's; not applied to norms
    beta1: float = 0.9
    beta2: float = 0.95  # Llama/GPT-3's: steadier than 0.999 at high learning rates
    eps: float = 1e-8
    grad_clip: float = 1.0  # clip the global gradient norm; 0 disables
    # -- system
    seed: int = 0  # model init, data order and objective noise
    mixed_precision: str = "no"  # "no" (fp32) on CPU, where bf16 autocast is 25x slower; "bf16" on GPU
    num_threads: int = 0  # torch CPU threads; 0 keeps torch's default; 1 per lane for the tiny suite
    compile: bool = False  # torch.compile: +15% on CPU after a ~36 s first step
    num_workers: int = 0  # DataLoader workers; 0 on CPU lanes, a few on GPUs to overlap batch building
    checkpoint_fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)  # save_pretrained at these
    state_every: int = 0  # also save the resume state every N steps (0: only at checkpoints)
    log_every: int = 1  # loss.jsonl cadence; each log costs a device sync

    def __post_init__(self) -> None:
        self.checkpoint_fractions = tuple(float(f) for f in self.checkpoint_fractions)
        problems = []
        for name in ("seq_len", "batch_size", "grad_accum", "max_steps", "log_every"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if self.learning_rate <= 0:
            problems.append("learning_rate must be > 0")
        if self.mixed_precision not in ("no", "bf16", "fp16"):
            problems.append(f"mixed_precision must be no, bf16 or fp16, not {self.mixed_precision!r}")
        if not all(0 < f <= 1 for f in self.checkpoint_fractions):
            problems.append("checkpoint_fractions must lie in (0, 1]")
        if problems:
            raise SftcastError("bad TrainConfig: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **overrides: Any) -> TrainConfig:
        """A copy with ``overrides``; unknown keys are refused and values are cast to the field's type."""
        known = {f.name: f for f in fields(self)}
        values = self.to_dict()
        for key, value in overrides.items():
            if key not in known:
                raise SftcastError(f"unknown training option {key!r} (known: {', '.join(known)})")
            values[key] = _cast(key, value, type(values[key]))
        return TrainConfig(**values)


def _cast(key: str, value: Any, kind: type) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if kind is bool:
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "1")
        if kind is tuple:
            return tuple(float(v) for v in value.split(",") if v)
        return kind(value)
    except ValueError as exc:
        raise SftcastError(f"training option {key}={value!r} is not a valid {kind.__name__}") from exc


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up to the peak, then cosine decay to ``min_lr_ratio`` x peak at ``max_steps``."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return cfg.learning_rate * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * cosine)


# ---------------------------------------------------------------------------------------------
# data


def pack(docs: Sequence[Sequence[int]], eos: int) -> np.ndarray:
    """Concatenate token-id documents into one stream, each followed by ``eos``."""
    out = []
    for doc in docs:
        out.extend(doc)
        out.append(eos)
    return np.asarray(out, dtype=np.int64)


class ObjectiveDataset(torch.utils.data.Dataset):
    """Example ``g`` = the objective applied to one ``seq_len`` window, a pure function of (seed, g)."""

    def __init__(
        self,
        stream: np.ndarray | TokenFile,
        objective: Objective,
        special: SpecialIds,
        seq_len: int,
        n_examples: int,
        seed: int,
    ) -> None:
        self.stream, self.objective, self.special = stream, objective, special
        self.seq_len, self.n_examples, self.seed = seq_len, n_examples, seed
        self.n_windows = len(stream) // seq_len
        if self.n_windows < 1:
            raise SftcastError(
                f"the token stream ({len(stream)} ids) is shorter than one sequence ({seq_len})"
            )

    @lru_cache(maxsize=2)  # noqa: B019 - one dataset per run; the cache holds two permutations
    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch, 7]).permutation(self.n_windows)

    def __len__(self) -> int:
        return self.n_examples

    def __getitem__(self, g: int) -> dict[str, torch.Tensor]:
        epoch, i = divmod(g, self.n_windows)
        start = int(self._order(epoch)[i]) * self.seq_len
        window = self.stream[start : start + self.seq_len]
        ex = self.objective(window, np.random.default_rng([self.seed, g]), self.special, self.seq_len)
        return {k: torch.from_numpy(v) for k, v in ex._asdict().items()}


# ---------------------------------------------------------------------------------------------
# model


def build_model(model_config: Any, seed: int) -> torch.nn.Module:
    """A freshly initialised ``LlamaForCausalLM`` (fp32 weights), seeded."""
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    return LlamaForCausalLM(model_config).float()


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on matrices (and embeddings), none on norms and biases (nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


class Progress:
    """The step counter, saved with the accelerate state."""

    def __init__(self) -> None:
        self.step = 0

    def state_dict(self) -> dict[str, int]:
        return {"step": self.step}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.step = int(state["step"])


# ---------------------------------------------------------------------------------------------
# the loop


def train(
    token_ids: np.ndarray | torch.Tensor | Sequence[Sequence[int]] | TokenFile,
    tokenizer: Any,
    model_config: Any,
    cfg: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = True,
    max_steps_this_session: int | None = None,
    device: str | None = None,
    progress_bar: bool = True,
    on_step: Callable[[int, float], None] | None = None,
    extra_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pre-train a ``LlamaForCausalLM`` on ``token_ids`` with ``cfg.objective``; return the summary.

    Args:
        token_ids: a packed 1-D stream of ids, a list of token-id documents (packed with EOS), or
            a ``benchmark.produce.stream.TokenFile`` (a packed stream on disk, for corpora too large to hold).
        tokenizer: a Hugging Face tokenizer carrying the sentinels and UL2 mode tokens; it is saved
            with every checkpoint.
        model_config: a ``transformers.LlamaConfig``; on resume the saved one must match.
        cfg: the training hyperparameters.
        out_dir: the run folder (see the module docstring).
        resume: continue from ``out_dir/state`` when it exists.
        max_steps_this_session: stop (after saving the resume state) once this many steps ran.
        device: ``"cpu"`` forces the CPU; ``None`` lets accelerate choose.
        on_step: called as ``on_step(step, loss)`` after each optimizer step (hooks, tests).
        extra_summary: merged into summary.json (e.g. the variant and corpus settings).

    Returns:
        The summary dict (also written to ``summary.json`` when the run reaches ``max_steps``),
        with ``finished`` False when the session stopped early.

    Example:
        >>> summary = train(ids, tok, get_preset("micro").llama_config(len(tok)), cfg, "runs/x")
        >>> summary["final_loss"] < summary["first_loss"]
        True
    """
    main = os.environ.get("RANK", "0") == "0"  # set by torchrun / accelerate launch
    with _run_lock(Path(out_dir), main):
        return _train(
            token_ids, tokenizer, model_config, cfg, Path(out_dir), resume, max_steps_this_session,
            device, progress_bar, on_step, extra_summary,
        )  # fmt: skip


def _train(
    token_ids: np.ndarray | torch.Tensor | Sequence[Sequence[int]] | TokenFile,
    tokenizer: Any,
    model_config: Any,
    cfg: TrainConfig,
    out: Path,
    resume: bool,
    max_steps_this_session: int | None,
    device: str | None,
    progress_bar: bool,
    on_step: Callable[[int, float], None] | None,
    extra_summary: dict[str, Any] | None,
) -> dict[str, Any]:
    """The loop behind ``train``, run while holding the run folder's lock."""
    accelerator = _accelerator(cfg, device)
    main = accelerator.is_main_process
    resuming = _start_or_resume(out, cfg, model_config, resume, accelerator)
    loader = _loader(token_ids, tokenizer, cfg, accelerator)
    model, optimizer, loader, n_params = _model_and_optimizer(model_config, cfg, loader, accelerator)
    progress, batches = _restore(accelerator, out, resuming, loader, cfg.grad_accum)
    start = progress.step
    stop = (
        cfg.max_steps
        if max_steps_this_session is None
        else min(cfg.max_steps, start + max_steps_this_session)
    )
    bar = tqdm(total=cfg.max_steps, initial=start, disable=not (main and progress_bar), desc=cfg.objective)
    t_session, t_saving = time.perf_counter(), 0.0
    model.train()
    for step in range(start, stop):
        lr = lr_at(step, cfg)
        loss_sum, grad_norm = _optimizer_step(accelerator, model, optimizer, batches, cfg, lr)
        progress.step = done = step + 1

        # log (every log_every steps, and the last): the mean loss over processes
        if done % cfg.log_every == 0 or done == stop or on_step is not None:
            mean_loss = accelerator.reduce(loss_sum / cfg.grad_accum, reduction="mean").item()
            if main and (done % cfg.log_every == 0 or done == stop):
                grad = None if grad_norm is None else float(grad_norm)
                tokens = done * _tokens_per_step(cfg, accelerator)
                _log(out, done, mean_loss, lr, grad, tokens, time.perf_counter() - t_session)
                bar.set_postfix(loss=f"{mean_loss:.3f}", lr=f"{lr:.2e}")
            if on_step is not None:
                on_step(done, mean_loss)
        bar.update(1)

        # checkpoint (save_pretrained) and resume state
        t0 = time.perf_counter()
        _save_due(accelerator, model, tokenizer, out, cfg, done, stop)
        t_saving += time.perf_counter() - t0
    bar.close()
    seconds = (time.perf_counter() - t_session, t_saving)
    summary = _summary(accelerator, model, model_config, cfg, n_params, (start, stop), seconds, extra_summary)
    return _finish(accelerator, out, summary)


def _accelerator(cfg: TrainConfig, device: str | None) -> Any:
    """The run's ``accelerate.Accelerator``, with the torch threads set and every RNG seeded."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    if cfg.num_threads > 0:
        torch.set_num_threads(cfg.num_threads)
    if device == "cuda" and not torch.cuda.is_available():
        raise SftcastError("--device cuda was asked for, but torch sees no CUDA device")
    accelerator = Accelerator(
        mixed_precision=cfg.mixed_precision, gradient_accumulation_steps=cfg.grad_accum, cpu=device == "cpu"
    )
    set_seed(cfg.seed)
    return accelerator


def _tokens_per_step(cfg: TrainConfig, accelerator: Any) -> int:
    """Tokens in one optimizer step over all processes."""
    return cfg.batch_size * cfg.grad_accum * accelerator.num_processes * cfg.seq_len


def _checkpoint_steps(cfg: TrainConfig) -> list[int]:
    """The steps that ``save_pretrained`` a checkpoint: ``checkpoint_fractions`` of ``max_steps``."""
    return sorted({max(1, round(f * cfg.max_steps)) for f in cfg.checkpoint_fractions})


def _loader(
    token_ids: np.ndarray | torch.Tensor | Sequence[Sequence[int]] | TokenFile,
    tokenizer: Any,
    cfg: TrainConfig,
    accelerator: Any,
) -> torch.utils.data.DataLoader:
    """The run's examples in order, unshuffled: example g is a pure function of (seed, g)."""
    special = SpecialIds.from_tokenizer(tokenizer)
    stream = _token_stream(token_ids, special)
    n_examples = cfg.max_steps * cfg.batch_size * cfg.grad_accum * accelerator.num_processes
    dataset = ObjectiveDataset(
        stream, get_objective(cfg.objective), special, cfg.seq_len, n_examples, cfg.seed
    )
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=cfg.batch_size,
        shuffle=False,
        num_workers=cfg.num_workers,
        pin_memory=accelerator.device.type == "cuda",
    )


def _model_and_optimizer(
    model_config: Any, cfg: TrainConfig, loader: torch.utils.data.DataLoader, accelerator: Any
) -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.utils.data.DataLoader, int]:
    """The seeded model and its AdamW, prepared by accelerate with the loader (and compiled when
    asked), and the model's parameter count."""
    model = build_model(model_config, cfg.seed)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(
        param_groups(model, cfg.weight_decay), lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps
    )
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    if cfg.compile:
        model = torch.compile(model)
    return model, optimizer, loader, n_params


def _restore(
    accelerator: Any, out: Path, resuming: bool, loader: torch.utils.data.DataLoader, grad_accum: int
) -> tuple[Progress, Iterator[dict[str, torch.Tensor]]]:
    """The step counter, registered with the resume state and loaded from it when ``resuming``, and
    the batches from that step on."""
    progress = Progress()
    accelerator.register_for_checkpointing(progress)
    if resuming:
        accelerator.load_state(str(out / "state"))
        if accelerator.is_main_process:
            _truncate_log(out / "loss.jsonl", progress.step)
    start = progress.step
    return progress, iter(accelerator.skip_first_batches(loader, start * grad_accum) if start else loader)


def _optimizer_step(
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterator[dict[str, torch.Tensor]],
    cfg: TrainConfig,
    lr: float,
) -> tuple[torch.Tensor, Any]:
    """One optimizer step at ``lr``: the summed loss of its micro-batches, and the gradient norm
    before clipping (None when clipping is off)."""
    for group in optimizer.param_groups:
        group["lr"] = lr

    # forward and backward over the micro-batches (accelerate scales the loss and syncs on the last)
    loss_sum = torch.zeros((), device=accelerator.device)
    for _ in range(cfg.grad_accum):
        batch = next(batches)
        with accelerator.accumulate(model):
            loss = model(**batch).loss
            accelerator.backward(loss)
        loss_sum += loss.detach()

    # clip and step
    grad_norm = accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip) if cfg.grad_clip > 0 else None
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss_sum, grad_norm


def _save_due(
    accelerator: Any,
    model: torch.nn.Module,
    tokenizer: Any,
    out: Path,
    cfg: TrainConfig,
    done: int,
    stop: int,
) -> None:
    """After step ``done``: ``save_pretrained`` at a checkpoint step, and the resume state there,
    every ``state_every`` steps and at the session's last step ``stop``."""
    checkpoint = done in _checkpoint_steps(cfg)
    if checkpoint:
        _save_pretrained(accelerator, model, tokenizer, out / f"checkpoint-{done}")
    if checkpoint or (cfg.state_every and done % cfg.state_every == 0) or done == stop:
        _save_state(accelerator, out / "state")


def _summary(
    accelerator: Any,
    model: torch.nn.Module,
    model_config: Any,
    cfg: TrainConfig,
    n_params: int,
    steps: tuple[int, int],
    seconds: tuple[float, float],
    extra_summary: dict[str, Any] | None,
) -> dict[str, Any]:
    """The session's summary; ``steps`` is (start, stop) and ``seconds`` (session, saving)."""
    (start, stop), (session_s, saving_s) = steps, seconds
    tokens_per_step = _tokens_per_step(cfg, accelerator)
    return {
        "finished": stop == cfg.max_steps,
        "step": stop,
        "n_params": n_params,
        "param_norm": float(torch.sqrt(sum((p.detach().float() ** 2).sum() for p in model.parameters()))),
        "tokens_per_step": tokens_per_step,
        "tokens_per_s": (stop - start) * tokens_per_step / max(1e-9, session_s - saving_s),
        "session_s": round(session_s, 3),
        "saving_s": round(saving_s, 3),
        "resumed_from_step": start,
        "num_processes": accelerator.num_processes,
        "device": str(accelerator.device),
        "seeds": {"seed": cfg.seed, "model_init": cfg.seed, "data": cfg.seed},
        "checkpoints": [f"checkpoint-{s}" for s in _checkpoint_steps(cfg) if s <= stop],
        "train_config": cfg.to_dict(),
        "model_config": model_config.to_dict(),
        **(extra_summary or {}),
    }


def _finish(accelerator: Any, out: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Add the loss statistics to ``summary`` and write it when the run finished (main process), then
    end accelerate's run."""
    if accelerator.is_main_process:
        summary.update(loss_stats(out / "loss.jsonl"))
        if summary["finished"]:
            (out / "summary.json").write_text(json.dumps(summary, indent=2))
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return summary


# ---------------------------------------------------------------------------------------------
# helpers


def _start_or_resume(out: Path, cfg: TrainConfig, model_config: Any, resume: bool, accelerator: Any) -> bool:
    """Whether the run resumes from ``out/state``: the resolved configs live in ``run.json``, and a
    resumed run must match them; a new run starts a fresh folder (main process only)."""
    main = accelerator.is_main_process
    state_dir = out / "state"
    if resume and main:
        _recover_state(state_dir)
    accelerator.wait_for_everyone()
    resuming = resume and (state_dir / "COMPLETE").exists()
    run_info = {"train_config": cfg.to_dict(), "model_config": model_config.to_dict()}
    if resuming:
        saved = json.loads((out / "run.json").read_text())
        _check_same(saved, run_info)
    elif main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "run.json").write_text(json.dumps(run_info, indent=2))
        (out / "loss.jsonl").write_text("")
        shutil.rmtree(state_dir, ignore_errors=True)
    return resuming


def _token_stream(
    token_ids: np.ndarray | torch.Tensor | Sequence[Sequence[int]] | TokenFile, special: SpecialIds
) -> np.ndarray | TokenFile:
    """The packed stream of token ids the windows are cut from."""
    if isinstance(token_ids, torch.Tensor):
        return token_ids.detach().cpu().numpy().astype(np.int64)
    if isinstance(token_ids, TokenFile):  # on disk: each DataLoader worker maps it, nothing is copied
        return token_ids
    if len(token_ids) and not np.isscalar(token_ids[0]):
        return pack(token_ids, special.eos)  # type: ignore[arg-type]
    return np.asarray(token_ids, dtype=np.int64)


def _log(
    out: Path, step: int, loss: float, lr: float, grad_norm: float | None, tokens: int, elapsed: float
) -> None:
    """Append one line to ``loss.jsonl``."""
    record = {"step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm, "tokens": tokens,
              "elapsed_s": round(elapsed, 3)}  # fmt: skip
    with open(out / "loss.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


@contextmanager
def _run_lock(out: Path, main: bool) -> Iterator[None]:
    """One training process per run folder: a second one (a double launch) fails at once."""

    if not main:
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / "run.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SftcastError(f"{out} is being trained by another process (lock {out / 'run.lock'})") from None
    try:
        yield
    finally:
        lock.release()


def _check_same(saved: dict[str, Any], now: dict[str, Any]) -> None:
    # may change between sessions without changing the result
    ignore = {"num_threads", "log_every", "compile", "num_workers"}
    for section in ("train_config", "model_config"):
        a, b = saved[section], json.loads(json.dumps(now[section]))
        diff = sorted(k for k in set(a) | set(b) if k not in ignore and a.get(k) != b.get(k))
        if diff and section == "model_config":
            diff = [k for k in diff if k not in ("transformers_version", "_name_or_path")]
        if diff:
            raise SftcastError(
                f"cannot resume: {section} differs from the saved run in {', '.join(diff)}; "
                "use a new output folder or --no-resume"
            )


def _truncate_log(path: Path, step: int) -> None:
    """Drop log lines past ``step``: a killed session may have logged steps the state never saw."""
    if not path.exists():
        return
    keep = [
        line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step
    ]
    path.write_text("".join(line + "\n" for line in keep))


def _save_pretrained(accelerator: Any, model: torch.nn.Module, tokenizer: Any, path: Path) -> None:
    accelerator.wait_for_everyone()
    unwrapped = accelerator.unwrap_model(model)
    unwrapped = getattr(unwrapped, "_orig_mod", unwrapped)  # torch.compile wrapper
    unwrapped.save_pretrained(
        path,
        is_main_process=accelerator.is_main_process,
        save_function=accelerator.save,
        state_dict=accelerator.get_state_dict(model),
    )
    if accelerator.is_main_process:
        tokenizer.save_pretrained(path)


def _recover_state(state_dir: Path) -> None:
    """Put back a complete resume state after a kill in the middle of ``_save_state``'s swap."""
    if (state_dir / "COMPLETE").exists():
        return
    for candidate in (state_dir.with_name("state.tmp"), state_dir.with_name("state.old")):
        if (candidate / "COMPLETE").exists():
            shutil.rmtree(state_dir, ignore_errors=True)
            candidate.rename(state_dir)
            return


def _save_state(accelerator: Any, state_dir: Path) -> None:
    """Write the resume state next to the old one, then swap, so a kill never leaves half a state."""
    tmp, old = state_dir.with_name("state.tmp"), state_dir.with_name("state.old")
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (tmp / "COMPLETE").write_text("")  # marks a fully written state
        shutil.rmtree(old, ignore_errors=True)
        if state_dir.exists():
            state_dir.rename(old)
        tmp.rename(state_dir)
        shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
