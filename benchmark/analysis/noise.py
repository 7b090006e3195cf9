"""Seed noise of SFT outcomes: is a suite's spread across variants larger than its seed noise?

Given scores of the same variants under two (or more) seeds:

- **seed std**: for each variant, the sample std (ddof=1) of its scores across seeds; the
  noise is the mean over variants;
- **spread**: the std (ddof=1) across variants of their seed-mean scores;
- **ratio** = spread / noise: the quality bar asks for at least 3 (about 10% of pair labels
  decided by chance); pure noise gives about 0.7;
- **label flip rate**: the share of variant pairs whose label (which one scores higher)
  differs between two seeds: the label-noise ceiling of a predictor.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from benchmark.core.pairs import pair_index
from benchmark.core.vocab import SCORE_KINDS

QUALITY_BAR = 3.0


def seed_noise(scores: pd.DataFrame) -> dict[str, Any]:
    """Noise figures of one score, from a frame with columns ``variant``, ``seed``, ``score``.

    Only variants with at least two seeds count towards the noise; the spread uses every
    variant's mean over its seeds.
    """
    wide = scores.pivot_table(index="variant", columns="seed", values="score", aggfunc="mean")
    means = wide.mean(axis=1)
    repeated = wide.dropna(thresh=2)
    noise = float(repeated.std(axis=1, ddof=1).mean()) if len(repeated) else float("nan")
    spread = float(means.std(ddof=1)) if len(means) > 1 else float("nan")
    flips, n_pairs = 0, 0
    for s1, s2 in combinations(list(wide.columns), 2):
        both = wide[[s1, s2]].dropna().to_numpy()
        i, j = pair_index(len(both))
        flips += int(np.sum(np.sign(both[i, 0] - both[j, 0]) != np.sign(both[i, 1] - both[j, 1])))
        n_pairs += len(i)
    return {
        "n_variants": int(len(means)),
        "n_repeated": int(len(repeated)),
        "spread": spread,
        "seed_std": noise,
        "ratio": _ratio(spread, noise),
        "label_flip_rate": flips / n_pairs if n_pairs else float("nan"),
        "n_flip_pairs": n_pairs,
        "passes_bar": bool(np.isfinite(noise) and _ratio(spread, noise) >= QUALITY_BAR),
    }


def _ratio(spread: float, noise: float) -> float:
    """spread / noise; NaN without a noise estimate, inf when every seed agreed exactly."""
    if not np.isfinite(noise):
        return float("nan")
    return spread / noise if noise > 0 else float("inf")


def noise_table(seeds: pd.DataFrame, label_score: Any = None, tasks: list[str] | None = None) -> pd.DataFrame:
    """Noise figures for every task × score kind of a suite's ``seeds`` table.

    ``seeds`` has one row per (model, seed) with ``model_id``, ``seed`` and ``sft_<task>_<kind>``
    columns (as ``sftcast produce collect`` writes ``<suite>_seeds.csv``). ``label_score`` maps each
    task to the kind it uses as its label (anything but a mapping means none); that row gets
    ``is_label`` True. ``tasks`` defaults to those with an ``sft_<task>`` column.
    """
    label_score = label_score if isinstance(label_score, dict) else {}
    if tasks is None:
        tasks = [c[4:] for c in seeds.columns if c.startswith("sft_") and c.count("_") == 1]
    rows = []
    for task in tasks:
        for kind in SCORE_KINDS:
            column = f"sft_{task}_{kind}"
            if column not in seeds.columns:
                continue
            frame = pd.DataFrame(
                {"variant": seeds["model_id"], "seed": seeds["seed"], "score": seeds[column]}
            ).dropna()
            if frame.empty:
                continue
            is_label = label_score.get(task) == kind
            rows.append({"task": task, "score": kind, "is_label": is_label, **seed_noise(frame)})
    return pd.DataFrame(rows)


def suite_noise(suite: Any, seeds: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """``noise_table`` of a loaded suite's shipped seeds table (or ``seeds``), or None if it has none."""
    seeds = suite.table("seeds") if seeds is None else seeds
    if seeds is None:
        return None
    return noise_table(seeds, suite.meta.get("label_score"), suite.tasks)


def label_rows(table: pd.DataFrame | None) -> pd.DataFrame:
    """The label score's rows of a ``noise_table`` that have variants with two seeds (maybe none)."""
    if table is None or table.empty:
        return pd.DataFrame()
    return table[table["is_label"] & (table["n_repeated"] > 0)]


def format_noise(table: pd.DataFrame) -> str:
    """A markdown table of ``noise_table``'s output."""
    lines = [
        "| task | score (label in bold) | variants (with 2 seeds) | spread (std across variants) "
        "| seed std | ratio | label flips |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        mark = " ✓" if r.passes_bar else ""
        score = f"**{r.score}**" if r.is_label else r.score
        if not r.n_repeated:
            lines.append(f"| {r.task} | {score} | {r.n_variants} (0) | {r.spread:.4f} | n/a | n/a | n/a |")
            continue
        lines.append(
            f"| {r.task} | {score} | {r.n_variants} ({r.n_repeated}) | {r.spread:.4f} | {r.seed_std:.4f} "
            f"| **{r.ratio:.2f}**{mark} | {_pct(r.label_flip_rate, 1)} of {r.n_flip_pairs} |"
        )
    return "\n".join(lines)


def noise_summary(name: str, table: pd.DataFrame | None, tasks: list[str] | None = None) -> str:
    """One markdown sentence on a suite's label noise (the label score of each task); a task of
    ``tasks`` without reruns of its label score is named as unknown, never counted as passing."""
    if table is None or table.empty:
        return f"**{name}**: no seed reruns, so the share of labels decided by seed noise is unknown."
    labels = label_rows(table)
    if labels.empty:
        return f"**{name}**: no variant has two seeds of its label score, so its label noise is unknown."
    unknown = [f for f in tasks or [] if f not in set(labels["task"])]
    flips = ", ".join(f"{_pct(r.label_flip_rate)} ({r.task})" for r in labels.itertuples())
    ratios = ", ".join(f"{r.ratio:.1f} ({r.task})" for r in labels.itertuples())
    n = int(labels["n_repeated"].max())
    failing = [r.task for r in labels.itertuples() if not r.passes_bar]
    verdict = (
        f"below the {QUALITY_BAR:.0f}× quality bar in {', '.join(failing)}"
        if failing
        else f"above the {QUALITY_BAR:.0f}× quality bar in every task"
        + (" with reruns of its label score" if unknown else "")
    )
    if unknown:
        verdict += f"; unknown in {', '.join(unknown)} (no reruns of its label score)"
    return (
        f"**{name}**: a second pre-training and SFT seed of {n} variants flips {flips} of their "
        f"pair labels; spread across variants / seed std = {ratios}: {verdict}."
    )


def _pct(value: float, digits: int = 0) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.{digits}%}"


def json_safe(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows with NaN and infinities as None (strict JSON)."""
    return [
        {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]
