"""The Gradio leaderboard: a ranked table, a detail view, a Submit tab, About and Citation.

The table is a plain ``gr.Dataframe``: ``gradio_leaderboard`` 0.0.14 requires gradio<6, and
the filters, search and column selection it would give are a few lines of pandas here.
Every number shown comes from the results JSON that ``benchmark.core.scoring`` wrote into the
store; the app never scores anything itself except through ``leaderboard.submission``.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pandas as pd

from benchmark.analysis.plots import noise_view, result_gap_quintile_figure, result_topk_figure
from benchmark.core.errors import SftcastError
from benchmark.core.protocol import SUBMISSION_PROTOCOLS
from benchmark.core.schema import list_suites, load_suite
from benchmark.core.vocab import TASKS
from leaderboard.hub import ResultsMirror
from leaderboard.ranking import (
    bootstrap_accuracies,
    cached_mean_rank_ranges,
    cached_ranks,
    compare,
    interval,
    ranks_within,
    uncovered_rank,
)
from leaderboard.store import DEFAULT_DB, Entry, ResultsStore
from leaderboard.submission import (
    MAX_ZIP_BYTES,
    META_FILE,
    SubmissionMeta,
    check_name,
    extract_zip,
    load_submission,
    read_meta,
    score_submission,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SUBMISSIONS = REPO_ROOT / "submissions"
MISSING = "—"
PROTOCOLS = SUBMISSION_PROTOCOLS
RANK_RANGE = "Rank range"
MEAN_RANK = "mean rank across suites"
ORDERS = (MEAN_RANK, "mean accuracy")
EXTRA_COLUMNS = [
    RANK_RANGE,
    "CI95",
    "Error reduction vs PPL-CLM",
    "Per task × suite",
    "Kendall τ",
    "Reproduced",
    "Authors",
    "Proxies used",
]
DEFAULT_EXTRA = [RANK_RANGE, "CI95", "Error reduction vs PPL-CLM", "Per task × suite", "Reproduced"]


# ---------------------------------------------------------------- seeding
def suite_digests() -> dict[str, str]:
    """``Suite.digest`` of every shipped suite: what a stored result must have been scored against."""

    return {name: load_suite(name).digest() for name in list_suites()}


def stale_suites(entry: Entry, digests: dict[str, str], undated: bool = True) -> list[str]:
    """The shipped suites whose stored results in ``entry`` were scored against other labels than
    ``digests`` (``suite_digests()``) hold. ``undated``: a result stored before digests were
    recorded counts as stale too (a built-in can simply be scored again)."""

    def stale(suite: str, result: dict) -> bool:
        stored = result.get("suite_digest")
        return stored != digests[suite] if stored is not None else undated

    return sorted(
        suite
        for suite, by_protocol in entry.results.items()
        if suite in digests and any(stale(suite, r) for r in by_protocol.values())
    )


def seed_store(store: ResultsStore, submissions_dir: Path = DEFAULT_SUBMISSIONS) -> list[str]:
    """Score and store every committed submission folder the store lacks or holds an older
    version of; return their names.

    A committed folder whose content changed (say, it gained a suite), or whose stored results
    were scored against an older version of a suite's data (``stale_suites``: a suite's labels
    were re-measured), replaces its stored built-in entry atomically. An upload under the same
    name is never overwritten: a warning says so and the upload stays.
    """
    added: list[str] = []
    if not submissions_dir.is_dir():
        return added
    digests, entries = suite_digests(), {e.name: e for e in store.entries()}
    for folder in sorted(p for p in submissions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        sub = load_submission(folder)
        entry = entries.get(sub.meta.name)
        if entry is not None:
            current = entry.source != "committed" or (
                not stale_suites(entry, digests) and store.has_credits(entry.name)
            )
            if entry.sha256 == sub.sha256() and current:
                continue
            if store.source_of(sub.meta.name) != "committed":
                print(f"leaderboard: {folder.name} is taken by an upload; the committed folder is not stored")
                continue
            scored = score_submission(sub, source="committed")  # a broken built-in is loud
            try:
                store.replace_committed(scored)
            except SftcastError as exc:  # an upload took the name in between
                print(f"leaderboard: {folder.name} not replaced: {exc}")
                continue
            added.append(sub.meta.name)
            continue
        try:
            store.add(score_submission(sub, source="committed"))
            added.append(sub.meta.name)
        except SftcastError as exc:
            if "already exists" not in str(exc):  # another process seeded it first
                raise
    return added


# ---------------------------------------------------------------- the ranked table
def _cells(entries: list[Entry], protocol: str) -> list[tuple[str, str]]:
    """All (suite, task) cells present in the store for a protocol, in a stable order."""
    seen: dict[tuple[str, str], None] = {}
    for e in entries:
        for suite, by_protocol in sorted(e.results.items()):
            for task in by_protocol.get(protocol, {}).get("tasks", {}):
                seen[(suite, task)] = None
    return sorted(seen, key=lambda c: (c[0], _task_key(c[1])))


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else None


def _fmt(value: float | None) -> str:
    """Three decimals, or "—" for a missing value (strings keep the table's look uniform)."""
    return MISSING if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def _task_key(task: str) -> tuple[int, str]:
    """Tasks in the benchmark's order (cms, rag, cbqa); unknown ones after, alphabetically."""

    return (TASKS.index(task) if task in TASKS else len(TASKS), task)


def leaderboard_frame(
    entries: list[Entry],
    suites: list[str] | None = None,
    tasks: list[str] | None = None,
    kind: str = "all",
    search: str = "",
    protocol: str = "splits",
    extra: list[str] | None = None,
    credits: dict[str, dict[str, bytes]] | None = None,
    reproduced_only: bool = False,
    order: str = MEAN_RANK,
) -> pd.DataFrame:
    """One row per submission, in ``order``: the mean over the selected suites of the submission's
    rank within each suite (default; a suite's difficulty cannot decide it), or mean accuracy over
    the selected suite × task cells. Per-suite ranks show when more than one suite is selected.

    ``kind`` is ``all``, ``supervised`` or ``unsupervised``; ``search`` matches name, authors,
    description and proxies (case-insensitive); ``extra`` picks the optional column groups.
    A cell the submission does not cover shows "—"; a row with no covered cell ranks last.
    ``reproduced_only`` keeps the submissions ``sftcast submit verify`` reproduced from code.
    ``credits`` (``ResultsStore.credits(protocol)``) feeds the model-level bootstrap behind the
    CI and rank-range columns (``leaderboard.ranking``); a row without them shows "—" there.
    """

    if order not in ORDERS:
        raise SftcastError(f"unknown order {order!r} (choose from {', '.join(ORDERS)})")
    extra = DEFAULT_EXTRA if extra is None else extra
    cells = [
        (s, t)
        for s, t in _cells(entries, protocol)
        if (not suites or s in suites) and (not tasks or t in tasks)
    ]
    cell_suites = sorted({s for s, _ in cells})
    needle = search.strip().lower()
    rows = [
        _row(e, cells, cell_suites, protocol, extra)
        for e in entries
        if _shown(e, kind, reproduced_only, needle)
    ]
    if not rows:
        return pd.DataFrame(columns=["Rank", "Submission", "Type", "Mean accuracy"])
    _fill_mean_ranks(rows, cell_suites)
    if RANK_RANGE in extra or "CI95" in extra:
        _fill_bootstrap(rows, cells, len(cell_suites), extra, credits, order)
    return _ranked(rows, order)


def _shown(e: Entry, kind: str, reproduced_only: bool, needle: str) -> bool:
    """Whether ``e`` passes the table's filters: its kind, reproduced-only, and the search text."""
    if kind == "supervised" and not e.supervised or kind == "unsupervised" and e.supervised:
        return False
    if reproduced_only and not e.reproduced:
        return False
    haystack = " ".join(
        [
            e.name,
            e.meta.get("description", ""),
            *e.meta.get("authors", []),
            *e.meta.get("proxies", []),
            *e.meta.get("features", []),
        ]
    ).lower()
    return not needle or needle in haystack


def _row(
    e: Entry, cells: list[tuple[str, str]], cell_suites: list[str], protocol: str, extra: list[str]
) -> dict[str, Any]:
    """One submission's row: its accuracies over ``cells``, placeholders for the columns known only
    once every row is (ranks, bootstrap), and the ``extra`` columns. Keys starting "_" sort it."""
    got = {
        (s, t): r
        for s, t in cells
        if (r := e.results.get(s, {}).get(protocol, {}).get("tasks", {}).get(t)) is not None
    }
    acc = _mean([r["accuracy"] for r in got.values()])
    row: dict[str, Any] = {
        "Submission": e.name,
        "Type": "supervised" if e.supervised else "unsupervised",
        "Mean accuracy": _fmt(acc),
        "_sort": -1.0 if acc is None else acc,
        "_suite_acc": {
            s: v
            for s in cell_suites
            if (v := _mean([r["accuracy"] for c, r in got.items() if c[0] == s])) is not None
        },
        "Mean rank": MISSING,  # filled by _fill_mean_ranks
    }
    if len(cell_suites) > 1:
        for s in cell_suites:
            row[f"Rank · {s}"] = MISSING
    for column in (RANK_RANGE, "CI95"):
        if column in extra:
            row[column] = MISSING  # filled by _fill_bootstrap
    row.update(_score_columns(got, cells, extra))
    row["Suites covered"] = len({s for s, _ in got}) if got else 0
    row.update(_about_columns(e, extra))
    return row


def _score_columns(
    got: dict[tuple[str, str], dict], cells: list[tuple[str, str]], extra: list[str]
) -> dict[str, str]:
    """The optional score columns of a row, from its results per covered cell ``got``."""
    out: dict[str, str] = {}
    if "Error reduction vs PPL-CLM" in extra:
        reductions = [r["error_reduction_vs_ppl_clm"] for r in got.values()]
        out["Error reduction vs PPL-CLM"] = _fmt(_mean(reductions))
    if "Kendall τ" in extra:
        out["Kendall τ"] = _fmt(_mean([r.get("kendall_tau") for r in got.values()]))
    if "Per task × suite" in extra:
        for s, t in cells:
            out[f"{s} · {t}"] = _fmt(got[(s, t)]["accuracy"]) if (s, t) in got else MISSING
    return out


def _about_columns(e: Entry, extra: list[str]) -> dict[str, str]:
    """The optional columns about the submission itself rather than its scores."""
    out: dict[str, str] = {}
    if "Reproduced" in extra:  # by ``sftcast submit verify``: the code's hash, shortened
        out["Reproduced"] = f"✓ {e.reproduced['code_sha256'][:8]}" if e.reproduced else MISSING
    if "Authors" in extra:
        out["Authors"] = ", ".join(e.meta.get("authors", []))
    if "Proxies used" in extra:
        out["Proxies used"] = ", ".join(e.meta.get("proxies", []) + e.meta.get("features", []))
    return out


def _fill_mean_ranks(rows: list[dict[str, Any]], cell_suites: list[str]) -> None:
    """Fill each row's mean rank over ``cell_suites`` (a suite it does not cover ranks it after all
    that do), and its rank within each suite when there are several."""
    per_suite = {
        s: ranks_within(
            {r["Submission"]: np.float64(r["_suite_acc"][s]) for r in rows if s in r["_suite_acc"]}
        )
        for s in cell_suites
    }
    for row in rows:
        name = row["Submission"]
        got_ranks = [
            float(per_suite[s][name][0]) if s in row["_suite_acc"] else uncovered_rank(len(per_suite[s]))
            for s in cell_suites
            if row["_suite_acc"]
        ]
        row["_mean_rank"] = float(np.mean(got_ranks)) if got_ranks else math.inf
        row["Mean rank"] = MISSING if not got_ranks else f"{row['_mean_rank']:.2f}"
        if len(cell_suites) > 1:
            for s in row["_suite_acc"]:
                rank = float(per_suite[s][row["Submission"]][0])
                row[f"Rank · {s}"] = f"{rank:g}"


def _fill_bootstrap(
    rows: list[dict[str, Any]],
    cells: list[tuple[str, str]],
    n_suites: int,
    extra: list[str],
    credits: dict[str, dict[str, bytes]] | None,
    order: str,
) -> None:
    """Fill the rank-range and CI95 columns from the model-level bootstrap over the ``credits`` of
    the rows with a covered cell; the rank range follows ``order`` across ``n_suites`` suites."""
    shown = {r["Submission"] for r in rows if r["_sort"] >= 0}
    shown_credits = {n: c for n, c in (credits or {}).items() if n in shown}
    ranks = cached_ranks(shown_credits, cells)
    by_order = cached_mean_rank_ranges(shown_credits, cells) if order == MEAN_RANK and n_suites > 1 else ranks
    for row in rows:
        name = row["Submission"]
        if RANK_RANGE in extra:
            best, worst = by_order.best.get(name), by_order.worst.get(name)
            row[RANK_RANGE] = MISSING if best is None else str(best) if best == worst else f"{best}–{worst}"
        if "CI95" in extra:
            ci = ranks.ci95.get(name)
            row["CI95"] = MISSING if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _ranked(rows: list[dict[str, Any]], order: str) -> pd.DataFrame:
    """The rows sorted by ``order`` (then name), the helper columns dropped, numbered from 1."""
    keys = ["_mean_rank", "_sort", "Submission"] if order == MEAN_RANK else ["_sort", "Submission"]
    ascending = [True, False, True] if order == MEAN_RANK else [False, True]
    df = pd.DataFrame(rows).sort_values(keys, ascending=ascending, kind="stable")
    df = df.drop(columns=["_sort", "_mean_rank", "_suite_acc"]).reset_index(drop=True)
    df.insert(0, "Rank", range(1, len(df) + 1))
    return df


def detail_frame(
    entry: Entry, suite: str, protocol: str, credits: dict[str, bytes] | None = None
) -> pd.DataFrame:
    """The per-task table of one submission on one suite and protocol. With the entry's
    ``credits`` (``{suite: blob}``) the CI resamples models; without, it is the scorer's pooled one."""

    res = entry.results.get(suite, {}).get(protocol)
    if res is None:
        return pd.DataFrame({"": [f"{entry.name} does not cover {suite} / {protocol}"]})
    rows = []
    for task, r in res["tasks"].items():
        if credits and suite in credits:
            ci = interval(bootstrap_accuracies({entry.name: credits}, [(suite, task)])[entry.name])
            ci_label, ci_text = "CI95 (resampling models)", f"[{ci[0]:.3f}, {ci[1]:.3f}]"
        else:
            ci_label, ci_text = "CI95 (pooled pairs)", f"[{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
        rows.append(
            {
                "task": task,
                "accuracy": _fmt(r["accuracy"]),
                "± std over splits": _fmt(r.get("accuracy_std")),
                ci_label: ci_text,
                "error reduction vs PPL-CLM": _fmt(r["error_reduction_vs_ppl_clm"]),
                "Kendall τ": _fmt(r.get("kendall_tau")),
                "true best at predicted rank (mean)": _fmt(r.get("best_model_rank")),
                "pairs": r["n_pairs"],
            }
        )
    return pd.DataFrame(rows)


def neighbours_markdown(
    entries: list[Entry], credits: dict[str, dict[str, bytes]], name: str, protocol: str
) -> str:
    """Paired comparisons of ``name`` with the submissions just above and below it by mean accuracy,
    among those that share a suite with it (``sftcast submit compare``'s numbers), as markdown lines."""

    board = leaderboard_frame(entries, protocol=protocol, extra=[], order="mean accuracy")
    suites = {e.name: set(e.results) for e in entries}
    mine = suites.get(name, set())
    names = [n for n in board["Submission"].tolist() if n in credits and suites.get(n, set()) & mine]
    if name not in names or len(names) < 2:
        return ""
    k = names.index(name)
    cells = _cells(entries, protocol)
    lines = ["\n\n**Against its neighbours** (paired bootstrap over models, the cells both cover):"]
    for other in [names[j] for j in (k - 1, k + 1) if 0 <= j < len(names)]:
        try:
            c = compare(credits, name, other, cells)
        except SftcastError:
            continue
        lines.append(
            f"- vs `{other}`: {c.difference:+.3f} [{c.ci95[0]:+.3f}, {c.ci95[1]:+.3f}], "
            f"P({name} beats {other}) = {c.prob_a_better:.2f}"
        )
    return "\n".join(lines) if len(lines) > 1 else ""


# ---------------------------------------------------------------- submitting
def submit_zip(
    store: ResultsStore,
    zip_path: str | None,
    name: str = "",
    authors: str = "",
    url: str = "",
    description: str = "",
    proxies: str = "",
    supervised: str | None = None,
) -> str:
    """Validate, score and store an uploaded zip; return the stored name. Raises SftcastError.

    Non-empty form fields override the zip's ``submission.yaml``; without one the form's
    name is required.
    """
    if not zip_path:
        raise SftcastError("no file uploaded; choose a .zip of your submission folder")
    if name.strip():
        check_name(name.strip())
    with tempfile.TemporaryDirectory(prefix="sftcast-upload-") as tmp:
        folder = extract_zip(zip_path, tmp)
        meta_file = folder / META_FILE
        doc: dict[str, Any] = read_meta(meta_file) if meta_file.is_file() else {}
        form = {
            "name": name.strip(),
            "authors": authors,
            "url": url.strip(),
            "description": description,
            "proxies": proxies,
        }
        doc.update({k: v for k, v in form.items() if v})
        if supervised in ("supervised", "unsupervised"):
            doc["supervised"] = supervised == "supervised"
        if "name" not in doc:
            raise SftcastError("give the submission a name (form field or 'name' in submission.yaml)")
        meta = SubmissionMeta.from_dict(doc, where="metadata")
        entry = score_submission(load_submission(folder, meta))
    store.add(entry)
    return entry.name


# ---------------------------------------------------------------- the app
ABOUT = """
## The task
Given two LLM checkpoints pre-trained with different recipes (objective, data mixture, learning rate,
domain tagging, length filter), **predict which one will score higher after supervised fine-tuning (SFT)**
on a task -- using only signals available before fine-tuning: perplexities and k-shot scores
("proxies"), plus the pre-training configuration. Tasks: closed-book multiple-choice style
classification (`cms`), retrieval-augmented QA (`rag`) and closed-book QA (`cbqa`).

A predictor outputs, for each pair (a, b), `prob_a_better` = P(a is better than b after SFT).

## Protocols
- **splits** (the ranking of this table): 20 seeded random 60%/40% splits of the models (seed 0).
  Supervised methods train on pairs of the 60% and are scored on all pairs of the held-out 40%;
  unsupervised methods are scored on the same test pairs. Accuracy is the mean over splits.
- **all-pairs**: every pair of models, for unsupervised methods only (the paper's Table 1).

## Metrics and the tie rule
Pairwise accuracy: a pair counts 1 when `prob_a_better > 0.5` agrees with the true order, 0 when it
disagrees, and **½ when the prediction is exactly 0.5 or the two true scores tie**. Also shown: relative
error-rate reduction against the PPL-CLM proxy, accuracy by quintile of the true score gap, Kendall τ
and top-k recall of a Borda ranking built from the predictions.
"Mean accuracy" averages the selected suite × task cells a submission covers; "—" marks a suite it does
not cover.

## Order across suites
Suites differ in difficulty and size, so averaging accuracies across them would let the easiest suite
decide. **The table is ordered by the mean rank across suites** (the default of *Order by*): a
submission's rank within each selected suite (by its mean accuracy over the selected tasks of that
suite, among the rows shown; equal accuracies share the mean of their places), averaged over the
selected suites. In a selected suite it does not cover (a method that needs signals the suite lacks),
a submission ranks after every submission that covers it, so covering one suite well cannot top the
overall order. The per-suite ranks show beside it (*Rank · suite*, "—" where not covered). With one
suite selected the order is that suite's accuracy order. *Order by: mean accuracy* gives the plain
mean over the cells a submission covers.

## Uncertainty and ranks
Test pairs that share a model are not independent, so the **CI95** column resamples *models*, not
pairs: each of 1000 bootstrap draws picks a suite's models with replacement, a test pair (a, b) weighs
(copies of a) × (copies of b), and the draw's mean accuracy is computed exactly as the point estimate
(per split, then over splits, tasks and the selected suites). The same draws serve every submission,
so the difference between two submissions is a **paired** bootstrap, which also gives P(A beats B)
(`sftcast submit compare A B` prints both).
**Rank range** (the rule of Chatbot Arena's rank upper bound): A is *better* than B when the 95%
interval of the paired difference lies on A's side of 0 -- of the mean rank across suites, recomputed in
every draw, under the default order; of the mean accuracy under the other order or with one suite.
A submission's best rank is 1 + the number of submissions better than it; its worst rank is n − the
number it is better than. Submissions with the same best rank form a **rank group**: the data cannot
order them. "Rank" is only the position in the chosen order. No correction for multiple comparisons
is made. The ranks are recomputed over the rows and cells the filters show.

## Suites
- **zeng2025**: the paper's own 50 models (1B parameters, 100B tokens each; its Tables 4 and 6).
- **tiny**: the same 50-variant grid at ~1M parameters on a seeded synthetic world, produced on a
  laptop CPU by `sftcast produce run --preset tiny`, with a second seed of 10 variants. Its labels are
  noisier than a reader of one number would assume: see the *Suites & label noise* tab.

## Load the data
Build the Hub-ready folder with `sftcast dataset build --out OUT` (or use the published Hub repo), then:
```python
from datasets import load_dataset
models = load_dataset("OUT", "zeng2025_models", split="train")  # one row per model
pairs = load_dataset("OUT", "tiny_pairs", split="train")        # every task, one row per pair
seeds = load_dataset("OUT", "tiny_seeds", split="train")        # tiny's seed reruns
```
In Python, `benchmark.load_suite("zeng2025")` gives the same data as a validated `Suite`.

## Submitting
Run `sftcast submit predict --predictor my_module:MyPredictor --name my-method`, zip the folder it writes
under `submissions/`, and upload it in the **Submit** tab (or open a pull request adding the folder).
Uploaded files are treated as data only: nothing in them is imported or executed.

## Reproduced from code
`submission.yaml` may name the code behind the predictions: `predictor: module:Class` (or a built-in
name), its `params` and pip `requirements`. A maintainer runs `sftcast submit verify DIR` on their own
machine: the predictor runs under the official protocol in a subprocess with a time limit, and when
every prediction matches the submitted one within 1e-6 the entry is marked **reproduced** with the
code's hash (column *Reproduced*, filter *Reproduced from code only*). This server never runs submitted
code. With public labels, a reproducible method is the honest signal; `supervised: false` is
self-declared.
"""

CITATION = r"""
```bibtex
@article{zeng2025pretraining,
  title   = {Can Pre-training Indicators Reliably Predict Fine-tuning Outcomes of LLMs?},
  author  = {Zeng, Hansi and Hui, Kai and Zhuang, Honglei and Qin, Zhen and Yue, Zhenrui
             and Zamani, Hamed and Alon, Dana},
  journal = {arXiv preprint arXiv:2504.12491},
  year    = {2025}
}
```
"""


def suite_noise_views() -> list[Any]:
    """``benchmark.analysis.plots.noise_view`` of every shipped suite, computed at start-up from its data."""

    return [noise_view(load_suite(name)) for name in list_suites()]


def stale_uploads_note(entries: list[Entry], digests: dict[str, str] | None = None) -> str:
    """A markdown line naming the uploads scored against other labels than a suite now ships
    (they cannot be scored again: an upload's files are not kept), or "" when there are none. An
    upload stored before digests were recorded is not named: nothing says its labels differ."""
    digests = suite_digests() if digests is None else digests
    stale = [(e.name, stale_suites(e, digests, undated=False)) for e in entries if e.source != "committed"]
    stale = [f"{name} ({', '.join(suites)})" for name, suites in stale if suites]
    if not stale:
        return ""
    return (
        "**Scored against an earlier version of the suite data** (its labels were re-measured since; "
        f"submit again to update): {', '.join(stale)}."
    )


def table_view(
    store: ResultsStore, suites_sel, tasks_sel, kind, search, protocol, extra, reproduced_only, order
):
    """The ranked table for the page's filter state."""
    return leaderboard_frame(
        store.entries(),
        suites_sel,
        tasks_sel,
        kind,
        search,
        protocol,
        extra,
        store.credits(protocol),
        bool(reproduced_only),
        order or MEAN_RANK,
    )


def detail_view(store: ResultsStore, name: str | None, suite: str | None, protocol: str) -> tuple:
    """One submission's detail: its card (markdown), per-task table and the two figures."""
    if not name:
        return "", None, None, None
    entry = store.get(name)
    m = entry.meta
    md = (
        f"### {entry.name}\n{m.get('description') or ''}\n\n"
        f"- **type:** {'supervised' if entry.supervised else 'unsupervised'}\n"
        f"- **authors:** {', '.join(m.get('authors', [])) or MISSING}\n"
        f"- **url:** {m.get('url') or MISSING}\n"
        f"- **proxies / features:** {', '.join(m.get('proxies', []) + m.get('features', [])) or MISSING}"
        "\n"
        f"- **suites covered:** {', '.join(sorted(entry.results))}\n- **stored:** {entry.created_at}\n"
        + (
            f"- **reproduced from code:** `{entry.reproduced['predictor']}`, code sha256 "
            f"`{entry.reproduced['code_sha256'][:16]}`, {entry.reproduced['verified_at']}"
            if entry.reproduced
            else "- **reproduced from code:** not verified"
        )
    )
    credits = store.credits(protocol)
    md += neighbours_markdown(store.entries(), credits, name, protocol)
    res = entry.results.get(suite, {}).get(protocol)
    frame = detail_frame(entry, suite, protocol, credits.get(name))
    if res is None:
        return md, frame, None, None
    title = f"{name} · {suite} · {protocol}"
    return md, frame, result_gap_quintile_figure(res, title), result_topk_figure(res, title)


def _choices(store: ResultsStore) -> tuple[list[str], list[str]]:
    """The submission names and the suites they cover, read from the store now."""
    entries = store.entries()
    return [e.name for e in entries], sorted({s for e in entries for s in e.results})


def _leaderboard_tab(suites: list[str], tasks: list[str], initial: pd.DataFrame) -> tuple[list[Any], Any]:
    """The filters and the ranked table; returns ``(filters, board)``."""
    with gr.Row():
        search = gr.Textbox(label="Search", placeholder="name, author, proxy…", scale=2, elem_id="search")
        kinds = ["all", "supervised", "unsupervised"]
        kind = gr.Radio(kinds, value="all", label="Type", elem_id="filter-type")
        protocol = gr.Radio(list(PROTOCOLS), value="splits", label="Protocol", elem_id="protocol")
        reproduced_only = gr.Checkbox(
            value=False, label="Reproduced from code only", elem_id="filter-reproduced"
        )
        order = gr.Radio(list(ORDERS), value=MEAN_RANK, label="Order by", elem_id="order")
    with gr.Row():
        suites_sel = gr.CheckboxGroup(suites, value=suites, label="Suites", elem_id="filter-suites")
        tasks_sel = gr.CheckboxGroup(tasks, value=tasks, label="Tasks", elem_id="filter-tasks")
        extra = gr.CheckboxGroup(EXTRA_COLUMNS, value=DEFAULT_EXTRA, label="Columns", elem_id="columns")
    board = gr.Dataframe(
        value=initial,
        interactive=False,
        wrap=True,
        elem_id="leaderboard-table",
        label="Ordered by mean rank across suites (see About)",
        max_height=700,
    )
    gr.Markdown("Click a row to open its detail view.")
    return [suites_sel, tasks_sel, kind, search, protocol, extra, reproduced_only, order], board


def _detail_tab(
    names: list[str], suites: list[str], top: str | None, top_suite: str | None
) -> tuple[list[Any], list[Any]]:
    """The detail view's selectors and outputs, opened on ``top`` in a suite it covers; returns
    ``(inputs, outputs)``."""
    with gr.Row():
        d_name = gr.Dropdown(names, value=top, label="Submission", elem_id="detail-name")
        d_suite = gr.Dropdown(suites, value=top_suite, label="Suite")
        d_protocol = gr.Dropdown(list(PROTOCOLS), value="splits", label="Protocol")
    d_md = gr.Markdown()
    d_table = gr.Dataframe(interactive=False, label="Per task")
    with gr.Row():
        d_gap = gr.Plot(label="Accuracy by gap quintile")
        d_topk = gr.Plot(label="Top-k recall")
    return [d_name, d_suite, d_protocol], [d_md, d_table, d_gap, d_topk]


def _submit_tab() -> tuple[list[Any], Any, Any]:
    """The upload form; returns ``(fields, button, status)``."""
    gr.Markdown(
        "Upload a **.zip** of a submission folder (`submission.yaml` plus "
        "`<suite>.parquet` or `.csv`; see About). Filled fields override the zip's "
        "`submission.yaml`. Files are read as data only."
    )
    with gr.Row():
        up_file = gr.File(label="Submission zip", file_types=[".zip"], elem_id="upload-zip")
        with gr.Column():
            up_name = gr.Textbox(label="Name (letters, digits, . _ -)", elem_id="upload-name")
            up_authors = gr.Textbox(label="Authors (comma-separated)")
            up_url = gr.Textbox(label="URL")
            up_desc = gr.Textbox(label="Description", lines=2)
            up_proxies = gr.Textbox(label="Proxies / features used (comma-separated)")
            up_kind = gr.Radio(
                ["unsupervised", "supervised"], value=None, label="Type (blank: from submission.yaml)"
            )
    button = gr.Button("Validate, score and submit", variant="primary", elem_id="upload-button")
    status = gr.Markdown(elem_id="upload-status")
    return [up_file, up_name, up_authors, up_url, up_desc, up_proxies, up_kind], button, status


def _noise_tab(noise: list[Any]) -> None:
    gr.Markdown(
        "Each variant of a suite rerun with a second pre-training *and* SFT seed: the seed std "
        "of its SFT score against the spread across all variants (quality bar: ratio ≥ 3), "
        "and the share of pairs whose label flips between seeds -- no predictor can be "
        "trusted beyond that on close pairs. The plots put seed 0 against seed 1."
    )
    for view in noise:
        gr.Markdown(view.summary)
        if view.figure is not None:
            gr.Markdown(view.markdown)
            gr.Plot(view.figure, show_label=False)


def _api_table(store: ResultsStore):
    def api_table(
        suites_: list[str] | None = None,
        tasks_: list[str] | None = None,
        kind_: str = "all",
        search_: str = "",
        protocol_: str = "splits",
        reproduced_only_: bool = False,
        order_: str = MEAN_RANK,
    ) -> list[dict]:
        """The ranked table as a list of row records (column -> value), for API clients."""
        frame = leaderboard_frame(
            store.entries(),
            suites_ or None,
            tasks_ or None,
            kind_,
            search_,
            protocol_,
            credits=store.credits(protocol_),
            reproduced_only=bool(reproduced_only_),
            order=order_ or MEAN_RANK,
        )
        return frame.to_dict(orient="records")

    return api_table


def _on_submit(store: ResultsStore, mirror: Any):
    def on_submit(zip_file, name, authors, url, desc, proxies, kind_):
        """Validate, score and store an uploaded zip; return "Submission accepted/refused: ..."."""
        try:
            stored = submit_zip(store, zip_file, name, authors, url, desc, proxies, kind_)
            status = (
                f"**Submission accepted:** `{stored}` was validated, scored and added to the leaderboard."
            )
            if mirror is not None:
                try:
                    mirror.push(store, [stored])
                except Exception as exc:  # noqa: BLE001 - the Hub being down must not lose the upload
                    print(f"leaderboard: {stored} not mirrored to {mirror.target}: {exc}")
                    status += " (not yet copied to the results repo; the maintainers are told.)"
        except SftcastError as exc:
            status = f"**Submission refused:** {exc}"
        return status, gr.update(choices=store.names())

    return on_submit


def _open_detail(store: ResultsStore):
    def open_detail(evt: gr.SelectData, current: pd.DataFrame, suite: str | None):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        name = str(current.iloc[row]["Submission"])
        names, suites = _choices(store)
        covered = sorted(next((e.results for e in store.entries() if e.name == name), {}))
        suite = suite if suite in covered or not covered else covered[0]
        return (
            gr.update(choices=names, value=name),
            gr.update(choices=suites, value=suite),
            gr.Tabs(selected="detail"),
        )

    return open_detail


def build_app(store: ResultsStore, mirror: Any = None) -> Any:
    """Build the Blocks app over ``store`` (which should already be seeded). ``mirror``
    (``leaderboard.hub.ResultsMirror``) receives each accepted submission."""
    entries = store.entries()
    names, suites = _choices(store)
    tasks = sorted(
        {t for e in entries for r in e.results.values() for p in r.values() for t in p["tasks"]},
        key=_task_key,
    )
    initial = leaderboard_frame(entries, credits=store.credits("splits"))
    top = str(initial["Submission"].iloc[0]) if len(initial) else None
    covered = sorted(store.get(top).results) if top else []
    top_suite = covered[0] if covered else (suites[0] if suites else None)
    noise = suite_noise_views()

    def table(*filters):
        return table_view(store, *filters)

    def detail(name, suite, protocol):
        return detail_view(store, name, suite, protocol)

    def detail_choices():
        """The dropdowns' choices read from the store now: a page opened (or a row clicked)
        after an upload knows that upload, whoever sent it."""
        names_now, suites_now = _choices(store)
        return gr.update(choices=names_now), gr.update(choices=suites_now)

    with gr.Blocks(title="sftcast leaderboard", analytics_enabled=False) as demo:
        gr.Markdown(
            "# sftcast leaderboard\nWhich pre-training signals predict which checkpoint is better "
            "after SFT? Predictors ranked by pairwise accuracy on held-out model pairs."
        )
        gr.Markdown(
            "**Label noise of each suite** (details in the *Suites & label noise* tab):\n\n"
            + "\n".join(f"- {view.summary}" for view in noise),
            elem_id="noise-summary",
        )
        note = stale_uploads_note(entries)
        if note:
            gr.Markdown(note, elem_id="stale-uploads")
        with gr.Tabs() as tabs:
            with gr.Tab("Leaderboard", id="leaderboard"):
                filters, board = _leaderboard_tab(suites, tasks, initial)
            with gr.Tab("Submission detail", id="detail") as detail_tab:
                detail_inputs, detail_outputs = _detail_tab(names, suites, top, top_suite)
            with gr.Tab("Submit", id="submit"):
                upload, up_button, up_status = _submit_tab()
            with gr.Tab("Suites & label noise", id="noise", elem_id="noise-tab"):
                _noise_tab(noise)
            with gr.Tab("About", id="about"):
                gr.Markdown(ABOUT)
            with gr.Tab("Citation", id="citation"):
                gr.Markdown("If you use sftcast, please cite the paper it reproduces:" + CITATION)

        # Table refreshes share one queue slot, so they finish in the order they were asked for:
        # a slow refresh for an older filter state can never land after a newer one.
        refresh = {
            "api_name": False, "concurrency_limit": 1, "concurrency_id": "table", "show_progress": "hidden"
        }  # fmt: skip
        for control in filters:
            control.change(table, filters, board, **refresh)
        demo.load(table, filters, board, **refresh)
        gr.api(_api_table(store), api_name="leaderboard")

        for control in detail_inputs:
            control.change(detail, detail_inputs, detail_outputs, api_name=False)
        # drawn when the tab opens, not on every page load: two matplotlib figures cost ~0.3 s
        detail_tab.select(detail, detail_inputs, detail_outputs, api_name=False)
        d_name, d_suite = detail_inputs[0], detail_inputs[1]
        demo.load(detail_choices, None, [d_name, d_suite], api_name=False, queue=False)
        board.select(_open_detail(store), [board, d_suite], [d_name, d_suite, tabs], api_name=False)
        up_button.click(
            _on_submit(store, mirror), upload, [up_status, d_name], api_name="submit", concurrency_limit=4
        ).then(table, filters, board, api_name=False, queue=False)
    return demo


def serve(
    host: str = "127.0.0.1",
    port: int = 7860,
    db: str | Path = DEFAULT_DB,
    submissions_dir: str | Path = DEFAULT_SUBMISSIONS,
    seed: bool = True,
    results_repo: str | None = None,
) -> None:
    """Open (or create) the store, restore it from ``results_repo`` (a Hub dataset repo or a local
    directory; ``leaderboard.hub``), score any committed submission it lacks, and serve the app."""
    store = ResultsStore(db)
    mirror = None
    if results_repo:
        mirror = ResultsMirror(results_repo)
        restored = mirror.pull(store)
        print(f"leaderboard: restored {len(restored)} submission(s) from {results_repo}")
    if seed:
        added = seed_store(store, Path(submissions_dir))
        if added:
            print(f"leaderboard: scored {len(added)} committed submission(s) into {store.path}")
    demo = build_app(store, mirror)
    # max_file_size: Gradio refuses oversized uploads before they reach extract_zip
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=True, footer_links=["api"], max_file_size=MAX_ZIP_BYTES
    )
