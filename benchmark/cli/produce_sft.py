"""``sftcast produce sft`` and ``sftcast produce tasks export``: a thin shell over
``benchmark.produce.sft`` and ``benchmark.produce.tasks``.

Heavy imports (torch, transformers, bm25s) happen inside the command functions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmark.cli.options import add_overrides_option, device_options, parse_overrides, resolve_device
from benchmark.core.errors import SftcastError
from benchmark.core.vocab import SCORE_KINDS, TASKS
from benchmark.harness.checks import check_causal_lm, check_device
from benchmark.produce.presets import get_preset
from benchmark.produce.sft import run_sft
from benchmark.produce.suite_runner import sft_variant, suite_tasks_dir
from benchmark.produce.tasks import build_tasks, export_tasks, task_stats
from benchmark.produce.world import World

TASK_CHOICES = ("cms", "rag", "cbqa", "all")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sft`` and ``tasks export`` to the ``sftcast produce`` parser."""
    p = sub.add_parser(
        "sft",
        parents=[device_options()],
        help="fine-tune a variant's checkpoint on a task and score its test split",
    )
    p.add_argument(
        "--preset", dest="suite", default="tiny", help="preset whose recipe and world to use (default: tiny)"
    )
    p.add_argument("--variant", type=int, default=None, help="variant number, 1..50 (its final checkpoint)")
    p.add_argument("--model", default=None, help="a save_pretrained folder instead of --variant")
    p.add_argument(
        "--data", default=None, help="exported tasks folder (default: the suite's, built on demand)"
    )
    p.add_argument("--task", choices=TASK_CHOICES, required=True, help="task, or all three")
    p.add_argument("--sft-seeds", type=int, default=1, help="SFT runs to average (default: 1)")
    p.add_argument("--seed", type=int, default=0, help="pre-training run and first SFT seed (default: 0)")
    p.add_argument("--world-seed", type=int, default=0, help="seed of the world and its tasks (default: 0)")
    p.add_argument("--out", default="runs", help="runs folder (default: runs)")
    p.add_argument(
        "--init",
        choices=("pretrained", "scratch"),
        default="pretrained",
        help="scratch: random weights, same recipe (the no-pre-training baseline)",
    )
    p.add_argument(
        "--evaluator",
        choices=("auto", "harness", "direct"),
        default="auto",
        help="lm-eval harness, direct torch scoring, or auto (harness when installed)",
    )
    add_overrides_option(p, "recipe", "steps=50")
    p.set_defaults(func=cmd_sft)

    tasks = sub.add_parser("tasks", help="the CMS, RAG and CBQA task files generated from a world")
    tsub = tasks.add_subparsers(dest="tasks_command", metavar="SUBCOMMAND", required=True)
    p = tsub.add_parser("export", help="write <dir>/<task>/<subset>/<split>.jsonl and print their sizes")
    p.add_argument("--preset", dest="suite", default="tiny", help="preset whose world to use (default: tiny)")
    p.add_argument("--world-seed", type=int, default=0, help="seed of the world and its tasks (default: 0)")
    p.add_argument("--dir", required=True, help="output folder")
    p.set_defaults(func=cmd_tasks_export)


def _overrides(items: list[str]) -> dict[str, float | int]:
    """``--set key=value`` pairs (parsed as for pre-training) with numeric values."""
    out: dict[str, float | int] = {}
    for key, value in parse_overrides(items).items():
        try:
            number = float(value)
        except ValueError as exc:
            raise SftcastError(f"--set {key}: expected a number, got {value!r}") from exc
        out[key] = int(number) if number.is_integer() and "." not in value else number
    return out


def cmd_sft(args: argparse.Namespace) -> int:
    tasks = list(TASKS) if args.task == "all" else [args.task]
    overrides = _overrides(args.overrides)
    if (args.variant is None) == (args.model is None):
        raise SftcastError("give exactly one of --variant N or --model PATH")

    check_device(args.device)
    if args.model is not None:
        check_causal_lm(args.model)
    common = {"seed": args.seed, "sft_seeds": args.sft_seeds, "init": args.init,
              "device": resolve_device(args.device), "evaluator": args.evaluator, **overrides}  # fmt: skip
    if args.variant is None:
        data = args.data or suite_tasks_dir(args.suite, args.out, args.world_seed)
    for task in tasks:
        if args.variant is not None:
            result = sft_variant(
                args.suite, args.variant, task, out=args.out, world_seed=args.world_seed, **common
            )
        else:
            result = run_sft(args.model, task, data, preset=args.suite, **common)
        keys = ("task", "init", "score", "paper_metric", *SCORE_KINDS, "seed_std", "time_s")
        print(json.dumps({k: result.get(k) for k in keys}))
    return 0


def cmd_tasks_export(args: argparse.Namespace) -> int:
    world = World.generate(get_preset(args.suite).world, seed=args.world_seed)
    tasks = build_tasks(world, seed=args.world_seed)
    out = export_tasks(tasks, Path(args.dir))
    for name, stats in task_stats(tasks).items():
        print(json.dumps({"subset": name, **stats}))
    print(f"wrote {out}")
    return 0
