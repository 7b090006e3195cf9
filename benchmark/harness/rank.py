"""Rank a user's candidate checkpoints: which one to fine-tune, by a predictor trained on a suite.

``rank_checkpoints(models, task)`` measures the five proxies of every model, fits a learning-to-
compare predictor on all models of a training suite, predicts every pair of the user's models and
orders them by Borda count. Proxies live on the training suite's scale and a tree model does not
extrapolate: how to read a ranking, and its limits, are in ``docs/own-checkpoints.md``.

>>> table = rank_checkpoints(["ckpt/a", "ckpt/b"], "rag", data_dir="data")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.core.errors import SftcastError
from benchmark.core.metrics import borda_scores, rank_order
from benchmark.core.pairs import all_pairs, attach_features
from benchmark.core.predictors import get_predictor
from benchmark.core.schema import load_suite, suite_scale
from benchmark.core.vocab import PROXIES, TASKS, task_column
from benchmark.harness import compute_proxies
from benchmark.harness.checks import check_causal_lm

DEFAULT_TRAIN_SUITE = "zeng2025"  # the CLI prefers ``tiny`` when it ships




def check_loadable(model: str) -> None:
    """Fail before any proxy is computed when one of the models cannot be scored."""

    try:
        check_causal_lm(model)
    except SftcastError as exc:
        raise SftcastError(f"cannot load model {model!r}: {exc}") from exc


def rank_checkpoints(
    models: Sequence[str],
    task: str,
    suite_train: str = DEFAULT_TRAIN_SUITE,
    data_dir: str | Path | Callable[[], Path] | None = None,
    device: str = "cpu",
    predictor: str = "ltc_lightgbm",
    limit: int | None = None,
    batch_size: int = 8,
    proxies: dict[str, dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Rank ``models`` for fine-tuning on ``task``, best first.

    Args:
        models: two or more checkpoint folders or Hub ids loadable by transformers.
        task: ``cms``, ``rag`` or ``cbqa``: which SFT outcome to predict.
        suite_train: the suite whose models and ``sft_<task>`` scores train the predictor (all of
            its models). See the module docstring: its proxies should be on your models' scale;
            ``zeng2025`` (1B models) is not, for small checkpoints.
        data_dir: the harness data folder (``benchmark.produce.harness_data.prepare_data``), or a
            function that makes one when it is needed; needed unless ``proxies`` holds every model.
        predictor: a registered predictor name (default: the leaderboard's best, ``ltc_lightgbm``).
        limit: at most this many documents per lm-eval task (tests only).
        proxies: precomputed proxies ``{model: {proxy: value}}`` in the harness's units; models
            missing from it are computed.

    Returns:
        One row per model, best first: ``rank`` (1 = fine-tune this one), ``model``, ``borda``
        (predicted pairwise wins), ``win_prob`` (mean predicted P(model beats the other) over its
        pairs), the five proxies in the training suite's units and ``out_of_range`` (proxies
        outside the training suite's range). ``attrs`` holds the configuration.
    """

    models = [str(m) for m in models]
    suite = _training_suite(models, task, suite_train)
    given = _measured(models, dict(proxies or {}), data_dir, device, limit, batch_size)
    scale = suite_scale(suite.models)
    table = _proxy_table(models, given, suite, scale)
    fitted = get_predictor(predictor).fit(suite.models, task)
    # all_pairs wants scores; the user's models have none, so the label columns are dropped
    pairs = all_pairs(table.assign(**{task_column(task): np.nan}), task)
    pairs = attach_features(pairs[["model_a", "model_b", "task"]], table, list(PROXIES))
    prob = np.asarray(fitted.predict(pairs), dtype=float)

    out = _ranking(models, table, suite, pairs, prob)
    out.attrs.update(
        {
            "task": task,
            "suite_train": suite.name,
            "n_train_models": len(suite.models),
            "predictor": predictor,
            "scale": scale,
            "pairs": pairs.assign(prob_a_better=prob)[["model_a", "model_b", "prob_a_better"]],
        }
    )
    return out


def _training_suite(models: list[str], task: str, suite_train: str) -> Any:
    """The suite to train on, after checking the models and the task."""
    if len(models) < 2:
        raise SftcastError(f"rank needs at least 2 models, got {len(models)}")
    twice = sorted({m for m in models if models.count(m) > 1})
    if twice:
        raise SftcastError(f"model {twice[0]!r} given more than once")
    if task not in TASKS:
        raise SftcastError(f"unknown task {task!r} (known: {', '.join(TASKS)})")
    suite = load_suite(suite_train)
    suite.check_task(task)
    missing = [p for p in PROXIES if p not in suite.proxies]
    if missing:
        raise SftcastError(f"suite {suite.name!r} lacks the proxies {', '.join(missing)}")
    return suite


