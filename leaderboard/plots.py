"""Figures for the submission detail view, drawn from a stored results JSON (never recomputed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

QUINTILES = ["Q1\n(closest)", "Q2", "Q3", "Q4", "Q5\n(widest)"]


def gap_quintile_figure(results: dict, title: str = "") -> Figure:
    """Accuracy by quintile of the true SFT gap |score_a - score_b|, one line per task."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4), dpi=100)
    for task, res in results.get("tasks", {}).items():
        values = res.get("gap_quintile_accuracy") or []
        if values:
            ax.plot(range(1, len(values) + 1), values, marker="o", label=task)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--", label="chance")
    ax.set_xticks(range(1, 6), QUINTILES)
    ax.set_ylim(0, 1)
    ax.set_xlabel("quintile of |SFT gap|")
    ax.set_ylabel("pairwise accuracy")
    ax.set_title(title or "Accuracy by gap quintile", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    plt.close(fig)
    return fig


def topk_figure(results: dict, title: str = "") -> Figure:
    """Top-1 and top-5 recall at k (Borda ranking of the predictions), one colour per task."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4), dpi=100)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (task, res) in enumerate(results.get("tasks", {}).items()):
        colour = colours[i % len(colours)]
        for key, style, label in (("top1_recall_at_k", "-", "top-1"), ("top5_recall_at_k", ":", "top-5")):
            values = res.get(key) or []
            if values:
                ax.plot(range(1, len(values) + 1), values, ls=style, color=colour, label=f"{task} {label}")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("k (models kept from the predicted ranking)")
    ax.set_ylabel("recall")
    ax.set_title(title or "Top-k recall", fontsize=10)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    plt.close(fig)
    return fig
