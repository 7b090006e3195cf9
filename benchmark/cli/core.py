"""Core commands: suites, predictors, evaluate, report, dataset build/push."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmark.core.errors import SftcastError
from benchmark.core.evaluate import evaluate
from benchmark.core.predictors import get_predictor, list_predictors
from benchmark.core.protocol import PROTOCOLS
from benchmark.core.schema import list_suites, load_suite
from benchmark.core.suite_validate import summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suites", help="list the shipped suites, or validate a suite of your own")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_suites)
    ssub = p.add_subparsers(dest="suites_command", metavar="COMMAND")
    v = ssub.add_parser("validate", help="check a suite declaration (YAML + CSV) anywhere on disk")
    v.add_argument("path", type=Path, help="the suite's YAML file")
    v.set_defaults(func=cmd_suites_validate)

    p = sub.add_parser("predictors", help="list the built-in predictors")
    p.set_defaults(func=cmd_predictors)

    p = sub.add_parser("evaluate", help="score a predictor on a suite under a protocol")
    p.add_argument("--suite", default="zeng2025", help="suite name or path to a suite YAML/CSV")
    p.add_argument(
        "--predictor", required=True, help="a built-in name (see `sftcast predictors`) or module:Class"
    )
    p.add_argument("--protocol", choices=PROTOCOLS, default="all-pairs")
    p.add_argument("--seed", type=int, default=0, help="seed of the model splits and the bootstrap")
    p.add_argument(
        "--budget", help="data budget for probe signals, a fraction such as 1/64 (default: the suite's)"
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--out", type=Path, help="also write the JSON result to this file")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "report", help="write the paper's tables (markdown) and plots (PNG) as we compute them"
    )
    p.add_argument("--suite", default="zeng2025")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: reports/<suite>)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_report)

    ds = sub.add_parser("dataset", help="build or push the Hub-ready pair dataset")
    dsub = ds.add_subparsers(dest="dataset_command", metavar="COMMAND", required=True)
    p = dsub.add_parser("build", help="write parquet files and a README.md card with configs")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--suite", action="append", help="suite(s) to include (default: all)")
    p.set_defaults(func=cmd_dataset_build)
    p = dsub.add_parser("push", help="upload a built folder to a Hub dataset repo (needs a token)")
    p.add_argument("--repo-id", required=True, help="ORG/NAME")
    p.add_argument("--folder", type=Path, required=True, help="a folder written by `sftcast dataset build`")
    p.add_argument("--private", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="list what would be uploaded, upload nothing")
    p.set_defaults(func=cmd_dataset_push)


def cmd_suites(args: argparse.Namespace) -> int:
    rows = []
    for name in list_suites():
        s = load_suite(name)
        rows.append({"suite": name, "models": len(s.models), "tasks": s.tasks, "proxies": s.proxies})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            tasks, proxies = ",".join(r["tasks"]), ",".join(r["proxies"])
            print(f"{r['suite']:<12} {r['models']:>4} models  tasks: {tasks}  proxies: {proxies}")
    return 0


def cmd_suites_validate(args: argparse.Namespace) -> int:
    if args.path.suffix not in (".yaml", ".yml"):
        raise SftcastError(f"{args.path}: expected a suite declaration, a .yaml file")
    if not args.path.exists():
        raise SftcastError(f"{args.path}: no such file")
    print(summary(args.path))
    return 0


def cmd_predictors(args: argparse.Namespace) -> int:
    for name in list_predictors():
        pred = get_predictor(name)
        kind = "supervised" if pred.supervised else "unsupervised"
        print(f"{name:<24} {kind:<13} {pred!r}")
    return 0


def format_table(result: dict[str, Any]) -> str:
    """A human-readable summary of a results dict."""
    head = f"suite {result['suite']}  protocol {result['protocol']}  seed {result['seed']}"
    if result.get("budget"):
        head += f"  budget {result['budget']}"
    if "predictor" in result:
        head = f"predictor {result['predictor']['name']}  " + head
    lines = [head]
    if "cross_task" in result:
        tasks = list(result["cross_task"])
        lines.append("trained on \\ tested on  " + "  ".join(f"{t:>12}" for t in tasks))
        for tr, row in result["cross_task"].items():
            cells = [f"{row[t]['accuracy']:.3f}±{row[t]['accuracy_std']:.3f}" for t in tasks]
            lines.append(f"{tr:<23} " + "  ".join(f"{c:>12}" for c in cells))
        return "\n".join(lines)
    lines.append(
        f"{'task':<6} {'accuracy':>14} {'95% CI':>16} {'err.red. vs PPL-CLM':>20} {'tau':>6} {'best rank':>9}"
    )
    for task, r in result["tasks"].items():
        acc = f"{r['accuracy']:.3f}" + (f"±{r['accuracy_std']:.3f}" if r["accuracy_std"] is not None else "")
        ci = f"[{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
        red = r["error_reduction_vs_ppl_clm"]
        red_s = f"{red:+.3f}" if red is not None else "—"
        lines.append(
            f"{task:<6} {acc:>14} {ci:>16} {red_s:>20} {r['kendall_tau']:>6.3f} {r['best_model_rank']:>9.1f}"
        )
    lines.append(f"mean accuracy {result['mean_accuracy']:.3f}")
    for task, r in result["tasks"].items():
        if r.get("models_without_label"):
            lines.append(f"{task}: {r['models_without_label']} model(s) without a label, left out")
    return "\n".join(lines)


def cmd_evaluate(args: argparse.Namespace) -> int:
    suite = load_suite(args.suite)
    predictor = get_predictor(args.predictor)
    result = evaluate(
        suite, predictor, args.protocol, args.seed, progress=sys.stderr.isatty(), budget=args.budget
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2) if args.format == "json" else format_table(result))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from benchmark.analysis.report import write_report  # matplotlib: loaded only by this command
    suite = load_suite(args.suite)
    path = write_report(
        suite, args.out or Path("reports") / suite.name, args.seed, progress=sys.stderr.isatty()
    )
    print(path.read_text())
    print(f"wrote {path} and its plots", file=sys.stderr)
    return 0


def cmd_dataset_build(args: argparse.Namespace) -> int:
    from benchmark.analysis.dataset import (  # matplotlib: loaded only by this command
        build_dataset,
        dataset_files,
    )
    out = build_dataset(args.out, args.suite)
    for f in dataset_files(out):
        print(out / f)
    return 0


def cmd_dataset_push(args: argparse.Namespace) -> int:
    from benchmark.analysis.dataset import push_dataset  # matplotlib: loaded only by this command
    files = push_dataset(args.folder, args.repo_id, private=args.private, dry_run=args.dry_run)
    verb = "would upload" if args.dry_run else "uploaded"
    print(f"{verb} {len(files)} file(s) to datasets/{args.repo_id}:")
    for f in files:
        print(f"  {f}")
    return 0
