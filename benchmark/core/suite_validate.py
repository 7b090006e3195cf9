"""``sftcast suites validate PATH.yaml``: load a suite from anywhere on disk and describe it.

Loading is the validation (``schema.load_suite``): the first problem is one error naming its file
and line. A valid suite gets a summary of what the loader read, so that a user can check it.
"""

from __future__ import annotations

from pathlib import Path

from benchmark.core.pairs import suite_pairs
from benchmark.core.schema import load_suite


def summary(path: str | Path) -> str:
    """The lines ``suites validate`` prints for a valid suite (raises ``SftcastError`` otherwise)."""
    suite = load_suite(Path(path))
    spec = suite.spec
    lines = [f"ok: suite {suite.name!r} ({path}): {len(suite.models)} models"]
    for task in suite.tasks:
        missing = suite.missing_labels(task)
        note = f", {missing} model(s) without a label left out" if missing else ""
        lines.append(
            f"  task {task}: {suite.direction(task)} is better, {len(suite_pairs(suite, task))} pairs{note}"
        )
    if suite.proxies:
        lines.append(f"  proxies (higher is better): {', '.join(suite.proxies)}")
    lower = set(suite.meta.get("lower_is_better", []))
    for name in suite.signals:
        sig = spec.signals.get(name)
        direction = sig.direction if sig else ("lower" if name in lower else "higher")
        where = "per task" if sig and sig.per_task else "per model"
        lines.append(f"  signal {name}: {where}, {direction} is better{_missing(suite, [name])}")
    for probe in spec.probes.values():
        points = list(probe.points)
        lines.append(
            f"  probe {probe.name}: {len(points)} points, {points[0]} to {points[-1]} examples, "
            f"{'per task' if probe.per_task else 'per model'}, {probe.direction} is better"
            f"{_missing(suite, [probe.column(n) for n in points])}"
        )
    if spec.budget_total is not None:
        lines.append(f"  budget: full set {spec.budget_total} examples, default {spec.default_budget}")
    for feat in spec.features.values():
        lines.append(f"  feature {feat.name}: {feat.kind}{_missing(suite, [feat.name])}")
    return "\n".join(lines)


def _missing(suite, names: list[str]) -> str:  # noqa: ANN001 - a Suite
    """ ", N missing value(s)" over the given columns and their per-task versions (none: "")."""
    wanted = set(names) | {f"{n}@{t}" for n in names for t in suite.tasks}
    cols = [c for c in suite.models.columns if c in wanted]
    n = int(suite.models[cols].isna().sum().sum()) if cols else 0
    return f", {n} missing value(s)" if n else ""
