"""Plots shared by reports and the leaderboard: accuracy by |delta| quintile, top-k recall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def gap_quintile_figure(results: dict[str, dict[str, Any]], tasks: list[str], title: str = ""):  # noqa: ANN201
    """Accuracy by quintile of |SFT gap| (closest pairs first), one panel per task."""
    fig, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.4), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        for name, res in results.items():
            acc = res["tasks"][task]["gap_quintile_accuracy"]
            ax.plot(range(1, len(acc) + 1), acc, marker="o", label=name)
        ax.axhline(0.5, color="grey", lw=0.8, ls="--")
        ax.set_title(f"{title} {task}".strip())
        ax.set_xlabel("quintile of |SFT gap| (1 = closest)")
        ax.set_xticks(range(1, 6))
    axes[0][0].set_ylabel("pairwise accuracy")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def topk_recall_figure(results: dict[str, dict[str, Any]], tasks: list[str], title: str = ""):  # noqa: ANN201
    """Top-1 (solid) and top-5 (dashed) recall against the Borda cutoff k, one panel per task."""
    fig, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.4), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        for k, (name, res) in enumerate(results.items()):
            color = f"C{k}"
            top1 = res["tasks"][task]["top1_recall_at_k"]
            top5 = res["tasks"][task]["top5_recall_at_k"]
            ax.plot(range(1, len(top1) + 1), top1, color=color, label=f"{name} top-1")
            ax.plot(range(1, len(top5) + 1), top5, color=color, ls="--", label=f"{name} top-5")
        ax.set_title(f"{title} {task}".strip())
        ax.set_xlabel("cutoff k (predicted top-k by Borda count)")
    axes[0][0].set_ylabel("recall")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _save(fig, path: str | Path) -> Path:  # noqa: ANN001
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_gap_quintiles(
    results: dict[str, dict[str, Any]], tasks: list[str], path: str | Path, title: str = ""
) -> Path:
    return _save(gap_quintile_figure(results, tasks, title), path)


def plot_topk_recall(
    results: dict[str, dict[str, Any]], tasks: list[str], path: str | Path, title: str = ""
) -> Path:
    return _save(topk_recall_figure(results, tasks, title), path)
