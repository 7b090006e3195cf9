"""Ranks that respect noise: a paired bootstrap over *models*, not over pooled pairs.

Pairs that share a model are not independent, so resampling pairs understates the spread
(docs/leaderboard.md has the numbers). One bootstrap draw here resamples a suite's models
with replacement (multinomial counts ``w``); a test pair (a, b) then weighs ``w_a * w_b``,
each split's accuracy is the weighted mean credit of its test pairs, and a cell's accuracy
is the mean over splits, as in the point estimate (all ``w = 1``). The same draws serve
every submission, so differences between submissions are paired. Rank rule (Chatbot
Arena's rank upper bound): A is *better* than B when the 95% interval of the paired
difference A - B lies above 0; a submission's best rank is 1 + the number better than it,
its worst rank is n - the number it is better than. Submissions with the same best rank
form a rank group. Across suites the table's default order is the mean of per-suite ranks;
``cached_mean_rank_ranges`` applies the same rule to that mean rank, recomputed in every draw.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # a scikit-learn dependency

from benchmark.core.errors import SftcastError

N_BOOT = 1000
LEVEL = 0.95


def encode_credits(preds: pd.DataFrame, model_ids: list[str]) -> bytes:
    """Pack ``scoring.pair_credits``' frame (one protocol of one suite) into a small blob."""
    pos = {m: k for k, m in enumerate(model_ids)}
    tasks = sorted(set(preds["task"]))
    tpos = {t: k for k, t in enumerate(tasks)}
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        models=np.asarray(model_ids, dtype=str),
        tasks=np.asarray(tasks, dtype=str),
        task=preds["task"].map(tpos).to_numpy(np.uint8),
        split=preds["split_seed"].to_numpy(np.int32),
        a=preds["model_a"].map(pos).to_numpy(np.uint16),
        b=preds["model_b"].map(pos).to_numpy(np.uint16),
        credit2=np.rint(preds["credit"].to_numpy(float) * 2).astype(np.uint8),
    )
    return buf.getvalue()


def decode_credits(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _draws(suite: str, models: list[str], n_boot: int, seed: int) -> np.ndarray:
    """Multinomial model counts (n_boot x n_models); fixed by suite, model list and seed."""
    digest = int.from_bytes(hashlib.sha256("\0".join([suite, *models]).encode()).digest()[:4], "little")
    rng = np.random.default_rng([seed, zlib.crc32(suite.encode()), digest])
    n = len(models)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)


def bootstrap_accuracies(
    credits: dict[str, dict[str, bytes]],
    cells: list[tuple[str, str]],
    n_boot: int = N_BOOT,
    seed: int = 0,
    unit: bool = False,
) -> dict[str, np.ndarray]:
    """Each submission's accuracy under ``n_boot`` shared resamples of the models.

    ``credits`` is ``{name: {suite: blob}}`` for one protocol; ``cells`` the (suite, task) cells
    to average. A submission's vector is the mean over the selected cells it covers, the
    bootstrap twin of the table's "Mean accuracy". Submissions covering none are left out.
    ``unit``: one draw with every model once, i.e. the point estimate.
    """

    # the products are small: BLAS threads only contend (10x slower on a busy 2-core machine)
    with threadpool_limits(1):
        return _bootstrap(credits, cells, n_boot, seed, unit)


