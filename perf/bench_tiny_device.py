"""One tiny variant end to end on a device: pre-training and SFT timed, outcomes against the CPU record.

    python perf/bench_tiny_device.py --device cuda --variant 3 --task cms

Pre-trains variant ``--variant`` of the tiny suite (seed 0) on ``--device``, fine-tunes its final
checkpoint on ``--task`` with the suite's recipe (direct evaluator: lm-eval is not needed), and
prints each phase's seconds with the final training loss and the SFT scores beside those of the
committed CPU record (``benchmark/suites/records/tiny/seed0/vNN.json``). Kernels differ between
devices, so the numbers are close, not identical; the table shows the differences. ``--steps``
shortens both runs (a smoke test; then the record is no reference). The run goes to its own
folder (``--out``, default ``runs/bench_device``), never into the suite runner's: a folder that
already holds this variant's run is refused.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from benchmark.core.vocab import SCORE_KINDS
from benchmark.produce.presets import pretrain_variant, suite_dir
from benchmark.produce.run_layout import list_checkpoints, loss_stats
from benchmark.produce.sft import run_sft
from benchmark.produce.suite_runner import RECORDS_DIR, RunSettings, data_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cuda")
    ap.add_argument("--variant", type=int, default=3)
    ap.add_argument("--task", choices=("cms", "rag", "cbqa"), default="cms")
    ap.add_argument("--out", default="runs/bench_device", help="runs folder (default: runs/bench_device)")
    ap.add_argument("--steps", type=int, default=None, help="pre-training and SFT steps (smoke test)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # as the suite's lanes
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU, 1 thread"
    overrides = {"max_steps": args.steps} if args.steps else {}
    sft_overrides = {"steps": args.steps} if args.steps else {}

    run = suite_dir("tiny", args.out, 0) / f"v{args.variant:02d}"
    if run.exists():
        raise SystemExit(f"{run} exists: give --out a folder without this variant's run")
    t0 = time.perf_counter()
    summary = pretrain_variant("tiny", args.variant, args.out, device=args.device, overrides=overrides,
                               progress_bar=False, resume=False)  # fmt: skip
    pretrain_s = time.perf_counter() - t0
    final = list_checkpoints(run)[-1][1]
    t1 = time.perf_counter()
    result = run_sft(final, args.task, data_dir(RunSettings(out=args.out)), preset="tiny",
                     device=args.device, evaluator="direct", **sft_overrides)  # fmt: skip
    sft_s = time.perf_counter() - t1

    record = json.loads((RECORDS_DIR / "tiny" / "seed0" / f"v{args.variant:02d}.json").read_text())
    mine = {"final_loss": loss_stats(run / "loss.jsonl")["final_loss"],
            **{k: result[k] for k in SCORE_KINDS if result.get(k) is not None}}  # fmt: skip
    cpu = {"final_loss": record["pretrain"]["final_loss"],
           **{k: record["sft"][args.task].get(k) for k in mine if k != "final_loss"}}  # fmt: skip
    print(f"tiny variant {args.variant} on {name}: {summary['step']} pre-training steps, "
          f"{args.task} SFT {result['recipe']['steps']} steps")  # fmt: skip
    print(f"seconds: pre-training {pretrain_s:.1f} (of which {summary.get('session_s', 0):.1f} in the loop), "
          f"SFT + evaluation {sft_s:.1f}")  # fmt: skip
    print("| value | this device | CPU record | difference |\n|---|---|---|---|")
    for key, value in mine.items():  # a record older than a score kind lacks it
        theirs = "n/a" if cpu[key] is None else f"{cpu[key]:.4f} | {value - cpu[key]:+.4f}"
        print(f"| {key} | {value:.4f} | {theirs} |")


if __name__ == "__main__":
    main()