def _measured(
    models: list[str],
    given: dict[str, dict[str, Any]],
    data_dir: Any,
    device: str,
    limit: int | None,
    batch_size: int,
) -> dict[str, dict[str, Any]]:
    """``given`` completed with the proxies of every model it lacks, measured on ``data_dir``."""
    todo = [m for m in models if m not in given]
    for m in todo:
        check_loadable(m)
    if todo:
        if data_dir is None:
            raise SftcastError("rank_checkpoints needs data_dir to measure the proxies of " + ", ".join(todo))
        data = Path(data_dir() if callable(data_dir) else data_dir)
        if not data.is_dir():
            raise SftcastError(f"data folder {data} not found")
        for m in todo:
            given[m] = compute_proxies(m, data, device=device, limit=limit, batch_size=batch_size)
    return given


def _proxy_table(
    models: list[str], given: dict[str, dict[str, Any]], suite: Any, scale: dict[str, float]
) -> pd.DataFrame:
    """One row per model: the five proxies in the training suite's units (its harness keys:
    tiny's k-shot QA proxies are the harness's ``*_acc`` values)."""
    key = {p: suite.harness_key(p) for p in PROXIES}

    def value(m: str, p: str) -> float:
        if key[p] not in given[m]:
            raise SftcastError(f"the proxies of {m!r} lack {key[p]!r}, which suite {suite.name!r} trains on")
        return float(given[m][key[p]]) * scale[p]

    return pd.DataFrame({"model_id": models, **{p: [value(m, p) for m in models] for p in PROXIES}})


def _ranking(
    models: list[str], table: pd.DataFrame, suite: Any, pairs: pd.DataFrame, prob: np.ndarray
) -> pd.DataFrame:
    """Borda order of ``models`` from the pair predictions, with win probability, confidence and range."""
    borda = borda_scores(models, pairs["model_a"].to_numpy(), pairs["model_b"].to_numpy(), prob)
    pos = {m: k for k, m in enumerate(models)}
    wins = np.zeros(len(models))
    np.add.at(wins, [pos[m] for m in pairs["model_a"]], prob)
    np.add.at(wins, [pos[m] for m in pairs["model_b"]], 1.0 - prob)
    lo, hi = suite.models[list(PROXIES)].min(), suite.models[list(PROXIES)].max()
    outside = [",".join(p for p in PROXIES if not lo[p] <= row[p] <= hi[p]) for _, row in table.iterrows()]
    order = rank_order(borda)
    p_beats = {(a, b): q for a, b, q in zip(pairs["model_a"], pairs["model_b"], prob, strict=True)}
    p_beats.update({(b, a): 1.0 - q for (a, b), q in list(p_beats.items())})
    ranked = [models[k] for k in order]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(models) + 1),
            "model": ranked,
            "borda": borda[order],
            "win_prob": wins[order] / (len(models) - 1),
            # P(this model beats the next one down): near 0.5, the two could swap places
            "confidence": [p_beats[(a, b)] for a, b in zip(ranked, ranked[1:], strict=False)] + [np.nan],
            **{p: table[p].to_numpy()[order] for p in PROXIES},
            "out_of_range": [outside[k] for k in order],
        }
    )


SCALE_NOTES = {
    "zeng2025": "zeng2025 is 50 variants of one 1B decoder-only model, each pre-trained from scratch on "
    "100B SlimPajama tokens: the predictor learned how proxy differences among such models map to SFT "
    "outcomes. Checkpoints of another size, family or training budget put their proxies on another "
    "range (out of range, a tree model sees them all alike) and may relate proxies to SFT differently: "
    "read the ranking as a hint and confirm the top candidates by fine-tuning them."
}


def format_ranking(table: pd.DataFrame) -> str:
    """The ranking as aligned text, with a warning line when proxies leave the training range.

    ``confidence`` is the predicted probability that a model beats the next one down."""
    shown = table[["rank", "model", "borda", "win_prob", "confidence", *PROXIES]].to_string(
        index=False, float_format=lambda x: f"{x:.4g}", na_rep="-"
    )
    lines = [
        f"task {table.attrs.get('task')}: {table.attrs.get('predictor')} trained on all "
        f"{table.attrs.get('n_train_models')} models of suite {table.attrs.get('suite_train')!r}",
        shown,
    ]
    outside = sorted({p for cell in table["out_of_range"] for p in cell.split(",") if p})
    if outside:
        lines.append(
            f"warning: {', '.join(outside)} of some models lie outside suite "
            f"{table.attrs.get('suite_train')!r}'s range; the predictor does not extrapolate, so these "
            "predictions carry little information (train on a suite at your models' scale)"
        )
    return "\n".join(lines)


def ranking_record(table: pd.DataFrame) -> dict[str, Any]:
    """A JSON-able record of the ranking and its configuration."""
    attrs = {k: v for k, v in table.attrs.items() if k != "pairs"}
    rows = table.astype(object).where(table.notna(), None)  # the last row's confidence: null, not NaN
    return {**attrs, "ranking": rows.to_dict(orient="records"),
            "pairs": table.attrs["pairs"].to_dict(orient="records")}  # fmt: skip
