"""The layout of a pre-training run folder, read without torch: its checkpoints and its loss curve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """``(step, folder)`` of every ``checkpoint-{step}`` folder ``train`` wrote in ``run_dir``, by step."""
    found = []
    for path in Path(run_dir).glob("checkpoint-*"):
        step = path.name[len("checkpoint-") :]
        if step.isdigit() and path.is_dir():
            found.append((int(step), path))
    return sorted(found)


def loss_stats(path: str | Path) -> dict[str, float | None]:
    """First and final loss (mean of the last 5% of logged steps) and the slope over the last 20%."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if not rows:
        return {"first_loss": None, "final_loss": None, "loss_slope_last20pct": None}
    steps = np.array([r["step"] for r in rows], dtype=float)
    losses = np.array([r["loss"] for r in rows], dtype=float)
    tail = max(1, len(rows) // 20)
    last = steps >= steps[-1] - 0.2 * steps[-1]
    slope = float(np.polyfit(steps[last], losses[last], 1)[0]) if last.sum() >= 2 else None
    return {
        "first_loss": float(losses[0]),
        "final_loss": float(losses[-tail:].mean()),
        "loss_slope_last20pct": slope,  # loss per step; near 0 means the curve has flattened
    }