def _bootstrap(
    credits: dict[str, dict[str, bytes]], cells: list[tuple[str, str]], n_boot: int, seed: int, unit: bool
) -> dict[str, np.ndarray]:
    per_entry: dict[str, list[np.ndarray]] = {}
    for suite in sorted({s for s, _ in cells}):
        wanted = [t for s, t in cells if s == suite]
        decoded = {
            name: decode_credits(by_suite[suite]) for name, by_suite in credits.items() if suite in by_suite
        }
        if not decoded:
            continue
        draws: dict[tuple[str, ...], np.ndarray] = {}
        for task in wanted:
            # submissions that share the same test pairs are scored in one matrix product
            groups: dict[bytes, list[tuple[str, np.ndarray]]] = {}
            layout: dict[bytes, tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]] = {}
            for name, d in decoded.items():
                tasks = [str(t) for t in d["tasks"]]
                if task not in tasks:
                    continue
                rows = d["task"] == tasks.index(task)
                split, a, b = d["split"][rows], d["a"][rows], d["b"][rows]
                models = tuple(str(m) for m in d["models"])
                key = hashlib.sha256(
                    b"\0".join([*(m.encode() for m in models), split.tobytes(), a.tobytes(), b.tobytes()])
                ).digest()
                layout[key] = (models, split, a, b)
                groups.setdefault(key, []).append((name, d["credit2"][rows].astype(np.float64) / 2))
            for key, members in groups.items():
                models, split, a, b = layout[key]
                if models not in draws:
                    draws[models] = (
                        np.ones((1, len(models))) if unit else _draws(suite, list(models), n_boot, seed)
                    )
                wt = np.ascontiguousarray(draws[models].T)  # models x draws
                credit = np.stack([c for _, c in members], axis=0)  # submissions x pairs
                bounds = np.flatnonzero(np.diff(split)) + 1  # pairs come grouped by split
                accs = []
                for lo, hi in zip([0, *bounds], [*bounds, len(split)], strict=True):
                    pw = wt[a[lo:hi]] * wt[b[lo:hi]]  # pairs of this split x draws
                    with np.errstate(invalid="ignore", divide="ignore"):
                        accs.append((credit[:, lo:hi] @ pw) / pw.sum(axis=0))
                cell = np.nanmean(np.stack(accs), axis=0).T  # draws x submissions
                for k, (name, _) in enumerate(members):
                    per_entry.setdefault(name, []).append(cell[:, k])
    return {name: np.mean(np.stack(vs), axis=0) for name, vs in per_entry.items()}


def interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    alpha = (1.0 - level) / 2
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of two submissions over the same bootstrap draws."""

    a: str
    b: str
    difference: float  # point estimate: mean accuracy of a minus that of b, over shared cells
    ci95: tuple[float, float]
    prob_a_better: float  # share of draws where a beats b (ties count half)
    n_cells: int


def compare(
    credits: dict[str, dict[str, bytes]],
    a: str,
    b: str,
    cells: list[tuple[str, str]],
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Comparison:
    """Paired bootstrap of ``a`` against ``b`` over the ``cells`` both cover."""
    for name in (a, b):
        if name not in credits:
            raise SftcastError(f"no stored pair credits for {name!r} under this protocol; score it again")
    shared = [
        (s, t)
        for s, t in cells
        if s in credits[a] and s in credits[b] and _has_task(credits[a][s], t) and _has_task(credits[b][s], t)
    ]
    if not shared:
        raise SftcastError(f"{a!r} and {b!r} cover no common suite x task cell under this protocol")
    boot = bootstrap_accuracies({a: credits[a], b: credits[b]}, shared, n_boot, seed)
    point = bootstrap_accuracies({a: credits[a], b: credits[b]}, shared, n_boot=1, seed=seed, unit=True)
    diff = boot[a] - boot[b]
    return Comparison(
        a=a,
        b=b,
        difference=float(point[a][0] - point[b][0]),
        ci95=interval(diff),
        prob_a_better=float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0)),
        n_cells=len(shared),
    )


def _has_task(blob: bytes, task: str) -> bool:
    return task in {str(t) for t in decode_credits(blob)["tasks"]}


@dataclass(frozen=True)
class Ranks:
    """Per submission: bootstrap CI of its mean accuracy, best and worst rank (see module doc)."""

    ci95: dict[str, tuple[float, float]]
    best: dict[str, int]
    worst: dict[str, int]


def rank_ranges(boot: dict[str, np.ndarray], level: float = LEVEL) -> Ranks:
    """Rank ranges from ``bootstrap_accuracies``: significance by the paired difference's interval."""
    names = sorted(boot)
    if not names:
        return Ranks({}, {}, {})
    mat = np.stack([boot[n] for n in names])  # submissions x draws
    alpha = (1.0 - level) / 2
    diff = mat[:, None, :] - mat[None, :, :]  # i - j
    lower = np.quantile(diff, alpha, axis=2)
    better = lower > 0  # better[i, j]: i is significantly better than j
    n = len(names)
    return Ranks(
        ci95={name: interval(boot[name], level) for name in names},
        best={name: 1 + int(better[:, i].sum()) for i, name in enumerate(names)},
        worst={name: n - int(better[i, :].sum()) for i, name in enumerate(names)},
    )


