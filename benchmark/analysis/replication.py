""" "What replicates": the paper's claims, asked again of a suite, each with numbers and a CI.

1. Is PPL-CLM misleading (all-pairs accuracy below 0.5)?
2. Do PPL-SC and Kshot-RAG beat PPL-CLM (paired bootstrap over the same pairs)?
3. Does LTC beat the best single proxy under the splits protocol (same test pairs)? The best
   single proxy is picked on those test pairs, which favours it.
4. Do proxies at intermediate checkpoints (25/50/75%) predict the final SFT ranking?
5. Within one objective (pairs of variants that share it), how accurate is each single proxy?
   Accuracy across objectives can be carried by one group of objectives failing; this cannot.
6. Beyond the paper: how accurate is each of the suite's extra signals (``Suite.signals``),
   ranked by higher value (lower for those the YAML lists as ``lower_is_better``), and how does
   it compare with PPL-CLM on the same pairs?

Every answer comes from ``scoring.pair_credits``; nothing here is a second scorer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from benchmark.core import metrics
from benchmark.core.predictors import get_predictor
from benchmark.core.predictors.proxy import ZScorePredictor
from benchmark.core.protocol import predict
from benchmark.core.schema import Suite
from benchmark.core.scoring import pair_credits
from benchmark.core.vocab import PROXIES

SINGLE = PROXIES  # the single-proxy predictors are named after their proxy


def _credits(suite: Suite, name: str, protocol: str, seed: int) -> pd.DataFrame:
    return pair_credits(predict(suite, get_predictor(name), protocol, seed), suite, protocol, seed)


def _acc_ci(credit: np.ndarray, seed: int) -> dict[str, Any]:
    lo, hi = metrics.bootstrap_ci(credit, seed=seed)
    return {"accuracy": float(np.mean(credit)), "ci95": [lo, hi]}


def _diff(a: np.ndarray, b: np.ndarray, seed: int) -> dict[str, Any]:
    mean, lo, hi = metrics.paired_bootstrap_diff(a, b, seed=seed)
    return {"difference": mean, "ci95": [lo, hi], "significant": bool(lo > 0 or hi < 0)}


def checkpoint_suite(suite: Suite, fraction: float) -> Suite | None:
    """The suite with its proxies replaced by those measured at ``fraction`` of pre-training."""
    table = suite.table("checkpoints")
    if table is None:
        return None
    main_seed = suite.meta.get("main_seed", 0)
    at = table[(table["seed"] == main_seed) & np.isclose(table["fraction"], fraction)]
    at = at.set_index("model_id").reindex(suite.model_ids)
    columns = {p: suite.harness_key(p) for p in SINGLE}  # canonical -> the table's column
    if any(c not in at.columns for c in columns.values()) or at[list(columns.values())].isna().any().any():
        return None
    models = suite.models.copy()
    for p, column in columns.items():
        models[p] = at[column].to_numpy(dtype=float)
    return replace(suite, models=models, cache={})


def what_replicates(suite: Suite, seed: int = 0) -> dict[str, Any]:
    """The five questions' answers, per task, as a JSON-able dict."""
    out: dict[str, Any] = {"suite": suite.name, "questions": {}}
    allp = {name: _credits(suite, name, "all-pairs", seed) for name in SINGLE}
    q1, q2, q3, q4 = {}, {}, {}, {}
    splits = {name: _credits(suite, name, "splits", seed) for name in (*SINGLE, "ltc_lightgbm")}
    for task in suite.tasks:
        c = {n: f[f["task"] == task]["credit"].to_numpy() for n, f in allp.items()}
        q1[task] = {
            **_acc_ci(c["ppl_clm"], seed),
            "misleading": bool(_acc_ci(c["ppl_clm"], seed)["ci95"][1] < 0.5),
        }
        q2[task] = {n: _diff(c[n], c["ppl_clm"], seed) for n in ("ppl_sc", "kshot_rag")}
        s = {n: f[f["task"] == task]["credit"].to_numpy() for n, f in splits.items()}
        best = max(SINGLE, key=lambda n: s[n].mean())
        q3[task] = {
            "ltc_lightgbm": float(s["ltc_lightgbm"].mean()),
            "best_single": best,
            "best_single_accuracy": float(s[best].mean()),
            **_diff(s["ltc_lightgbm"], s[best], seed),
        }
    for fraction in (0.25, 0.5, 0.75, 1.0):
        early = checkpoint_suite(suite, fraction)
        if early is None:
            continue
        for name in SINGLE:
            f = _credits(early, name, "all-pairs", seed)
            for task in suite.tasks:
                q4.setdefault(task, {}).setdefault(name, {})[str(fraction)] = _acc_ci(
                    f[f["task"] == task]["credit"].to_numpy(), seed
                )
    q5 = {}
    if "objective" in suite.models.columns:
        objective = suite.models.set_index("model_id")["objective"]
        for name, f in allp.items():
            same = f[f["model_a"].map(objective).to_numpy() == f["model_b"].map(objective).to_numpy()]
            for task in suite.tasks:
                credit = same[same["task"] == task]["credit"].to_numpy()
                if len(credit):
                    q5.setdefault(task, {})[name] = {**_acc_ci(credit, seed), "n_pairs": len(credit)}
    q6: dict[str, dict[str, Any]] = {}
    lower = set(suite.meta.get("lower_is_better", []))
    for signal in suite.signals:
        weight = -1.0 if signal in lower else 1.0
        ranked = predict(suite, ZScorePredictor({signal: weight}), "all-pairs", seed)
        f, clm = pair_credits(ranked, suite, "all-pairs", seed), allp["ppl_clm"]
        for task in suite.tasks:
            credit = f[f["task"] == task]["credit"].to_numpy()
            base = clm[clm["task"] == task]["credit"].to_numpy()
            q6.setdefault(task, {})[signal] = {
                **_acc_ci(credit, seed),
                "minus_ppl_clm": _diff(credit, base, seed),
                "ranked": "lower first" if weight < 0 else "higher first",
            }
    out["questions"] = {
        "ppl_clm_misleading": q1,
        "sc_and_rag_beat_clm": q2,
        "ltc_beats_best_single": q3,
        "intermediate_checkpoints": q4,
        "within_objective": q5,
        "extra_signals": q6,
    }
    return out


