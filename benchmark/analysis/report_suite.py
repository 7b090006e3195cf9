"""The report of a suite without the paper's five proxies (lin2024, a user's own suite).

Every built-in predictor that can serve the suite is scored under ``all-pairs`` (unsupervised
ones) and ``splits``, at the suite's default budget; those that cannot serve it are listed with
their one-sentence refusal. A suite that declares Lin et al.'s Table 1 gets it, computed
(``budget_table``) beside the published values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmark.analysis.budget_table import KEY, compute_table1, published_table1, render_table1
from benchmark.analysis.report_sections import noise_section
from benchmark.core.errors import SftcastError
from benchmark.core.evaluate import evaluate
from benchmark.core.predictors import get_predictor, list_predictors
from benchmark.core.protocol import resolve_budget
from benchmark.core.schema import Suite

PROTOCOLS = ("all-pairs", "splits")


def compute_all(suite: Suite, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """``{"all-pairs": {name: result}, "splits": {name: result}, "refused": {name: sentence}}``."""
    results: dict[str, Any] = {"all-pairs": {}, "splits": {}, "refused": {}}
    for name in list_predictors():
        for protocol in PROTOCOLS:
            if protocol == "all-pairs" and get_predictor(name).supervised:
                continue
            try:
                results[protocol][name] = evaluate(
                    suite, get_predictor(name), protocol, seed, progress=progress
                )
            except SftcastError as exc:
                if "cannot serve" not in str(exc) and "probe point" not in str(exc):
                    raise
                results["refused"][name] = str(exc)
                break
    return results


def _accuracy(res: dict[str, Any], task: str) -> str:
    r = res["tasks"][task]
    std = f"±{r['accuracy_std']:.3f}" if r["accuracy_std"] is not None else ""
    return f"{r['accuracy']:.3f}{std}"


def render_general(suite: Suite, results: dict[str, Any], plots: list[str]) -> str:
    """Markdown: the pairwise accuracy of every predictor that serves the suite, per protocol."""
    tasks = suite.tasks
    budget = resolve_budget(suite, None)
    directions = ", ".join(f"{t} ({suite.direction(t)} is better)" for t in tasks)
    out = [f"# sftcast report: suite `{suite.name}`", ""]
    out += [
        f"{len(suite.models)} models; tasks: {directions}."
        + (f" Probes are seen up to the suite's default budget, {budget} of the full set." if budget else ""),
        "",
        "Pairwise accuracy; a pair counts ½ when the prediction is exactly 0.5 or the true labels tie.",
    ]
    missing = {t: suite.missing_labels(t) for t in tasks if suite.missing_labels(t)}
    if missing:
        out += [
            "",
            "Models without a label, left out of that task's pairs: "
            + ", ".join(f"{t}: {n}" for t, n in missing.items())
            + ".",
        ]
    titles = {
        "all-pairs": "All pairs, unsupervised predictors (95% CI of the first task)",
        "splits": "Test pairs of 20 random 60/40 model splits (mean ± std)",
    }
    for protocol in PROTOCOLS:
        out += ["", f"## {titles[protocol]}", "", "| predictor | " + " | ".join(tasks) + " | mean |"]
        out.append("|---|" + "---|" * (len(tasks) + 1))
        for name, res in results[protocol].items():
            cells = [_accuracy(res, t) for t in tasks]
            if protocol == "all-pairs":
                lo, hi = res["tasks"][tasks[0]]["ci95"]
                cells[0] += f" [{lo:.3f}, {hi:.3f}]"
            out.append(f"| {name} | " + " | ".join(cells) + f" | {res['mean_accuracy']:.3f} |")
    if results["refused"]:
        out += ["", "Predictors that cannot serve this suite (shown as — on the leaderboard):", ""]
        out += [f"- `{name}`: {why}" for name, why in results["refused"].items()]
    if plots:
        out += ["", "## Plots (splits)", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots]
    return "\n".join(out) + "\n"


def write_general_report(suite: Suite, out_dir: str | Path, seed: int = 0, progress: bool = False) -> Path:
    """Compute, write ``report.md``, ``results.json`` and the plots; return the report's path."""
    from benchmark.analysis.plots import plot_gap_quintiles, plot_topk_recall

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = compute_all(suite, seed, progress)
    plots = []
    if results["splits"]:
        plots = [
            str(
                plot_gap_quintiles(
                    results["splits"], suite.tasks, out / "gap_quintiles.png", title=suite.name
                )
            ),
            str(plot_topk_recall(results["splits"], suite.tasks, out / "topk_recall.png", title=suite.name)),
        ]
    text = render_general(suite, results, plots)
    published = published_table1(suite)
    if published is not None:
        results[KEY] = compute_table1(suite)
        results[f"{KEY}_published"] = published
        text += "\n" + render_table1(results[KEY], published)
    text += noise_section(suite, out, results)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    path = out / "report.md"
    path.write_text(text)
    return path
