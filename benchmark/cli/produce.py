"""``sftcast produce ...``: the suite producer's verbs, a thin shell over ``benchmark.produce``.

Heavy imports (torch, transformers) happen inside the command functions, so ``sftcast --help``
stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmark.analysis.noise import format_noise, noise_table
from benchmark.cli import produce_sft
from benchmark.cli.options import add_overrides_option, device_options, parse_overrides, resolve_device
from benchmark.core.errors import SftcastError
from benchmark.core.schema import suite_declaration
from benchmark.harness.checks import check_device
from benchmark.produce.collect import collect_suite, records_frame
from benchmark.produce.presets import PRESETS, get_preset, get_variant, plan, pretrain_variant, slurm_script
from benchmark.produce.suite_runner import (
    RECORDS_DIR,
    RunSettings,
    load_records,
    outdated,
    pending,
    run_suite,
)

PRESET_HELP = f"preset: {', '.join(PRESETS.names())} (default: tiny)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``produce`` (plan, run, pretrain, sft, collect, noise, slurm, tasks) to the ``sftcast`` parser."""
    produce = sub.add_parser(
        "produce", help="make a suite: plan, run, pretrain, sft, collect, noise, slurm, tasks"
    )
    ssub = produce.add_subparsers(dest="produce_command", metavar="SUBCOMMAND", required=True)

    p = ssub.add_parser("plan", help="print the 50 variants of a preset, learning rates mapped to it")
    p.add_argument("--preset", dest="suite", default="tiny", help=PRESET_HELP)
    p.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    p.set_defaults(func=cmd_plan)

    p = ssub.add_parser("slurm", help="write a Slurm job-array script, one array task per variant")
    p.add_argument("--preset", dest="suite", default="paper1b", help="preset (default: paper1b)")
    p.add_argument("--variants", default="1-50", help="Slurm array spec (default: 1-50)")
    p.add_argument("--nodes", type=int, default=4, help="nodes per variant (default: 4)")
    p.add_argument("--gpus-per-node", type=int, default=8, help="GPUs per node (default: 8)")
    p.add_argument("--time", default="48:00:00", help="Slurm time limit per task (default: 48:00:00)")
    p.add_argument("--partition", default=None, help="Slurm partition")
    p.add_argument("--runs", default="runs", help="run folder on the cluster (default: runs)")
    p.add_argument("--seed", type=int, default=0, help="world, data and init seed (default: 0)")
    p.add_argument("--out", default=None, help="write the script here (default: stdout)")
    p.set_defaults(func=cmd_slurm)

    p = ssub.add_parser(
        "run",
        parents=[device_options()],
        help="the resumable suite runner: pre-train, proxies, SFT and a committed record per variant",
        description="Run every variant (and the noise seeds) that has no record yet; a killed run continues "
        "from the records and the run folders' caches. When the whole suite and its noise seeds have "
        "records in the default records folder, the suite's tables are written as by "
        "`sftcast produce collect`.",
    )
    p.add_argument("--preset", dest="suite", default="tiny", help=PRESET_HELP)
    p.add_argument("--variants", default="1-50", help="variants to run, e.g. 1-50 or 1,3,8 (default: 1-50)")
    p.add_argument("--seeds", default="0", help="pre-training/SFT seeds of every variant (default: 0)")
    p.add_argument(
        "--noise-seeds",
        default=None,
        help="extra seeds for the suite's noise_variants (its YAML), e.g. 1; default: the YAML's noise_seeds",
    )
    p.add_argument("--no-noise", action="store_true", help="skip the extra seeds of the noise estimate")
    p.add_argument(
        "--world-seed", type=int, default=0, help="seed of the world, corpus and tasks (default: 0)"
    )
    p.add_argument("--sft-seeds", type=int, default=1, help="SFT runs averaged per checkpoint (default: 1)")
    p.add_argument("--jobs", type=int, default=None, help="parallel lanes (default: the number of cores)")
    p.add_argument("--out", default="runs", help="run folders: weights and caches (default: runs)")
    p.add_argument("--records", default=None, help="record folder (default: benchmark/suites/records)")
    p.add_argument("--git-commit", action="store_true", help="git-commit each record as it lands")
    p.set_defaults(func=cmd_suite_run)

    p = ssub.add_parser("collect", help="build the suite's CSV tables from its records")
    p.add_argument("--preset", dest="suite", default="tiny")
    p.add_argument("--records", default=None, help="record folder (default: benchmark/suites/records)")
    p.set_defaults(func=cmd_suite_collect)

    p = ssub.add_parser("noise", help="seed noise of the SFT scores: spread, seed std, ratio, label flips")
    p.add_argument("--preset", dest="suite", default="tiny")
    p.add_argument("--variants", default=None, help="only these variants, e.g. 1,3,13,38 (default: all)")
    p.add_argument("--records", default=None, help="record folder (default: benchmark/suites/records)")
    p.set_defaults(func=cmd_suite_noise)

    produce_sft.register(ssub)

    p = ssub.add_parser(
        "pretrain",
        parents=[device_options()],
        help="pre-train one variant of a suite (world or SlimPajama -> objective -> loop)",
    )
    p.add_argument("--preset", dest="suite", default="tiny", help=PRESET_HELP)
    p.add_argument(
        "--variant", type=int, required=True, help="variant number, 1..50 (see `sftcast produce plan`)"
    )
    p.add_argument(
        "--out", default="runs", help="runs folder; the run goes to OUT/SUITE/seedS/vNN (default: runs)"
    )
    p.add_argument("--seed", type=int, default=0, help="initialisation and data-order seed (default: 0)")
    p.add_argument(
        "--world-seed", type=int, default=None, help="world, corpus and tokenizer seed (default: --seed)"
    )
    p.add_argument("--n-tokens", type=int, default=None, help="corpus token budget (default: the preset's)")
    p.add_argument(
        "--data",
        default=None,
        metavar="PATH_OR_REPO_ID",
        help="'world', or a SlimPajama-schema parquet/jsonl file, folder or Hub id, streamed once into "
        "an on-disk token file (default: the preset's: world; cerebras/SlimPajama-627B for paper1b)",
    )
    p.add_argument(
        "--tokenizer",
        default=None,
        metavar="PATH_OR_REPO_ID",
        help="any AutoTokenizer instead of the suite BPE; the objectives' special tokens are added",
    )
    add_overrides_option(p, "TrainConfig", "max_steps=100")
    p.add_argument("--no-resume", action="store_true", help="start over even if a resume state exists")
    p.add_argument(
        "--max-steps-this-session", type=int, default=None, help="stop (resumably) after this many steps"
    )
    p.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    p.set_defaults(func=cmd_pretrain)


