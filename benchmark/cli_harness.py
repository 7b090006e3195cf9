"""``sftcast proxies``: the five proxies of any causal-LM checkpoint, through lm-eval.

A thin shell over ``benchmark.harness.compute_proxies``; torch and lm_eval load inside the command.
The equivalent ``lm_eval`` command is printed to stderr (see ``benchmark.harness.runner``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``proxies`` to the ``sftcast`` parser."""
    p = sub.add_parser(
        "proxies", help="the five pre-SFT proxies of a causal-LM checkpoint (folder or Hub id), via lm-eval"
    )
    p.add_argument("--model", required=True, help="a checkpoint folder or Hub id loadable by transformers")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="(default: cpu)")
    p.add_argument(
        "--data",
        default=None,
        help="data folder: heldout_text.jsonl + <family>/<subset>/<split>.jsonl "
        "(default: runs/proxy_data/WORLD-seedSEED, written from the world when missing)",
    )
    p.add_argument("--world", default="tiny", help="world size of the default data folder (default: tiny)")
    p.add_argument("--seed", type=int, default=0, help="world seed of the default data folder (default: 0)")
    p.add_argument("--out", default=None, help="write the JSON record here (default: stdout)")
    p.add_argument(
        "--limit", type=int, default=None, help="at most N documents per lm-eval task (tests only)"
    )
    p.add_argument("--batch-size", type=int, default=8, help="(default: 8)")
    p.add_argument("--split", default="dev", help="split the k-shot proxies evaluate (default: dev)")
    p.add_argument(
        "--proxies",
        default="ppl_clm,ppl_sc,kshot_cms,kshot_rag,kshot_cbqa",
        help="comma-separated proxy names (default: all five)",
    )
    p.add_argument(
        "--tasks-dir",
        default=None,
        help="where to render the lm-eval tasks (default: DATA/lm_eval_tasks/SPLIT)",
    )
    p.set_defaults(func=cmd_proxies)


def cmd_proxies(args: argparse.Namespace) -> int:
    from benchmark.errors import SftcastError
    from benchmark.harness import compute_proxies, prepare_data
    from benchmark.harness.runner import HELDOUT_FILE

    if args.data is None:
        data = Path("runs/proxy_data") / f"{args.world}-seed{args.seed}"
        if not (data / HELDOUT_FILE).is_file():
            prepare_data(args.world, args.seed, data)
            print(f"wrote {data} (world {args.world}, seed {args.seed})", file=sys.stderr)
    else:
        data = Path(args.data)
        if not data.is_dir():
            raise SftcastError(f"data folder {data} not found (omit --data to write the default one)")
    proxies = [p.strip() for p in args.proxies.split(",") if p.strip()]
    record = compute_proxies(
        args.model,
        data,
        device=args.device,
        limit=args.limit,
        batch_size=args.batch_size,
        proxies=proxies,
        split=args.split,
        tasks_dir=args.tasks_dir,
    )
    print("equivalent: " + shlex.join(record["lm_eval_command"]), file=sys.stderr)
    text = json.dumps(record, indent=2, default=str)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
        summary = {k: record[k] for k in record if k not in ("detail", "config", "lm_eval_command")}
        print(json.dumps(summary, indent=2))
    else:
        print(text)
    return 0
