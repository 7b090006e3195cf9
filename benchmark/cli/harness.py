"""``sftcast proxies`` and ``sftcast rank``: proxies of any causal-LM checkpoint, through lm-eval,
and the ranking of a user's candidates by the leaderboard's best predictor.

Thin shells over ``benchmark.harness.compute_proxies`` and ``benchmark.harness.rank.rank_checkpoints``;
torch, lm_eval and lightgbm load inside the commands. ``proxies`` prints the equivalent ``lm_eval``
command to stderr (see ``benchmark.harness.evaluator``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

from benchmark.cli.options import device_options, harness_options, resolve_device
from benchmark.core.errors import SftcastError
from benchmark.core.schema import list_suites, load_suite
from benchmark.core.vocab import PROXIES, TASKS
from benchmark.harness import compute_proxies
from benchmark.harness.checks import check_causal_lm, check_device
from benchmark.harness.paper import compute_paper_proxies
from benchmark.harness.rank import (
    DEFAULT_TRAIN_SUITE,
    SCALE_NOTES,
    check_loadable,
    format_ranking,
    rank_checkpoints,
    ranking_record,
)
from benchmark.produce.harness_data import default_data_dir
from benchmark.produce.sft import load_model


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``proxies`` to the ``sftcast`` parser."""
    p = sub.add_parser(
        "proxies",
        parents=[device_options(), harness_options()],
        help="the five pre-SFT proxies of a causal-LM checkpoint (folder or Hub id), via lm-eval",
    )
    p.add_argument("--model", required=True, help="a checkpoint folder or Hub id loadable by transformers")
    p.add_argument(
        "--data",
        default=None,
        help="'paper': the paper's real datasets, by Hub id or from --data-dir (docs/own-checkpoints.md); "
        "or a data folder: heldout_text.jsonl + <task>/<subset>/<split>.jsonl "
        "(default: runs/proxy_data/WORLD-seedWORLD_SEED, written from the world when missing)",
    )
    add_paper_options(p)
    p.add_argument("--world", default="tiny", help="world size of the default data folder (default: tiny)")
    p.add_argument("--world-seed", type=int, default=0, help="world of the default data folder (default: 0)")
    p.add_argument("--out", default=None, help="write the JSON record here (default: stdout)")
    p.add_argument("--split", default="dev", help="split the k-shot proxies evaluate (default: dev)")
    p.add_argument(
        "--proxies",
        default=",".join(PROXIES),
        help="comma-separated proxy names (default: all five)",
    )
    p.add_argument(
        "--tasks-dir",
        default=None,
        help="where to render the lm-eval tasks "
        "(default: DATA/lm_eval_tasks/SPLIT, or SPLIT-P1+P2... for a --proxies set)",
    )
    p.add_argument(
        "--random-init",
        type=int,
        default=None,
        metavar="SEED",
        help="measure a randomly initialised model of MODEL's architecture and tokenizer instead "
        "(torch seed SEED): the no-pre-training floor each proxy must rise above",
    )
    p.add_argument(
        "--save-init", default=None, metavar="DIR", help="with --random-init: keep that model in DIR"
    )
    p.set_defaults(func=cmd_proxies)

    p = sub.add_parser(
        "rank",
        parents=[device_options(), harness_options()],
        help="rank candidate checkpoints for fine-tuning on a task: proxies + a trained LTC predictor",
        description="Compute the five proxies of each model, fit ltc_lightgbm on all models of a "
        "training suite (its SFT scores on --task), predict every pair of your models and print the "
        "Borda ranking with each model's mean pairwise win probability. Limitation: the predictor "
        "reads raw proxy values, and a tree model does not extrapolate. Proxies of a suite at another "
        "scale (zeng2025: 1B models, 1/ppl ~0.38) lie far from small checkpoints' (1/ppl ~0.01-0.1): "
        "outside the training range every model looks alike, and the ranking carries little "
        "information. Train on a suite at your models' scale (the tiny suite for tiny checkpoints).",
    )
    p.add_argument("--models", nargs="+", required=True, metavar="MODEL",
                   help="two or more checkpoint folders or Hub ids loadable by transformers")  # fmt: skip
    p.add_argument(
        "--task",
        default=None,
        help="cms, rag or cbqa: the SFT outcome to predict (with --data paper, default: each in turn)",
    )
    p.add_argument(
        "--suite-train",
        "--suite",
        default=None,
        help="suite name or YAML/CSV path whose models and SFT scores train the predictor, with the same "
        "proxies (default: zeng2025 with --data paper; else tiny when it is shipped, else zeng2025)",
    )
    p.add_argument("--predictor", default="ltc_lightgbm", help="(default: ltc_lightgbm)")
    p.add_argument(
        "--data",
        default=None,
        help="'paper': proxies on the paper's real datasets (as zeng2025 measured them); or a proxy "
        "data folder (default: runs/proxy_data/tiny-seed0, written if missing)",
    )
    add_paper_options(p)
    p.add_argument("--tasks-dir", default=None, help="with --data paper: where data and tasks are written")
    p.add_argument("--out", default=None, help="also write the ranking, pairs and proxies as JSON here")
    p.set_defaults(func=cmd_rank)


