"""Plots shared by reports and the leaderboard: accuracy by |delta| quintile, top-k recall, and
the seed-noise scatter of a suite's labels.

Every figure is drawn from scorer results JSON (``benchmark.core.scoring.score_predictions``),
never recomputed. Reports put one panel per task with a line per predictor; the leaderboard's
detail view puts one submission's tasks on a single panel. Both draw through the same helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from benchmark.analysis.noise import format_noise, label_rows, noise_summary, suite_noise
from benchmark.core.errors import SftcastError

QUINTILES = ["Q1\n(closest)", "Q2", "Q3", "Q4", "Q5\n(widest)"]
TOPK = (("top1_recall_at_k", "-", "top-1"), ("top5_recall_at_k", "--", "top-5"))


def _gap_lines(ax: Axes, task_results: dict[str, dict[str, Any]], title: str) -> None:
    """One line of ``gap_quintile_accuracy`` per label, a chance line, the quintile axis."""
    for label, res in task_results.items():
        values = res.get("gap_quintile_accuracy") or []
        if values:
            ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--", label="chance")
    ax.set_xticks(range(1, 6), QUINTILES)
    ax.set_xlabel("quintile of |SFT gap|")
    ax.set_title(title, fontsize=10)


def _topk_lines(ax: Axes, task_results: dict[str, dict[str, Any]], title: str) -> None:
    """Top-1 (solid) and top-5 (dashed) recall against k, one colour per label."""
    for k, (label, res) in enumerate(task_results.items()):
        for key, style, name in TOPK:
            values = res.get(key) or []
            if values:
                ax.plot(range(1, len(values) + 1), values, ls=style, color=f"C{k}", label=f"{label} {name}")
    ax.set_xlabel("k (models kept from the predicted ranking)")
    ax.set_title(title, fontsize=10)


def _panels(tasks: list[str]) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(4 * len(tasks), 3.4))
    axes = fig.subplots(1, len(tasks), sharey=True, squeeze=False)
    return fig, list(axes[0])


def _task_of(results: dict[str, dict[str, Any]], task: str) -> dict[str, dict[str, Any]]:
    return {name: res["tasks"][task] for name, res in results.items()}


def gap_quintile_figure(results: dict[str, dict[str, Any]], tasks: list[str], title: str = "") -> Figure:
    """Accuracy by quintile of |SFT gap| (closest pairs first), one panel per task, one line per result."""
    fig, axes = _panels(tasks)
    for ax, task in zip(axes, tasks, strict=True):
        _gap_lines(ax, _task_of(results, task), f"{title} {task}".strip())
    axes[0].set_ylabel("pairwise accuracy")
    axes[-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def topk_recall_figure(results: dict[str, dict[str, Any]], tasks: list[str], title: str = "") -> Figure:
    """Top-1 and top-5 recall against the Borda cutoff k, one panel per task, one colour per result."""
    fig, axes = _panels(tasks)
    for ax, task in zip(axes, tasks, strict=True):
        _topk_lines(ax, _task_of(results, task), f"{title} {task}".strip())
    axes[0].set_ylabel("recall")
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def result_gap_quintile_figure(result: dict[str, Any], title: str = "") -> Figure:
    """One result's accuracy by gap quintile, one line per task on a single panel."""
    fig = Figure(figsize=(5.2, 3.4), dpi=100)
    ax = fig.subplots()
    _gap_lines(ax, result.get("tasks", {}), title or "Accuracy by gap quintile")
    ax.set_ylim(0, 1)
    ax.set_ylabel("pairwise accuracy")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def result_topk_figure(result: dict[str, Any], title: str = "") -> Figure:
    """One result's top-1 and top-5 recall at k, one colour per task on a single panel."""
    fig = Figure(figsize=(5.2, 3.4), dpi=100)
    ax = fig.subplots()
    _topk_lines(ax, result.get("tasks", {}), title or "Top-k recall")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("recall")
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    return fig


def noise_figure(seeds: Any, noise: Any, title: str = "") -> Figure:
    """Seed 0 against seed 1 label score of every variant run twice, one panel per task
    whose label has such variants (``benchmark.analysis.noise.label_rows``).

    ``seeds`` is a suite's seeds table, ``noise`` its ``benchmark.analysis.noise.noise_table``; each panel's
    title carries the task's spread/noise ratio and label flip rate. Points near the diagonal
    are reproducible; the spread along it is what the labels measure. Ticks on the bottom edge
    mark every variant's seed-0 score (the whole suite's spread).
    """

    labels = label_rows(noise)
    if labels.empty:
        raise SftcastError("no label score has variants with two seeds: nothing to plot")
    fig = Figure(figsize=(4 * len(labels), 3.6))
    grid = fig.subplots(1, len(labels), squeeze=False)
    axes = list(grid[0])
    seed_a, seed_b = sorted(seeds["seed"].unique())[:2]
    for ax, row in zip(axes, labels.itertuples(), strict=True):
        column = f"sft_{row.task}_{row.score}"
        wide = seeds.pivot_table(index="model_id", columns="seed", values=column)
        wide = wide.reindex(columns=[seed_a, seed_b]).dropna()
        ax.scatter(wide[seed_a], wide[seed_b], s=18)
        for model_id, x, y in zip(wide.index, wide[seed_a], wide[seed_b], strict=True):
            ax.annotate(str(model_id), (x, y), fontsize=6, xytext=(2, 2), textcoords="offset points")
        every = seeds.loc[seeds["seed"] == seed_a, column].dropna()  # the whole suite's spread
        lo = float(min(wide[seed_a].min(), wide[seed_b].min(), every.min()))
        hi = float(max(wide[seed_a].max(), wide[seed_b].max(), every.max()))
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
        rug = f"all variants, seed {seed_a}"
        ax.plot(every, [lo] * len(every), "|", color="C1", ms=10, alpha=0.7, label=rug)
        ax.legend(fontsize=7, loc="upper left")
        ax.set_xlabel(f"{row.score}, seed {seed_a}")
        caption = f"{row.task}: ratio {row.ratio:.1f}, flips {row.label_flip_rate:.0%}"
        ax.set_title(f"{title} {caption}".strip(), fontsize=9)
        ax.set_ylabel(f"{row.score}, seed {seed_b}")
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path


def plot_gap_quintiles(
    results: dict[str, dict[str, Any]], tasks: list[str], path: str | Path, title: str = ""
) -> Path:
    return save_figure(gap_quintile_figure(results, tasks, title), path)


def plot_topk_recall(
    results: dict[str, dict[str, Any]], tasks: list[str], path: str | Path, title: str = ""
) -> Path:
    return save_figure(topk_recall_figure(results, tasks, title), path)


@dataclass
class NoiseView:
    """What the card, the report and the leaderboard show of a suite's label noise."""

    summary: str  # ``noise_summary``'s sentence
    table: pd.DataFrame | None  # ``noise_table``, None without a seeds table
    markdown: str  # ``format_noise``; "" when no label score has reruns
    figure: Any  # ``noise_figure``; None when no label score has reruns


def noise_view(suite: Any) -> NoiseView:
    """A suite's ``NoiseView``, reading its seeds table once."""
    seeds = suite.table("seeds")
    table = suite_noise(suite, seeds)
    summary = noise_summary(suite.name, table, suite.tasks)
    if label_rows(table).empty:
        return NoiseView(summary, table, "", None)
    return NoiseView(summary, table, format_noise(table), noise_figure(seeds, table, suite.name))