def cmd_plan(args: argparse.Namespace) -> int:
    variants = plan(args.suite)
    if args.json:
        for v in variants:
            print(json.dumps(v.to_dict()))
        return 0
    print(
        f"{'id':>3}  {'objective':<9} {'mixture':<7} {'paper lr':>8} {'lr':>8}  {'tagging':<7} length_filter"
    )
    for v in variants:
        print(
            f"{v.id:>3}  {v.objective:<9} {v.data_mixture:<7} {v.paper_learning_rate:>8.2e} "
            f"{v.learning_rate:>8.2e}  {str(v.domain_tagging).lower():<7} {v.length_filter}"
        )
    return 0


def cmd_slurm(args: argparse.Namespace) -> int:
    text = slurm_script(
        suite=args.suite,
        variants=args.variants,
        nodes=args.nodes,
        gpus_per_node=args.gpus_per_node,
        time_limit=args.time,
        partition=args.partition,
        out=args.runs,
        seed=args.seed,
    )
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: submit with `sbatch {args.out}`", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    from benchmark.produce.pretrain import TrainConfig

    get_variant(args.suite, args.variant)  # fail fast on an unknown suite or variant
    check_device(args.device)
    overrides = parse_overrides(args.overrides)
    TrainConfig(**get_preset(args.suite).train).replace(**overrides)  # fail fast on bad overrides
    summary = pretrain_variant(
        args.suite,
        args.variant,
        out=args.out,
        seed=args.seed,
        world_seed=args.world_seed,
        device=None if args.device == "auto" else args.device,
        overrides=overrides,
        n_tokens=args.n_tokens,
        resume=not args.no_resume,
        max_steps_this_session=args.max_steps_this_session,
        progress_bar=not args.no_progress,
        data=args.data,
        tokenizer=args.tokenizer,
    )
    keys = (
        "finished",
        "step",
        "first_loss",
        "final_loss",
        "loss_slope_last20pct",
        "tokens_per_s",
        "session_s",
    )
    if os.environ.get("RANK", "0") == "0":  # one summary line under torchrun / accelerate launch
        print(json.dumps({k: summary.get(k) for k in keys}))
    return 0


