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

from benchmark.pairs import pair_index

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
        "ratio": spread / noise if noise and np.isfinite(noise) and noise > 0 else float("inf"),
        "label_flip_rate": flips / n_pairs if n_pairs else float("nan"),
        "n_flip_pairs": n_pairs,
        "passes_bar": bool(noise > 0 and spread / noise >= QUALITY_BAR) if np.isfinite(noise) else False,
    }


def noise_table(
    records: list[dict[str, Any]], keys: tuple[str, ...] = ("score", "acc", "em", "gold_loglik")
) -> pd.DataFrame:
    """Noise figures for every family × score key found in suite records."""
    rows = []
    families = sorted({f for r in records for f in r.get("sft", {})})
    for family in families:
        for key in keys:
            frame = pd.DataFrame(
                [
                    {"variant": r["variant"]["id"], "seed": r["seed"], "score": r["sft"][family].get(key)}
                    for r in records
                    if family in r.get("sft", {})
                ]
            ).dropna()
            if frame.empty:
                continue
            rows.append({"family": family, "score": key, **seed_noise(frame)})
    return pd.DataFrame(rows)


def format_noise(table: pd.DataFrame) -> str:
    """A markdown table of ``noise_table``'s output."""
    lines = [
        "| family | score | variants (with 2 seeds) | spread (std across variants) | seed std | ratio "
        "| label flips |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        mark = " ✓" if r.passes_bar else ""
        lines.append(
            f"| {r.family} | {r.score} | {r.n_variants} ({r.n_repeated}) | {r.spread:.4f} "
            f"| {r.seed_std:.4f} | **{r.ratio:.2f}**{mark} | {r.label_flip_rate:.1%} of {r.n_flip_pairs} |"
        )
    return "\n".join(lines)