def _acc_cell(r: dict[str, Any] | None) -> str:
    return "—" if r is None else f"{r['accuracy']:.3f} [{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}]"


def render(result: dict[str, Any]) -> str:
    """Markdown for the report's "What replicates" section."""
    q = result["questions"]
    lines = ["## What replicates", ""]
    lines += ["**1. Is PPL-CLM misleading (all-pairs accuracy below 0.5)?**", ""]
    for task, r in q["ppl_clm_misleading"].items():
        verdict = "yes" if r["misleading"] else "no"
        lines.append(f"- {task}: {verdict}: {r['accuracy']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]")
    lines += ["", "**2. Do PPL-SC and Kshot-RAG beat PPL-CLM?** (accuracy difference on the same pairs)", ""]
    for task, r in q["sc_and_rag_beat_clm"].items():
        cells = [
            f"{n} {d['difference']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
            + (" *" if d["significant"] else "")
            for n, d in r.items()
        ]
        lines.append(f"- {task}: " + "; ".join(cells))
    lines += ["", "**3. Does LTC (LightGBM) beat the best single proxy under the splits protocol?**", ""]
    for task, r in q["ltc_beats_best_single"].items():
        lines.append(
            f"- {task}: LTC {r['ltc_lightgbm']:.3f} vs {r['best_single']} {r['best_single_accuracy']:.3f}: "
            f"{r['difference']:+.3f} [{r['ci95'][0]:+.3f}, {r['ci95'][1]:+.3f}]"
            + (" *" if r["significant"] else "")
        )
    if q["intermediate_checkpoints"]:
        lines += [
            "",
            "**4. Do proxies at intermediate checkpoints predict the final SFT ranking?** "
            "(all-pairs accuracy against the final SFT labels)",
            "",
        ]
        for task, by_proxy in q["intermediate_checkpoints"].items():
            fractions = sorted({f for r in by_proxy.values() for f in r}, key=float)
            lines.append(f"| {task} | " + " | ".join(f"{float(f):.0%}" for f in fractions) + " |")
            lines.append("|---|" + "---|" * len(fractions))
            for name, r in by_proxy.items():
                cells = [_acc_cell(r.get(f)) for f in fractions]
                lines.append(f"| {name} | " + " | ".join(cells) + " |")
            lines.append("")
    else:
        lines += ["", "**4.** This suite has no intermediate-checkpoint proxies."]
    if q.get("within_objective"):
        lines += [
            "",
            "**5. How accurate is each proxy within one objective?** (all-pairs accuracy on the "
            "pairs of variants that share their pre-training objective)",
            "",
            "| proxy | "
            + " | ".join(
                f"{t} ({next(iter(r.values()))['n_pairs']} pairs)" for t, r in q["within_objective"].items()
            )
            + " |",
            "|---|" + "---|" * len(q["within_objective"]),
        ]
        for name in SINGLE:
            cells = [_acc_cell(q["within_objective"][t].get(name)) for t in q["within_objective"]]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    else:
        lines += ["", "**5.** This suite has no `objective` column (or no two variants share one)."]
    if q.get("extra_signals"):
        tasks = list(q["extra_signals"])
        lines += [
            "",
            "**6. Beyond the paper: how accurate is each extra signal of this suite?** (all-pairs "
            "accuracy, ranked as the suite declares before any label is seen, so below 0.5 means "
            "the signal works the other way; and its difference from PPL-CLM on the same pairs)",
            "",
            "| signal | " + " | ".join(tasks) + " |",
            "|---|" + "---|" * len(tasks),
        ]
        for signal in q["extra_signals"][tasks[0]]:
            cells = []
            for t in tasks:
                r = q["extra_signals"][t][signal]
                d = r["minus_ppl_clm"]
                cells.append(f"{_acc_cell(r)}; {d['difference']:+.3f}" + (" *" if d["significant"] else ""))
            order = q["extra_signals"][tasks[0]][signal]["ranked"]
            lines.append(f"| {signal} ({order}) | " + " | ".join(cells) + " |")
    lines += ["", "`*`: the 95% bootstrap CI of the difference excludes 0."]
    return "\n".join(lines) + "\n"
