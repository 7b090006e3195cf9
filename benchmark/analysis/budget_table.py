"""Lin et al. 2024, Table 1: model selection at data budgets 1/8 ... 1/512, computed from a suite.

For each task (dataset), budget ratio and method, two numbers in percent: PearCorr, the Pearson
correlation over all models between the method's value (a loss, or log(size) for ModelSize) and
the label; RelAcc, (worst − selected) / (worst − best) of the label, where ``selected`` is the label
of the model the method ranks first. The methods are the literature predictors
(``predictors/literature.py``), each reading the suite's view at the budget, as in any protocol.
Published values, where the suite declares them (``published: {lin2024_table1: FILE.tex}``), are
read from the paper's LaTeX table and shown beside ours; they never enter a computation.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.core.errors import SftcastError
from benchmark.core.predictors.literature import (
    AcceptThenStop,
    ModelSize,
    SubTuning,
    ValuePredictor,
    ZeroShotLoss,
)
from benchmark.core.schema import Suite

RATIOS = (8, 16, 32, 64, 128, 256, 512)
METHODS: dict[str, type[ValuePredictor]] = {
    "AtS": AcceptThenStop,
    "ZeroShot": ZeroShotLoss,
    "SubTuning": SubTuning,
    "ModelSize": ModelSize,
}
METRICS = ("PearCorr", "RelAcc")
KEY = "lin2024_table1"


def method_values(suite: Suite, task: str, method: str, ratio: int) -> tuple[np.ndarray, float]:
    """The method's value per model (suite order) at budget 1/``ratio``, and its orientation."""
    view = suite.view(None, None, task, Fraction(1, ratio))
    pred = METHODS[method]()
    pred.fit(view, task)
    return pred.values(view[pred.columns_]), pred.sign_


def selection_metrics(
    values: np.ndarray, sign: float, labels: np.ndarray, direction: str
) -> dict[str, float]:
    """PearCorr and RelAcc (percent) of one method's values against the labels."""
    pear = float(np.corrcoef(values, labels)[0, 1] * 100)
    selected = labels[int(np.argmax(sign * values))]  # the first model ranked best
    worst, best = (labels.max(), labels.min()) if direction == "lower" else (labels.min(), labels.max())
    return {"PearCorr": pear, "RelAcc": float((worst - selected) / (worst - best) * 100)}


def compute_table1(suite: Suite, ratios: tuple[int, ...] = RATIOS) -> list[dict[str, Any]]:
    """Every cell: ``{dataset, ratio, method, metric, value}``, dataset being the task in capitals."""
    rows = []
    for task in suite.tasks:
        labels = suite.scores(task).to_numpy(dtype=float)
        if np.isnan(labels).any():
            raise SftcastError(f"Table 1 needs a label for every model; task {task!r} has missing ones")
        for ratio in ratios:
            for method in METHODS:
                values, sign = method_values(suite, task, method, ratio)
                cells = selection_metrics(values, sign, labels, suite.direction(task))
                for metric in METRICS:
                    rows.append(
                        {"dataset": task.upper(), "ratio": ratio, "method": method, "metric": metric,
                         "value": cells[metric]}
                    )  # fmt: skip
    return rows


def read_published_table1(path: str | Path) -> list[dict[str, Any]]:
    """The cells of the paper's Table 1 as published (its LaTeX ``tabular``), in the same format."""
    text = Path(path).read_text()
    header = next((line for line in text.splitlines() if "-AtS" in line), None)
    if header is None:
        raise SftcastError(f"{path}: no header row with '<DATASET>-<method>' columns")
    columns = [c.strip().rstrip("\\").strip() for c in header.split("&")[1:]]
    rows = []
    for line in text.splitlines():
        m = re.match(r"\\textbf\{(\w+)\}-1/(\d+)\s*&(.*)", line.strip())
        if not m:
            continue
        cells = m.group(3).rstrip().rstrip("\\").split("&")
        for column, cell in zip(columns, cells, strict=True):
            dataset, method = column.split("-")
            value = float(re.sub(r"\\\w+\{|\}", "", cell).strip())
            rows.append(
                {"dataset": dataset, "ratio": int(m.group(2)), "method": method, "metric": m.group(1),
                 "value": value}
            )  # fmt: skip
    return rows


def published_table1(suite: Suite) -> list[dict[str, Any]] | None:
    """The published Table 1 a suite declares (``published: {lin2024_table1: FILE}``, relative to
    its YAML), or None."""
    name = (suite.meta.get("published") or {}).get(KEY)
    if not name:
        return None
    path = Path(suite.root) / name
    if not path.exists():
        raise SftcastError(f"suite {suite.name!r} declares published {KEY} in {name}, which does not exist")
    return read_published_table1(path)


def render_table1(ours: list[dict[str, Any]], published: list[dict[str, Any]] | None) -> str:
    """Markdown: per dataset and metric, rows = budget, columns = methods; cells "ours (paper)"."""
    pub = {(r["dataset"], r["ratio"], r["method"], r["metric"]): r["value"] for r in published or []}
    got = {(r["dataset"], r["ratio"], r["method"], r["metric"]): r["value"] for r in ours}
    datasets = list(dict.fromkeys(r["dataset"] for r in ours))
    ratios = sorted({r["ratio"] for r in ours})
    out = [
        "## Lin et al. 2024, Table 1: selecting the model to fine-tune at a data budget",
        "",
        "PearCorr: Pearson correlation (%) of the method's value with the full-set loss over all models; "
        "RelAcc: (worst − selected) / (worst − best) of the full-set loss (%). "
        + ("Cells read: ours (published, ours − published)." if pub else ""),
    ]
    for dataset in datasets:
        for metric in METRICS:
            out += ["", f"**{dataset}, {metric}**", "", "| budget | " + " | ".join(METHODS) + " |"]
            out.append("|---|" + "---|" * len(METHODS))
            for ratio in ratios:
                cells = []
                for method in METHODS:
                    v = got[(dataset, ratio, method, metric)]
                    p = pub.get((dataset, ratio, method, metric))
                    cells.append(f"{v:.1f}" if p is None else f"{v:.1f} ({p:.1f}, {v - p:+.2f})")
                out.append(f"| 1/{ratio} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
