"""Rank a user's candidate checkpoints: which one to fine-tune, by the leaderboard's best predictor.

``rank_checkpoints(models, task)`` computes the five proxies of every model with
``benchmark.harness.compute_proxies``, fits a learning-to-compare predictor (default
``ltc_lightgbm``) on *all* models of a training suite with that suite's ``sft_<task>`` scores,
predicts P(a better than b) for every pair of the user's models (pairs made by
``benchmark.core.pairs``) and orders them by Borda count (``benchmark.core.metrics``).

Limitation (read before trusting a ranking): the predictor sees raw proxy values. Proxies of a
suite at another scale live on another range: the paper's 1B models (``zeng2025``) have
1/perplexity around 0.38 and 1-shot CMS accuracy around 61%, a CPU checkpoint has 1/perplexity
of a few hundredths. A tree model (LightGBM) does not extrapolate: every value below the range
it was trained on falls into the same leaf, so models that differ only outside that range get
the same prediction (P = 0.5, a Borda tie). Prefer a training suite whose proxies are comparable
to yours: the ``tiny`` suite for checkpoints of the tiny preset (its k-shot QA proxies are the
harness's ``kshot_rag_acc``/``kshot_cbqa_acc``, mapped through the suite's declaration). The
result frame's ``out_of_range`` column names, per model, the proxies that lie outside the
training suite's range.

Units: the harness reports k-shot scores as fractions; a suite whose k-shot columns exceed 1
stores percentages (``zeng2025`` does, as the paper's tables), so they are multiplied by 100 for
it. Perplexity proxies are 1/perplexity everywhere.

>>> table = rank_checkpoints(["ckpt/a", "ckpt/b", "ckpt/c"], "rag")   # doctest: +SKIP
>>> table[["rank", "model", "borda", "win_prob"]]                      # doctest: +SKIP
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
from benchmark.core.schema import TASKS, load_suite, suite_scale, task_column
from benchmark.core.vocab import PROXIES
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
    given = dict(proxies or {})
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

    scale = suite_scale(suite.models)
    # The harness key of each proxy (tiny's k-shot QA proxies are the harness's *_acc values).
    key = {p: suite.harness_key(p) for p in PROXIES}

    def value(m: str, p: str) -> float:
        if key[p] not in given[m]:
            raise SftcastError(f"the proxies of {m!r} lack {key[p]!r}, which suite {suite.name!r} trains on")
        return float(given[m][key[p]]) * scale[p]

    table = pd.DataFrame({"model_id": models, **{p: [value(m, p) for m in models] for p in PROXIES}})
    fitted = get_predictor(predictor).fit(suite.models, task)
    # all_pairs wants scores; the user's models have none, so the label columns are dropped
    pairs = all_pairs(table.assign(**{task_column(task): np.nan}), task)
    pairs = attach_features(pairs[["model_a", "model_b", "task"]], table, list(PROXIES))
    prob = np.asarray(fitted.predict(pairs), dtype=float)

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
    out = pd.DataFrame(
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