def add_paper_options(p: argparse.ArgumentParser) -> None:
    """The options of ``--data paper``."""
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="with --data paper: local copies laid out as tests/fixtures/real (DIR/<dataset>/train.jsonl, "
        "validation.jsonl, DIR/slimpajama/test.jsonl) instead of the Hub",
    )
    p.add_argument(
        "--heldout",
        default=None,
        metavar="PATH_OR_REPO_ID",
        help="with --data paper: the held-out corpus of PPL-CLM and PPL-SC, a Hub id or a local "
        "file/folder with `text` rows (default: DKYoon/SlimPajama-6B, or DIR/slimpajama with --data-dir)",
    )
    p.add_argument("--heldout-split", default=None, help="its split (default: test)")
    p.add_argument("--heldout-docs", type=int, default=None, help="its first N documents (default: 1000)")


def cmd_proxies(args: argparse.Namespace) -> int:
    paper = args.data == "paper"
    if not paper and (args.data_dir or args.heldout or args.heldout_split or args.heldout_docs):
        raise SftcastError("--data-dir and --heldout* go with --data paper")
    if paper:
        data = None
    elif args.data is None:
        data = default_data_dir(args.world, args.world_seed)
    else:
        data = Path(args.data)
        if not data.is_dir():
            raise SftcastError(f"data folder {data} not found (omit --data to write the default one)")
    proxies = [p.strip() for p in args.proxies.split(",") if p.strip()]
    check_device(args.device)
    check_causal_lm(args.model)
    if paper and args.proxies != ",".join(PROXIES):
        raise SftcastError("--data paper computes the five proxies: drop --proxies")
    if paper and args.random_init is None:
        record = _compute_paper(args, args.model)
    elif args.random_init is None:
        record = _compute(args, args.model, data, proxies)
    else:
        record = _random_init_proxies(args, data, proxies)
    print("equivalent: " + shlex.join(record["lm_eval_command"]), file=sys.stderr)
    text = json.dumps(record, indent=2, default=str)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
        summary = {k: record[k] for k in record if k not in ("detail", "config", "lm_eval_command", "data")}
        print(json.dumps(summary, indent=2))
    else:
        print(text)
    return 0


def _random_init_proxies(args: argparse.Namespace, data: Path, proxies: list[str]) -> dict:
    """Proxies of MODEL's architecture and tokenizer with random weights (torch seed --random-init).

    The model is written to --save-init, or to a temporary folder whose path the record then
    names as ``RANDOM_INIT(MODEL, seed=N)`` (it no longer exists).
    """

    with tempfile.TemporaryDirectory() as tmp:
        folder = str(Path(args.save_init or Path(tmp) / "random-init"))
        net, tok = load_model(args.model, init="scratch", seed=args.random_init)
        net.save_pretrained(folder)
        tok.save_pretrained(folder)
        record = _compute(args, folder, data, proxies)
    if not args.save_init:
        name = f"RANDOM_INIT({args.model}, seed={args.random_init})"
        record = json.loads(json.dumps(record, default=str).replace(json.dumps(folder)[1:-1], name))
    record["random_init"] = {"architecture_of": args.model, "seed": args.random_init, "saved": args.save_init}
    return record


def _compute_paper(args: argparse.Namespace, model: str) -> dict:
    return compute_paper_proxies(
        model,
        args.data_dir,
        tasks_dir=args.tasks_dir,
        device=resolve_device(args.device),
        limit=args.limit,
        batch_size=args.batch_size,
        heldout=args.heldout,
        heldout_split=args.heldout_split,
        heldout_docs=args.heldout_docs,
        backend=args.backend,
    )


def _compute(args: argparse.Namespace, model: str, data: Path | None, proxies: list[str]) -> dict:
    if data is None:
        return _compute_paper(args, model)

    return compute_proxies(
        model,
        data,
        device=resolve_device(args.device),
        limit=args.limit,
        batch_size=args.batch_size,
        proxies=proxies,
        split=args.split,
        tasks_dir=args.tasks_dir,
        backend=args.backend,
    )


def cmd_rank(args: argparse.Namespace) -> int:
    check_device(args.device)
    paper = args.data == "paper"
    if not paper and (args.data_dir or args.heldout or args.heldout_split or args.heldout_docs):
        raise SftcastError("--data-dir and --heldout* go with --data paper")
    if args.task is None and not paper:
        raise SftcastError("give --task cms, rag or cbqa (or --data paper to rank for each)")
    if paper:
        suite = args.suite_train or DEFAULT_TRAIN_SUITE
    else:
        suite = args.suite_train or ("tiny" if "tiny" in list_suites() else DEFAULT_TRAIN_SUITE)
    tasks = [args.task] if args.task else list(TASKS)
    given = None
    if paper:
        load_suite(suite)  # fail on an unknown suite before measuring anything
        for model in args.models:
            check_loadable(model)
        given = {}
        for model in args.models:
            print(f"measuring {model} on the paper's datasets", file=sys.stderr)
            given[model] = _compute_paper(args, model)
    tables, records = [], []
    for task in tasks:
        table = rank_checkpoints(
            args.models,
            task,
            suite_train=suite,
            data_dir=None if paper else (args.data or default_data_dir),
            device=resolve_device(args.device),
            predictor=args.predictor,
            limit=args.limit,
            batch_size=args.batch_size,
            proxies=given,
        )
        tables.append(format_ranking(table))
        records.append(ranking_record(table))
    print("\n\n".join(tables))
    note = SCALE_NOTES.get(load_suite(suite).name)
    if note:
        print(f"\nnote: {note}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        record = records[0] if len(records) == 1 else {"rankings": records}
        if given is not None:
            record["proxies"] = {m: {k: v for k, v in r.items() if k != "detail"} for m, r in given.items()}
        Path(args.out).write_text(json.dumps(record, indent=2, default=str) + "\n")
    return 0
