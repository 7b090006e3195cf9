"""Reports: our analogs of the paper's tables (markdown) and plots (PNG), computed afresh.

Published numbers, where a suite declares them (``published:`` in its YAML), are shown beside
ours for comparison and never enter a computation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmark.analysis.replication import render, what_replicates
from benchmark.analysis.report_sections import noise_section
from benchmark.analysis.report_suite import write_general_report
from benchmark.core.evaluate import evaluate
from benchmark.core.predictors import get_predictor
from benchmark.core.schema import Suite
from benchmark.core.vocab import PROXIES

TABLE1 = [
    "ppl_clm", "ppl_sc", "kshot_cms", "kshot_rag", "kshot_cbqa",
    "combine5", "sc_plus_rag", "sc_plus_rag_minus_clm", "random",
]  # fmt: skip
TABLE2 = ["ppl_clm", "kshot_rag", "combine5", "ltc_lightgbm", "ltc_logreg", "ltc_mlp"]
PLOTTED = ["ppl_clm", "kshot_rag", "combine5", "ltc_lightgbm"]
CI_NOTE = (
    "95% CI: percentile bootstrap over the first task's pooled pairs. Pairs that share a model are not "
    "independent, so it understates the uncertainty; the leaderboard's CI95 and rank ranges resample "
    "*models* instead, with the same draws for every submission (a paired bootstrap; docs/leaderboard.md)."
)


def compute(suite: Suite, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """All results a report shows, keyed by protocol then predictor."""
    usable = [p for p in TABLE1 if all(c in suite.proxies for c in _proxies_of(p))]
    results: dict[str, Any] = {"all-pairs": {}, "splits": {}, "cross-task": {}}
    for name in usable:
        results["all-pairs"][name] = evaluate(suite, get_predictor(name), "all-pairs", seed)
    for name in TABLE2:
        if all(c in suite.proxies for c in _proxies_of(name)):
            results["splits"][name] = evaluate(suite, get_predictor(name), "splits", seed, progress=progress)
    results["cross-task"]["ltc_lightgbm"] = evaluate(suite, get_predictor("ltc_lightgbm"), "cross-task", seed)
    return results


def _proxies_of(name: str) -> list[str]:
    pred = get_predictor(name)
    weights = getattr(pred, "weights", None)
    return list(weights) if weights else []


def _cell(ours: float, paper: Any) -> str:
    if paper is None:
        return f"{ours:.3f}"
    return f"{ours:.3f} ({paper:.3f}, {ours - paper:+.3f})"


def render_markdown(suite: Suite, results: dict[str, Any], plots: list[str]) -> str:
    published = suite.meta.get("published", {})
    tasks = suite.tasks
    out = [f"# sftcast report: suite `{suite.name}`", ""]
    out += [
        "Pairwise accuracy; a pair counts ½ when the prediction is exactly 0.5 or the true scores "
        "tie. " + ("Cells read: ours (paper, ours − paper)." if published else ""),
        "",
        "## Table 1: all pairs, unsupervised predictors",
        "",
        "| predictor | " + " | ".join(tasks) + " | 95% CI (first task) |",
        "|---|" + "---|" * (len(tasks) + 1),
    ]
    for name, res in results["all-pairs"].items():
        pub = published.get("all-pairs", {}).get(name, {})
        cells = [_cell(res["tasks"][t]["accuracy"], pub.get(t)) for t in tasks]
        lo, hi = res["tasks"][tasks[0]]["ci95"]
        out.append(f"| {name} | " + " | ".join(cells) + f" | [{lo:.3f}, {hi:.3f}] |")
    out += ["", CI_NOTE]
    out += [
        "",
        "## Table 2: test pairs of 20 random 60/40 model splits (mean ± std)",
        "",
        "| predictor | " + " | ".join(tasks) + " | error reduction vs PPL-CLM | best-model rank (Borda) |",
        "|---|" + "---|" * (len(tasks) + 2),
    ]
    for name, res in results["splits"].items():
        pub = published.get("splits", {}).get(name, {})
        cells = []
        for t in tasks:
            r = res["tasks"][t]
            cell = f"{r['accuracy']:.3f}±{r['accuracy_std']:.3f}"
            if t in pub:
                cell += f" ({pub[t][0]:.3f}±{pub[t][1]:.3f}, {r['accuracy'] - pub[t][0]:+.3f})"
            cells.append(cell)
        red = " / ".join(f"{res['tasks'][t]['error_reduction_vs_ppl_clm']:+.2f}" for t in tasks)
        rank = " / ".join(f"{res['tasks'][t]['best_model_rank']:.1f}" for t in tasks)
        out.append(f"| {name} | " + " | ".join(cells) + f" | {red} | {rank} |")
    cross = results["cross-task"].get("ltc_lightgbm")
    if cross:
        pub = published.get("cross-task", {}).get("ltc_lightgbm", {})
        out += [
            "",
            "## Cross-task LTC (LightGBM): rows trained on, columns tested on",
            "",
            "| trained on | " + " | ".join(tasks) + " |",
            "|---|" + "---|" * len(tasks),
        ]
        for tr in tasks:
            row = cross["cross_task"][tr]
            cells = [_cell(row[te]["accuracy"], pub.get(tr, {}).get(te)) for te in tasks]
            out.append(f"| {tr} | " + " | ".join(cells) + " |")
    pub_rank = published.get("best_model_rank", {}).get("ltc_lightgbm")
    if pub_rank and "ltc_lightgbm" in results["splits"]:
        ours = [f"{results['splits']['ltc_lightgbm']['tasks'][t]['best_model_rank']:.1f}" for t in tasks]
        out += [
            "",
            f"Best-model rank of LTC with Borda ranking, mean over splits (20 test models each): "
            f"{' / '.join(ours)}; the paper reports top {' / '.join(str(pub_rank[t]) for t in tasks)}.",
        ]
    out += ["", "## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots]
    return "\n".join(out) + "\n"


def write_report(suite: Suite, out_dir: str | Path, seed: int = 0, progress: bool = False) -> Path:
    """Compute everything, write ``report.md``, ``results.json`` and PNG plots; return report path.

    A suite without the paper's five proxies (lin2024, a user's own) gets ``report_suite``'s report."""
    from benchmark.analysis.plots import plot_gap_quintiles, plot_topk_recall

    if not set(PROXIES) <= set(suite.proxies):
        return write_general_report(suite, out_dir, seed, progress)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = compute(suite, seed, progress)
    chosen = {k: v for k, v in results["splits"].items() if k in PLOTTED}
    plots = [
        str(plot_gap_quintiles(chosen, suite.tasks, out / "gap_quintiles.png", title=suite.name)),
        str(plot_topk_recall(chosen, suite.tasks, out / "topk_recall.png", title=suite.name)),
    ]

    results["what_replicates"] = what_replicates(suite, seed)
    noise_md = noise_section(suite, out, results)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    path = out / "report.md"
    path.write_text(
        render_markdown(suite, results, plots) + "\n" + render(results["what_replicates"]) + noise_md
    )
    return path