_CACHE: dict[bytes, Ranks] = {}
_CACHE_SIZE = 64
_LOCK = threading.Lock()  # the app refreshes tables from several threads


def _content_key(tag: bytes, credits: dict[str, dict[str, bytes]], cells: list[tuple[str, str]]) -> bytes:
    """A hash of the cells and every credit blob: equal content, equal key."""
    h = hashlib.sha256(tag + repr(sorted(cells)).encode())
    for name in sorted(credits):
        for suite in sorted(credits[name]):
            h.update(f"\0{name}\0{suite}\0".encode())
            h.update(hashlib.sha256(credits[name][suite]).digest())
    return h.digest()


def _memoised(key: bytes, compute: Callable[[], Ranks]) -> Ranks:
    """``compute()``, kept under ``key`` in a bounded cache (the oldest entry leaves first)."""
    with _LOCK:
        if key not in _CACHE:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = compute()
        return _CACHE[key]


def cached_ranks(credits: dict[str, dict[str, bytes]], cells: list[tuple[str, str]]) -> Ranks:
    """``rank_ranges(bootstrap_accuracies(credits, cells))``, memoised by content (table refreshes)."""
    key = _content_key(b"", credits, cells)
    return _memoised(key, lambda: rank_ranges(bootstrap_accuracies(credits, cells)))


def ranks_within(acc: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per draw, each submission's rank among ``acc``'s (1 = highest accuracy; equal values share
    the mean of their places, so identical submissions tie in every draw)."""
    names = sorted(acc)
    if not names:
        return {}
    mat = np.stack([np.atleast_1d(acc[n]) for n in names])  # submissions x draws
    greater = (mat[None, :, :] > mat[:, None, :]).sum(axis=1)  # how many beat each, per draw
    equal = (mat[None, :, :] == mat[:, None, :]).sum(axis=1) - 1
    return {n: 1.0 + greater[k] + 0.5 * equal[k] for k, n in enumerate(names)}


def uncovered_rank(n_covering: int) -> float:
    """The rank a submission takes in a selected suite it does not cover: after all that do."""
    return float(n_covering + 1)


def mean_rank_draws(per_suite: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each submission's mean over the suites of its per-suite rank, per draw; in a suite it does not
    cover it ranks after every submission that does (``uncovered_rank``)."""
    names = sorted({n for acc in per_suite.values() for n in acc})
    n_draws = max((len(np.atleast_1d(v)) for acc in per_suite.values() for v in acc.values()), default=1)
    ranks: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for acc in per_suite.values():
        within = ranks_within(acc)
        for name in names:
            missing = np.full(n_draws, uncovered_rank(len(acc)))
            ranks[name].append(within[name] if name in within else missing)
    return {name: np.mean(np.stack(rs), axis=0) for name, rs in ranks.items()}


def cached_mean_rank_ranges(credits: dict[str, dict[str, bytes]], cells: list[tuple[str, str]]) -> Ranks:
    """Rank ranges of the mean-rank order: the same significance rule as ``rank_ranges``, applied
    to the paired bootstrap of mean ranks (lower is better). Its ``ci95`` holds mean-rank bounds."""
    return _memoised(_content_key(b"mean-rank", credits, cells), lambda: _mean_rank_ranges(credits, cells))


def _mean_rank_ranges(credits: dict[str, dict[str, bytes]], cells: list[tuple[str, str]]) -> Ranks:
    per_suite = {
        suite: bootstrap_accuracies(credits, [c for c in cells if c[0] == suite])
        for suite in sorted({s for s, _ in cells})
    }
    draws = mean_rank_draws(per_suite)
    neg = rank_ranges({n: -v for n, v in draws.items()})  # rank_ranges wants higher = better
    return Ranks(ci95={n: (-hi, -lo) for n, (lo, hi) in neg.ci95.items()}, best=neg.best, worst=neg.worst)
