"""The no-pre-training floor of each proxy: does a suite's proxy rise above a random-init model?

A suite may declare ``random_init_proxies`` in its YAML: records written by
``sftcast proxies --model CKPT --random-init SEED --out FILE`` for a model of the suite's
architecture with random weights (read through the suite's ``harness_key`` and unit). A proxy
whose values across the suite sit at that floor measures nothing about pre-training, whatever
its pairwise accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from benchmark.core.errors import SftcastError
from benchmark.core.schema import Suite, suite_scale
from benchmark.core.vocab import PROXIES

FLOOR_NOTE = (
    "`sftcast proxies --random-init SEED`, the suite's architecture with random weights; a proxy "
    "whose variants sit at or below that floor measures nothing about pre-training"
)


def proxy_floor(suite: Suite) -> pd.DataFrame | None:
    """Per proxy: the random-init values, the suite's min/median/max and the share above the floor.

    Returns None when the suite declares no ``random_init_proxies``.
    """
    files = suite.meta.get("random_init_proxies")
    if not files:
        return None

    scale = suite_scale(suite.models)  # harness fractions -> the suite's unit (zeng2025: percent)
    records = []
    for name in files:
        path = Path(suite.source).parent / name
        if not path.exists():
            raise SftcastError(f"suite {suite.name!r} declares {name}, but {path} does not exist")
        try:
            records.append((path, json.loads(path.read_text())))
        except json.JSONDecodeError as exc:
            raise SftcastError(f"{path}: not a JSON proxies record ({exc.msg}, line {exc.lineno})") from exc
    rows = []
    # the suite's extra signals that the records measured too (kshot_facts; not the training loss)
    signals = [c for c in suite.signals if all(c in r for _, r in records)]
    for proxy in (*PROXIES, *signals):
        column = suite.harness_key(proxy)
        missing = [str(path) for path, r in records if column not in r]
        if missing:
            raise SftcastError(f"{missing[0]}: no {column!r} (the harness key of {proxy})")
        floor = [float(r[column]) * scale.get(proxy, 1.0) for _, r in records]
        values = suite.models[proxy]
        rows.append(
            {
                "proxy": proxy,
                "column": column,
                "random_init": floor,
                "suite_min": float(values.min()),
                "suite_median": float(values.median()),
                "suite_max": float(values.max()),
                "share_above_floor": float((values > max(floor)).mean()),
            }
        )
    return pd.DataFrame(rows)


def format_floor(table: pd.DataFrame) -> str:
    """A markdown table of ``proxy_floor``'s output."""
    lines = [
        "| proxy (column) | random init (seeds) | suite min / median / max | variants above all seeds |",
        "|---|---|---|---|",
    ]
    for r in table.itertuples():
        floor = " / ".join(f"{v:.4g}" for v in r.random_init)
        lines.append(
            f"| {r.proxy} (`{r.column}`) | {floor} | {r.suite_min:.4g} / {r.suite_median:.4g} / "
            f"{r.suite_max:.4g} | {r.share_above_floor:.0%} |"
        )
    return "\n".join(lines)
