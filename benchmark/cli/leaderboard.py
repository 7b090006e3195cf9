"""CLI: ``sftcast submit predict``, ``sftcast submit score`` and ``sftcast leaderboard``.

Heavy imports (pandas, gradio) happen inside the command functions.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmark.core.errors import SftcastError
from benchmark.core.predictors import get_predictor
from benchmark.core.protocol import predict, resolve_budget
from benchmark.core.schema import list_suites, load_suite
from benchmark.core.vocab import PROXIES
from leaderboard.ranking import compare
from leaderboard.space import build_space
from leaderboard.store import DEFAULT_DB, ResultsStore
from leaderboard.submission import (
    OFFICIAL_SEED,
    SubmissionMeta,
    check_name,
    load_submission,
    score_submission,
)
from leaderboard.verify import reproduce

REPO_SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"


def write_submission(
    predictor: str,
    name: str,
    out_dir: str | Path = REPO_SUBMISSIONS,
    suites: list[str] | None = None,
    meta: dict[str, Any] | None = None,
    fmt: str = "parquet",
) -> Path:
    """Run ``predictor`` under the official protocols and write ``out_dir/<name>/``.

    Every suite gets the ``splits`` test pairs (seed 0); unsupervised predictors also get the
    ``all-pairs`` set. Covering every suite (``suites`` None), a suite the predictor cannot serve
    is skipped; a suite with probes records its budget in ``budgets``. Returns the folder.
    ``meta`` fills ``submission.yaml`` (name and ``supervised`` are set here).
    """

    check_name(name)
    if fmt not in ("parquet", "csv"):
        raise SftcastError(f"unknown format {fmt!r}; use parquet or csv")
    pred = get_predictor(predictor)
    supervised = bool(getattr(pred, "supervised", False))
    doc = {"name": name, "supervised": supervised, **(meta or {})}
    doc["supervised"] = supervised
    doc.setdefault("predictor", predictor)  # what ``sftcast submit verify`` runs again
    if not doc.get("proxies"):
        doc["proxies"] = _proxies_used(pred)
    meta_obj = SubmissionMeta.from_dict(doc, where="metadata")
    folder = Path(out_dir) / name
    if folder.exists() and any(folder.iterdir()):
        raise SftcastError(f"{folder} already exists and is not empty; remove it or pick another name")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suite_name in suites or list_suites():
        suite = load_suite(suite_name)
        try:
            frames = [predict(suite, get_predictor(predictor), "splits", OFFICIAL_SEED)]
        except SftcastError as exc:
            if "cannot serve" in str(exc) and not suites:  # covering every suite: skip those it cannot
                continue
            raise
        if not supervised:
            frames.append(predict(suite, get_predictor(predictor), "all-pairs", OFFICIAL_SEED))
        written.append(suite.name)
        budget = resolve_budget(suite, None)
        if budget is not None:  # the submission states the budget its predictions used
            meta_obj.budgets[suite.name] = str(budget)
        df = pd.concat(frames, ignore_index=True)
        df["prob_a_better"] = df["prob_a_better"].astype("float64")
        if fmt == "parquet":
            df.to_parquet(folder / f"{suite.name}.parquet", index=False, compression="zstd")
        else:
            df.to_csv(folder / f"{suite.name}.csv", index=False, float_format="%.6g")
    if not written:
        folder.rmdir()
        raise SftcastError(f"predictor {predictor!r} cannot serve any of the suites")
    (folder / "submission.yaml").write_text(
        yaml.safe_dump(meta_obj.to_dict(), sort_keys=False, allow_unicode=True)
    )
    return folder


def _proxies_used(pred: Any) -> list[str]:
    """Best effort: the proxies a predictor declares (``weights`` keys or a ``proxies`` attribute)."""

    weights = getattr(pred, "weights", None)
    if isinstance(weights, dict):
        return [str(k) for k in weights]
    if hasattr(pred, "proxies"):  # None means "all proxies"
        return [str(k) for k in (pred.proxies or PROXIES)]
    return []


def _predict(args: argparse.Namespace) -> int:
    meta = {
        "authors": args.authors or [],
        "url": args.url or "",
        "description": args.description or "",
    }
    folder = write_submission(args.predictor, args.name, args.out, args.suite, meta, args.format)
    print(f"wrote {folder}")
    return 0


def _score(args: argparse.Namespace) -> int:
    entry = score_submission(load_submission(args.dir), source="cli")
    for suite, by_protocol in sorted(entry.results.items()):
        for protocol, res in by_protocol.items():
            cells = "  ".join(
                f"{t} {r['accuracy']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
                for t, r in res["tasks"].items()
            )
            print(f"{entry.name}  {suite}  {protocol:9s}  mean {res['mean_accuracy']:.3f}  {cells}")
    if not args.no_store:
        store = ResultsStore(args.db or DEFAULT_DB)
        store.add(entry)
        print(f"stored in {store.path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    store = ResultsStore(args.db or DEFAULT_DB)
    entries = {e.name: e for e in store.entries()}
    for name in (args.a, args.b):
        if name not in entries:
            raise SftcastError(f"no submission named {name!r} in {store.path}")
    cells = sorted(
        {
            (suite, task)
            for name in (args.a, args.b)
            for suite, by_protocol in entries[name].results.items()
            for task in by_protocol.get(args.protocol, {}).get("tasks", {})
            if (not args.suite or suite in args.suite) and (not args.task or task in args.task)
        }
    )
    c = compare(store.credits(args.protocol), args.a, args.b, cells, n_boot=args.n_boot)
    lo, hi = c.ci95
    print(
        f"{c.a} - {c.b}: {c.difference:+.4f} mean accuracy, 95% CI [{lo:+.4f}, {hi:+.4f}] "
        f"(paired bootstrap over models, {args.n_boot} draws, {c.n_cells} suite x task cells, "
        f"{args.protocol})"
    )
    verdict = f"{c.a} is better" if lo > 0 else f"{c.b} is better" if hi < 0 else "tied: the CI holds 0"
    print(f"P({c.a} beats {c.b}) = {c.prob_a_better:.3f}; {verdict}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    v = reproduce(args.dir, timeout_s=args.timeout)
    store = ResultsStore(args.db or DEFAULT_DB)
    info = {
        "predictor": v.predictor,
        "code_sha256": v.code_sha256,
        "n_predictions": v.n_predictions,
        "max_abs_diff": v.max_abs_diff,
        "verified_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    store.mark_reproduced(v.name, load_submission(args.dir).sha256(), info)
    print(
        f"{v.name}: reproduced by {v.predictor} ({v.n_predictions} predictions, max |diff| "
        f"{v.max_abs_diff:.2g}); code sha256 {v.code_sha256[:16]}; marked in {store.path}"
    )
    return 0


def _space_build(args: argparse.Namespace) -> int:
    out = build_space(args.out)
    print(f"wrote the Space folder {out} (app.py, requirements.txt, README.md); see docs/leaderboard.md")
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from leaderboard.app import DEFAULT_DB, DEFAULT_SUBMISSIONS, serve

    serve(
        args.host,
        args.port,
        args.db or DEFAULT_DB,
        args.submissions or DEFAULT_SUBMISSIONS,
        results_repo=args.results_repo,
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``submit`` (``predict``, ``score``, ``compare``, ``verify``), ``space build`` and
    ``leaderboard``."""
    submit = sub.add_parser("submit", help="make or score a leaderboard submission")
    ssub = submit.add_subparsers(dest="submit_command", metavar="ACTION", required=True)

    p = ssub.add_parser(
        "predict", help="run a predictor under the official protocol and write a submission folder"
    )
    p.add_argument("--predictor", required=True, help="a built-in name or module:Class")
    p.add_argument("--name", required=True, help="submission name (letters, digits, . _ -)")
    p.add_argument("--suite", action="append", help="suite to cover (repeatable; default: all shipped)")
    p.add_argument("--out", default=str(REPO_SUBMISSIONS), help="parent folder (default: submissions/)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.add_argument("--authors", nargs="*", help="author names")
    p.add_argument("--url", help="a link to the method")
    p.add_argument("--description", help="one or two sentences")
    p.set_defaults(func=_predict)

    s = ssub.add_parser("score", help="validate and score a submission folder, then store the result")
    s.add_argument("dir", help="the submission folder")
    s.add_argument("--db", help="results store (default: out/leaderboard/results.sqlite)")
    s.add_argument("--no-store", action="store_true", help="only validate and print the scores")
    s.set_defaults(func=_score)

    c = ssub.add_parser(
        "compare", help="paired bootstrap over models of two stored submissions: difference, CI, P(A beats B)"
    )
    c.add_argument("a", help="submission A (a stored name)")
    c.add_argument("b", help="submission B")
    c.add_argument("--db", help="results store (default: out/leaderboard/results.sqlite)")
    c.add_argument("--protocol", choices=["splits", "all-pairs"], default="splits")
    c.add_argument("--suite", action="append", help="restrict to a suite (repeatable; default: all covered)")
    c.add_argument("--task", action="append", help="restrict to a task (repeatable)")
    c.add_argument("--n-boot", type=int, default=1000, help="bootstrap draws (default 1000)")
    c.set_defaults(func=_compare)

    v = ssub.add_parser(
        "verify",
        help="run a stored submission's predictor locally (its submission.yaml names it); mark it reproduced",
    )
    v.add_argument("dir", help="the submission folder (already scored into the store)")
    v.add_argument("--db", help="results store (default: out/leaderboard/results.sqlite)")
    v.add_argument("--timeout", type=float, default=1800, help="seconds the predictor may run (default 1800)")
    v.set_defaults(func=_verify)

    space = sub.add_parser("space", help="package the leaderboard as a Hugging Face Space")
    spsub = space.add_subparsers(dest="space_command", metavar="ACTION", required=True)
    sb = spsub.add_parser("build", help="write a ready Space folder (app.py, requirements.txt, README)")
    sb.add_argument("--out", required=True, help="the folder to write (absent or empty)")
    sb.set_defaults(func=_space_build)

    lb = sub.add_parser("leaderboard", help="serve the Gradio leaderboard")
    lb.add_argument("--host", default="127.0.0.1")
    lb.add_argument("--port", type=int, default=7860)
    lb.add_argument("--db", help="results store (default: out/leaderboard/results.sqlite)")
    lb.add_argument(
        "--submissions", help="folder of committed submissions to seed from (default: submissions/)"
    )
    lb.add_argument(
        "--results-repo",
        help="ORG/NAME of a Hub dataset repo (or a local folder) to restore the store from on start "
        "and mirror each accepted submission to (one JSON per submission)",
    )
    lb.set_defaults(func=_leaderboard)
