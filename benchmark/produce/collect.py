"""Turn a suite's per-variant records into the suite's tables (the data of a suite YAML).

- ``<suite>.csv``: one row per variant of the main seed, with the canonical columns of
  ``benchmark.core.schema`` (``model_id``, configuration, proxies, ``sft_<task>``), every SFT score
  kind that every record has beside the label (``sft_<task>_<kind>``) and the free training signals;
- ``<suite>_seeds.csv``: every record (all seeds), for the noise analysis;
- ``<suite>_checkpoints.csv``: the proxies at each intermediate checkpoint (25/50/75/100%).

Which SFT score becomes the label ``sft_<task>`` is a setting of the suite (``label_score`` in
its YAML), chosen by the noise calibration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmark.core.errors import SftcastError
from benchmark.core.schema import SUITES_DIR
from benchmark.core.vocab import PROXIES, SCORE_KINDS
from benchmark.produce.suite_runner import RECORDS_DIR, load_records, sft_on_current_tasks, stale_tasks

CONFIG = (
    "objective",
    "data_mixture",
    "paper_learning_rate",
    "learning_rate",
    "domain_tagging",
    "length_filter",
)
EXTRA_PROXIES = ("ppl_clm_raw", "ppl_sc_raw", "ppl_clm_bpb", "kshot_rag_acc", "kshot_cbqa_acc",
                 "kshot_facts", "kshot_props")  # fmt: skip


def _row(record: dict[str, Any], label_score: dict[str, str]) -> dict[str, Any]:
    v = record["variant"]
    old = stale_tasks(record) + [f for f, sft in record["sft"].items() if not sft_on_current_tasks(f, sft)]
    if old:
        raise SftcastError(
            f"the record of variant {v['id']}, seed {record['seed']} was measured on older data of "
            f"{', '.join(sorted(set(old)))}: bring the records up to date with `sftcast produce run`"
        )
    row: dict[str, Any] = {"model_id": str(v["id"]), "seed": record["seed"]}
    row.update({k: v.get(k) for k in CONFIG})
    for p in (*PROXIES, *EXTRA_PROXIES):
        row[p] = record["proxies"].get(p)
    for task, scores in record["sft"].items():
        labelled_by = label_score.get(task, "score")
        label = scores.get(labelled_by)
        if label is None:
            raise SftcastError(
                f"the {task} label ({labelled_by}) is missing from the record of variant {v['id']}, seed "
                f"{record['seed']}: bring the records up to date with `sftcast produce run`"
            )
        row[f"sft_{task}"] = label
        for kind in SCORE_KINDS:
            row[f"sft_{task}_{kind}"] = scores.get(kind)
    pre = record["pretrain"]
    row.update(
        final_loss=pre.get("final_loss"),
        loss_slope_last20pct=pre.get("loss_slope_last20pct"),
        param_norm=record["checkpoints"][str(pre["steps"])]["param_norm"],
    )
    return row


def records_frame(records: list[dict[str, Any]], label_score: dict[str, str]) -> pd.DataFrame:
    """One row per record (every seed): the ``<suite>_seeds.csv`` table."""
    return pd.DataFrame([_row(r, label_score) for r in records])


def suite_frames(
    suite: str, label_score: dict[str, str], records: str | Path = RECORDS_DIR, main_seed: int = 0
) -> dict[str, pd.DataFrame]:
    """The ``models``, ``seeds`` and ``checkpoints`` tables of a suite, from its records."""
    recs = load_records(suite, records=records)
    if not recs:
        raise SftcastError(f"no records for suite {suite!r} under {Path(records) / suite}")
    seeds = records_frame(recs, label_score)
    kinds = [f"sft_{f}_{k}" for f in {f for r in recs for f in r["sft"]} for k in SCORE_KINDS]
    # a score kind ships only where every record has it (not CMS em; not one a newer evaluator added)
    seeds = seeds.drop(columns=[c for c in kinds if c in seeds and seeds[c].isna().any()])
    models = seeds[seeds["seed"] == main_seed].drop(columns="seed").reset_index(drop=True)
    ckpt_rows = []
    for r in recs:
        for step, c in r["checkpoints"].items():
            ckpt_rows.append(
                {
                    "model_id": str(r["variant"]["id"]),
                    "seed": r["seed"],
                    "step": int(step),
                    "fraction": c["fraction"],
                    "param_norm": c["param_norm"],
                    "proxy_limit": c.get("proxy_limit"),
                    **{p: c["proxies"].get(p) for p in (*PROXIES, *EXTRA_PROXIES)},
                }
            )
    checkpoints = pd.DataFrame(ckpt_rows).sort_values(["seed", "model_id", "step"], key=_natural)
    return {"models": models, "seeds": seeds, "checkpoints": checkpoints.reset_index(drop=True)}


def _natural(col: pd.Series) -> pd.Series:
    return pd.to_numeric(col, errors="coerce") if col.name == "model_id" else col


def collect_suite(
    suite: str, records: str | Path = RECORDS_DIR, out_dir: str | Path = SUITES_DIR
) -> list[Path]:
    """Write the suite's CSVs next to its YAML declaration (which must exist); return their paths."""
    decl_path = Path(out_dir) / f"{suite}.yaml"
    if not decl_path.exists():
        raise SftcastError(f"{decl_path} does not exist: declare the suite (label_score, columns) first")
    decl = yaml.safe_load(decl_path.read_text())
    frames = suite_frames(suite, decl.get("label_score", {}), records, decl.get("main_seed", 0))
    written = []
    for kind, frame in frames.items():
        name = decl["data"] if kind == "models" else decl.get("tables", {}).get(kind, f"{suite}_{kind}.csv")
        path = Path(out_dir) / name
        frame.to_csv(path, index=False)
        written.append(path)
    return written