def parse_ids(spec: str) -> list[int]:
    """``"1-3,7"`` -> ``[1, 2, 3, 7]``."""

    ids: list[int] = []
    try:
        for part in spec.split(","):
            lo, _, hi = part.strip().partition("-")
            ids += list(range(int(lo), int(hi or lo) + 1))
    except ValueError as exc:
        raise SftcastError(f"expected ids like 1-50 or 1,3,8; got {spec!r}") from exc
    return ids


def cmd_suite_run(args: argparse.Namespace) -> int:
    variants = parse_ids(args.variants)
    for v in variants:
        get_variant(args.suite, v)  # fail fast on an unknown suite or variant
    settings = RunSettings(
        suite=args.suite, world_seed=args.world_seed, sft_seeds=args.sft_seeds,
        device=resolve_device(args.device),
        out=args.out, records=args.records or str(RECORDS_DIR),
    )  # fmt: skip
    noise_variants, noise_seeds = [], []
    if not args.no_noise:
        decl = suite_declaration(args.suite)
        noise_variants = [v for v in decl.get("noise_variants", []) if v in variants]
        noise_seeds = parse_ids(args.noise_seeds) if args.noise_seeds else list(decl.get("noise_seeds", []))
    written = run_suite(
        settings, variants, parse_ids(args.seeds), jobs=args.jobs or os.cpu_count() or 1,
        git_commit=args.git_commit, noise_variants=noise_variants, noise_seeds=noise_seeds,
    )  # fmt: skip
    where = f"{settings.records}/{args.suite}"
    print(f"{len(written)} record(s) written (new, or brought up to date) under {where}")

    complete = (
        {v.id for v in plan(args.suite)} <= set(variants)
        and not any(find(settings, variants, parse_ids(args.seeds)) for find in (pending, outdated))
        and not any(find(settings, noise_variants, noise_seeds) for find in (pending, outdated))
    )
    if suite_declaration(args.suite) and complete and Path(settings.records) == Path(RECORDS_DIR):
        for path in collect_suite(args.suite, settings.records):  # the shipped records are all in
            print(f"wrote {path}")
    return 0


def cmd_suite_collect(args: argparse.Namespace) -> int:
    for path in collect_suite(args.suite, args.records or RECORDS_DIR):
        print(path)
    return 0


def cmd_suite_noise(args: argparse.Namespace) -> int:
    records = load_records(args.suite, records=args.records or RECORDS_DIR)
    if args.variants:
        keep = set(parse_ids(args.variants))
        records = [r for r in records if r["variant"]["id"] in keep]
    if not records:
        raise SftcastError(f"no records for suite {args.suite!r}")
    label_score = suite_declaration(args.suite).get("label_score", {})
    label_score = label_score if isinstance(label_score, dict) else {}
    print(format_noise(noise_table(records_frame(records, label_score), label_score)))
    return 0
