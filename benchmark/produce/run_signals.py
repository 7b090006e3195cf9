"""Signals every pre-training run has anyway: the loss curve, the parameter norm, proxies per checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.core.errors import SftcastError
from benchmark.core.vocab import PROXIES
from benchmark.harness.evaluator import DEFAULT_BACKEND, compute_proxies
from benchmark.produce.run_layout import list_checkpoints, loss_stats


def param_norm(checkpoint: str | Path) -> float:
    """The L2 norm of all parameters of a saved model (tied weights counted once, as in training)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(checkpoint), dtype=torch.float32)
    return float(torch.sqrt(sum((p.detach().float() ** 2).sum() for p in model.parameters())))


def free_signals(
    run_dir: str | Path,
    data_dir: str | Path | None = None,
    device: str = "cpu",
    limit: int | None = None,
    batch_size: int = 8,
    proxies: Sequence[str] = PROXIES,
    backend: str = DEFAULT_BACKEND,
) -> dict[str, Any]:
    """Signals every pre-training run has anyway: loss curve, parameter norm, proxies per checkpoint.

    Reads what ``benchmark.produce.pretrain.train`` writes (``loss.jsonl``, ``checkpoint-{step}/``). With
    ``data_dir``, the proxies of every intermediate checkpoint are computed too.

    Returns:
        ``{"first_loss", "final_loss", "loss_slope_last20pct", "param_norm" (last checkpoint),
        "checkpoints": {step: {"param_norm", "proxies": {...} or None}}}``.
    """
    run = Path(run_dir)
    if not (run / "loss.jsonl").is_file():
        raise SftcastError(f"{run} has no loss.jsonl: not a pre-training run folder")
    found = list_checkpoints(run)
    checkpoints: dict[int, dict[str, Any]] = {}
    for step, path in found:
        signals: dict[str, Any] = {"param_norm": param_norm(path), "proxies": None}
        if data_dir is not None:
            p = compute_proxies(str(path), data_dir, device, limit, batch_size, proxies, backend=backend)
            signals["proxies"] = {
                k: v for k, v in p.items() if k not in ("detail", "config", "lm_eval_command")
            }
        checkpoints[step] = signals
    last = checkpoints[max(checkpoints)]["param_norm"] if checkpoints else None
    return {**loss_stats(run / "loss.jsonl"), "param_norm": last, "checkpoints": checkpoints}
