"""Model presets and the 50-variant grid: what ``sftcast produce pretrain --preset S --variant N`` trains.

A preset fixes the world size, the corpus budget, the tokenizer, the ``LlamaConfig``, the task
split sizes and the training hyperparameters; the grid (``suites/grid.yaml``, the paper's Table 4)
fixes, per variant, the objective, data mixture, learning rate, domain tagging and length filter.
Each default carries its reason, nanoGPT style.

>>> v = get_variant("tiny", 17)
>>> v.objective, v.data_mixture, v.learning_rate   # the paper's 2.5e-4, x10 for tiny
('SC+CLM', 'DC-0', 0.0025)
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from filelock import FileLock

from benchmark.core.errors import SftcastError
from benchmark.core.registry import Registry
from benchmark.core.schema import SUITES_DIR
from benchmark.produce.corpus import build_corpus
from benchmark.produce.stream import prepare_tokens, sample_texts, source_id
from benchmark.produce.world import World

GRID_PATH = SUITES_DIR / "grid.yaml"


@dataclass(frozen=True)
class Preset:
    """One scale of the suite: data budget, tokenizer, architecture, task sizes and training defaults."""

    name: str
    purpose: str
    world: str  # ``World.generate(size=...)``, when ``data`` is "world"
    n_tokens: int  # corpus tokens built per variant
    vocab_size: int  # BPE vocabulary, trained once per suite on a DC-0 corpus
    model: dict[str, Any]  # ``LlamaConfig`` keyword arguments (vocab_size comes from the tokenizer)
    # records per split of the generated tasks: large test sets (several paraphrases per fact) keep
    # sampling error far below the differences between variants; SFT time grows with ``train``
    split_sizes: dict[str, int]
    train: dict[str, Any] = field(default_factory=dict)  # ``TrainConfig`` overrides
    # task -> ``SFTRecipe`` fields of this preset's fixed SFT recipe (``benchmark.produce.sft``)
    sft: dict[str, dict[str, Any]] = field(default_factory=dict)
    # "world" (the generated world) or a SlimPajama-schema file, folder or Hub id (benchmark.produce.stream);
    # ``sftcast produce pretrain --data`` overrides it
    data: str = "world"

    def llama_config(self, vocab_size: int | None = None) -> Any:
        """The ``transformers.LlamaConfig`` of this preset."""
        from transformers import LlamaConfig

        return LlamaConfig(vocab_size=vocab_size or self.vocab_size, **self.model)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: Registry[Preset] = Registry("suite")


def _llama(width: int, layers: int, heads: int, kv_heads: int, ffn: int, seq_len: int, tied: bool) -> dict:
    return {
        "hidden_size": width,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "intermediate_size": ffn,
        "max_position_embeddings": seq_len,
        "tie_word_embeddings": tied,
        "rms_norm_eps": 1e-5,
        "attention_dropout": 0.0,  # no dropout: pre-training runs are single-epoch-ish and deterministic
    }


PRESETS.register("micro", Preset(
    name="micro",
    purpose="tests and CI: seconds per variant; proves the mechanics, not the science",
    world="micro",
    n_tokens=40_000,  # enough windows for 40 steps x 8 x 64 = 20k positions without much repetition
    vocab_size=384,  # the special tokens take 107 ids; the rest is a small BPE
    model=_llama(width=32, layers=2, heads=2, kv_heads=2, ffn=96, seq_len=64, tied=True),
    split_sizes={"train": 160, "dev": 32, "test": 96},
    train={
        "seq_len": 64,  # long enough for every UL2 denoiser to render with a span
        "batch_size": 8,
        "max_steps": 40,  # a micro run takes a few seconds on one thread
        "warmup_steps": 4,
        "log_every": 1,
    },
    # SFT: seconds
    sft={
        "cms": {"steps": 60, "batch_size": 16, "learning_rate": 1e-2},
        "rag": {"steps": 60, "batch_size": 16, "learning_rate": 1e-2},
        "cbqa": {"steps": 60, "batch_size": 16, "learning_rate": 1e-2},
    },
))

PRESETS.register("tiny", Preset(
    name="tiny",
    purpose="the CPU suite: ~1M parameters, ~4 min per variant on one thread (tiny_feasibility.md)",
    world="tiny",
    n_tokens=1_250_000,  # ~1.2M tokens: the budget measured to store the world's facts
    vocab_size=1024,  # ~1k: measured; larger vocabularies cost embedding parameters a 1M model lacks
    # width 128, 4 layers, tied embeddings, ffn 3x: 0.98M parameters with vocab 1024 (the measured model)
    model=_llama(width=128, layers=4, heads=4, kv_heads=4, ffn=384, seq_len=128, tied=True),
    split_sizes={"train": 800, "dev": 100, "test": 480},
    train={
        "seq_len": 128,  # measured: enough context for a paraphrased biography
        "batch_size": 16,  # 16 x 128 = 2k tokens per step, the measured ~5k tok/s on one thread
        "max_steps": 600,  # 600 x 16 x 128 = 1.23M tokens: below this, downstream scores stay at chance
        "warmup_steps": 30,  # 5% of steps
        "mixed_precision": "no",  # fp32: bf16 autocast was 25x slower on this CPU
        "num_threads": 1,  # two 1-thread lanes beat one 2-thread process (10.3k vs 9.4k tok/s)
    },
    # SFT: about 2.5 minutes for all three tasks on one CPU thread; CMS needs 450 steps (~3 epochs)
    # to leave chance (calibration/README.md, attempt 2)
    sft={
        "cms": {"steps": 450, "batch_size": 16, "learning_rate": 1e-3},
        "rag": {"steps": 200, "batch_size": 16, "learning_rate": 1e-3},
        "cbqa": {"steps": 150, "batch_size": 16, "learning_rate": 1e-3},
    },
))

PRESETS.register("small", Preset(
    name="small",
    purpose="one GPU: ~36M parameters in bf16, minutes per variant on an H100",
    world="small",
    n_tokens=200_000_000,  # ~5.5 tokens per parameter; the world repeats its facts anyway
    vocab_size=8192,  # a BPE this size covers the generated world with short sequences
    # width 512, 8 layers, head dim 64, ffn 3x: 35.7M parameters with vocab 8192, untied
    model=_llama(width=512, layers=8, heads=8, kv_heads=8, ffn=1536, seq_len=512, tied=False),
    split_sizes={"train": 4000, "dev": 400, "test": 2000},
    train={
        "seq_len": 512,
        "batch_size": 64,  # 32k tokens per step fits an 80 GB GPU easily at this size
        "max_steps": 6000,  # 6000 x 64 x 512 = 197M tokens
        "warmup_steps": 200,
        "mixed_precision": "bf16",  # native on H100/A100
        "state_every": 500,  # resume points every few minutes
        "log_every": 10,  # a .item() per step would stall the GPU
        "num_workers": 4,  # build batches in background processes while the GPU computes
    },
    sft={
        "cms": {"steps": 1000, "batch_size": 64, "learning_rate": 1e-4},
        "rag": {"steps": 1500, "batch_size": 64, "learning_rate": 1e-4},
        "cbqa": {"steps": 1000, "batch_size": 64, "learning_rate": 1e-4},
    },
))

PRESETS.register("paper1b", Preset(
    name="paper1b",
    purpose="the paper's scale: Llama-style 1.1B on SlimPajama, a Slurm job array on a cluster",
    world="paper1b",
    # Chinchilla's ~20 tokens per parameter; the paper's exact budget is not in our notes
    n_tokens=20_000_000_000,
    vocab_size=32000,  # Llama-2-sized vocabulary
    # 1.10B parameters, the TinyLlama-1.1B shape: width 2048, 22 layers, 32 heads, 4 KV heads (GQA)
    model=_llama(width=2048, layers=22, heads=32, kv_heads=4, ffn=5632, seq_len=2048, tied=False),
    split_sizes={"train": 10000, "dev": 1000, "test": 4000},
    train={
        "seq_len": 2048,
        "batch_size": 8,  # per GPU; with grad_accum 4 on 32 GPUs: 1024 sequences = 2M tokens per step
        "grad_accum": 4,
        "max_steps": 10_000,  # 10k x 2M = 20B tokens
        "warmup_steps": 2000,  # 2k warm-up as in TinyLlama
        "mixed_precision": "bf16",
        "state_every": 250,
        "log_every": 10,
        "num_workers": 4,
    },
    data="cerebras/SlimPajama-627B",  # streamed once per data setting into a token file (stream.py)
    sft={
        "cms": {"steps": 2000, "batch_size": 64, "learning_rate": 2e-5},
        "rag": {"steps": 3000, "batch_size": 64, "learning_rate": 2e-5},
        "cbqa": {"steps": 2000, "batch_size": 64, "learning_rate": 2e-5},
    },
))


def get_preset(name: str) -> Preset:
    """Return the preset (suite) ``name``: ``micro``, ``tiny``, ``small`` or ``paper1b``."""
    return PRESETS.get(name)


# ---------------------------------------------------------------------------------------------
# the grid


@dataclass(frozen=True)
class Variant:
    """One row of the grid, with its learning rate mapped to a preset."""

    id: int
    objective: str
    data_mixture: str
    paper_learning_rate: float
    learning_rate: float
    domain_tagging: bool
    length_filter: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def load_grid(path: str | Path = GRID_PATH) -> dict[str, Any]:
    """Read ``suites/grid.yaml``: the variants, the paper's learning rates and ``lr_scale``."""

    with open(path, encoding="utf-8") as fh:
        grid = yaml.safe_load(fh)
    ids = [row["id"] for row in grid["variants"]]
    if ids != list(range(1, len(ids) + 1)):
        raise SftcastError(f"{path}: variant ids must be 1..{len(ids)} in order")
    return grid


def plan(suite: str) -> list[Variant]:
    """The 50 variants of ``suite``, learning rates mapped to that preset."""
    get_preset(suite)
    grid = load_grid()
    if suite not in grid["lr_scale"]:
        raise SftcastError(f"grid.yaml has no lr_scale for suite {suite!r}")
    scale = float(grid["lr_scale"][suite])
    return [
        Variant(
            id=int(row["id"]),
            objective=str(row["objective"]),
            data_mixture=str(row["data_mixture"]),
            paper_learning_rate=float(row["learning_rate"]),
            learning_rate=float(f"{float(row['learning_rate']) * scale:.6g}"),
            domain_tagging=bool(row["domain_tagging"]),
            length_filter=str(row["length_filter"]),
        )
        for row in grid["variants"]
    ]


def get_variant(suite: str, variant: int) -> Variant:
    """Variant number ``variant`` (1-based, as in the paper) of ``suite``."""
    variants = plan(suite)
    if not 1 <= variant <= len(variants):
        raise SftcastError(
            f"variant {variant} is out of range: suite {suite!r} has variants 1..{len(variants)}"
        )
    return variants[variant - 1]


# ---------------------------------------------------------------------------------------------
# running a variant: world -> corpus -> tokenizer (shared by the suite) -> objective -> train loop


TOKENIZER_TOKENS = 5_000_000  # BPE merges settle within a few million tokens; more only costs time


def encode_stream(tok: Any, texts: list[str], chunk: int = 2048) -> Any:
    """Tokenize ``texts`` in chunks into one packed int64 stream, each document followed by EOS."""

    parts = []
    for i in range(0, len(texts), chunk):
        for ids in tok(texts[i : i + chunk], add_special_tokens=False)["input_ids"]:
            parts.append(np.asarray([*ids, tok.eos_token_id], dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def suite_dir(suite: str, out: str | Path = "runs", seed: int = 0) -> Path:
    """Where a suite's runs live: ``{out}/{suite}/seed{seed}``."""
    return Path(out) / suite / f"seed{seed}"


def suite_tokenizer(
    suite: str, out: str | Path = "runs", seed: int = 0, data: str = "world", tokenizer: str | None = None
) -> Any:
    """The suite's tokenizer: a BPE trained once on a DC-0 corpus (with domain tags) and cached.

    All 50 variants share it, so their losses compare. It is trained on the tagged DC-0 corpus:
    DC-0 holds all seven domains, and with the tags in its training text the tagged variants do
    not shred their tags into rare pieces. A file lock lets two lanes (or DDP ranks) ask at once.
    With real ``data`` (a SlimPajama-schema source) the BPE is trained on the leading
    ``TOKENIZER_TOKENS`` words of that source's tagged DC-0 stream and cached per source.
    ``tokenizer`` (any ``AutoTokenizer`` path or Hub id) replaces the BPE; the special tokens the
    objectives need are added (``ensure_special_tokens``) and the model's vocabulary follows.
    """

    from benchmark.produce.tokenizer import load_tokenizer, train_tokenizer

    if tokenizer is not None:
        return load_tokenizer(tokenizer)
    preset = get_preset(suite)
    budget = min(preset.n_tokens, TOKENIZER_TOKENS)
    if data == "world":
        path = suite_dir(suite, out, seed) / "tokenizer"
    else:
        digest = hashlib.sha1(source_id(data).encode()).hexdigest()[:10]
        path = suite_dir(suite, out, seed) / f"tokenizer-data-{digest}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if not (path / "tokenizer.json").exists():
            if data == "world":
                world = World.generate(size=preset.world, seed=seed)
                texts = build_corpus(world, "DC-0", n_tokens=budget, domain_tagging=True, seed=seed)
            else:
                texts = sample_texts(data, "DC-0", budget, domain_tagging=True)
            train_tokenizer(texts, vocab_size=preset.vocab_size).save_pretrained(path)
        return load_tokenizer(path)


def pretrain_variant(
    suite: str,
    variant: int,
    out: str | Path = "runs",
    seed: int = 0,
    device: str | None = None,
    overrides: dict[str, Any] | None = None,
    n_tokens: int | None = None,
    resume: bool = True,
    max_steps_this_session: int | None = None,
    progress_bar: bool = True,
    world_seed: int | None = None,
    data: str | None = None,
    tokenizer: str | None = None,
) -> dict[str, Any]:
    """Train variant ``variant`` of ``suite``; return its summary (``{out}/{suite}/seed{seed}/v{NN}``).

    ``world_seed`` (default: ``seed``) fixes the world, the corpus and the suite tokenizer: the
    benchmark's data. ``seed`` fixes the initialisation and the order of training examples, so
    a second ``seed`` with the same ``world_seed`` is a second pre-training run of the same
    variant on the same data (the noise estimate). The corpus follows the variant's mixture,
    tagging and length filter, counted in the suite tokenizer's tokens; ``overrides`` replace
    ``TrainConfig`` fields (``--set key=value`` on the CLI).

    ``data`` (default: the preset's) is ``"world"`` or a SlimPajama-schema file, folder or Hub
    id. Real data are streamed once into an on-disk token file shared by every variant with the
    same data settings (``benchmark.produce.stream.prepare_tokens``), under ``.../seed{world_seed}/data``;
    training maps it, so nothing of its size is held in memory. ``tokenizer`` replaces the
    suite BPE with any ``AutoTokenizer`` (see ``suite_tokenizer``).
    """

    from benchmark.produce.pretrain import TrainConfig, train

    preset, v = get_preset(suite), get_variant(suite, variant)
    t0 = time.perf_counter()
    world_seed = seed if world_seed is None else world_seed
    data = preset.data if data is None else data
    tok = suite_tokenizer(suite, out, world_seed, data=data, tokenizer=tokenizer)
    budget = n_tokens or preset.n_tokens
    stream, corpus = _variant_tokens(suite, v, tok, data, budget, world_seed, out)
    prep_s = time.perf_counter() - t0
    cfg = TrainConfig(**preset.train).replace(
        objective=v.objective, learning_rate=v.learning_rate, seed=seed, **(overrides or {})
    )
    extra = {
        "suite": suite,
        "variant": v.to_dict(),
        "preset": preset.to_dict(),
        "data": data,
        "corpus": corpus,
        "world": {"size": preset.world, "seed": world_seed} if data == "world" else None,
        "tokenizer": tokenizer or str(Path(tok.name_or_path)),
        "prep_s": round(prep_s, 3),
    }
    return train(
        stream,
        tok,
        preset.llama_config(len(tok)),
        cfg,
        suite_dir(suite, out, seed) / f"v{v.id:02d}",
        resume=resume,
        max_steps_this_session=max_steps_this_session,
        device=device,
        progress_bar=progress_bar,
        extra_summary=extra,
    )


def _variant_tokens(
    suite: str, v: Variant, tok: Any, data: str, budget: int, world_seed: int, out: str | Path
) -> tuple[Any, dict[str, Any]]:
    """The token stream a variant pre-trains on (its mixture, tagging and length filter) and a
    summary of its corpus: built from the world, or streamed once into a token file."""
    from benchmark.produce.tokenizer import token_counter

    preset = get_preset(suite)
    if data == "world":
        world = World.generate(size=preset.world, seed=world_seed)
        texts = build_corpus(
            world,
            v.data_mixture,
            n_tokens=budget,
            domain_tagging=v.domain_tagging,
            length_filter=v.length_filter,
            seed=world_seed,
            count_tokens=token_counter(tok),
        )
        stream = encode_stream(tok, texts)
        corpus = {"n_docs": len(texts), "n_tokens": len(stream), "budget": budget}
    else:
        stream = prepare_tokens(
            data,
            tok,
            v.data_mixture,
            domain_tagging=v.domain_tagging,
            length_filter=v.length_filter,
            n_tokens=budget,
            cache_dir=suite_dir(suite, out, world_seed) / "data",
        )
        corpus = {"n_docs": stream.meta["n_docs"], "n_tokens": len(stream), "budget": budget,
                  "path": str(stream.path), "tokens_by_domain": stream.meta["tokens_by_domain"]}  # fmt: skip
    return stream, corpus


def slurm_script(
    suite: str = "paper1b",
    variants: str = "1-50",
    nodes: int = 4,
    gpus_per_node: int = 8,
    time_limit: str = "48:00:00",
    partition: str | None = None,
    out: str = "runs",
    seed: int = 0,
) -> str:
    """A Slurm job-array script: one array task per variant, ``accelerate launch`` across nodes.

    Each task runs ``sftcast produce pretrain`` for ``$SLURM_ARRAY_TASK_ID``; a requeued or re-submitted
    task resumes from its last state, so the array can be resubmitted after preemption.
    """
    get_preset(suite)
    partition_line = f"#SBATCH --partition={partition}\n" if partition else ""
    return f"""#!/bin/bash
#SBATCH --job-name=sftcast-{suite}
#SBATCH --array={variants}
#SBATCH --nodes={nodes}
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node={gpus_per_node}
#SBATCH --exclusive
#SBATCH --time={time_limit}
#SBATCH --requeue
#SBATCH --output=logs/%x-%A_%a.out
{partition_line}
# One array task = one variant of the {suite} grid ({variants}). Within a task, accelerate launch
# starts {gpus_per_node} processes on each of {nodes} nodes (DDP). A rerun of a task resumes from
# {out}/{suite}/seed{seed}/vNN/state; the preset sets the precision (bf16).
set -euo pipefail
mkdir -p logs
export MAIN_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export MAIN_PORT=$((29500 + SLURM_ARRAY_TASK_ID))
srun --kill-on-bad-exit=1 bash -c 'accelerate launch \\
    --num_machines $SLURM_NNODES \\
    --num_processes $(($SLURM_NNODES * {gpus_per_node})) \\
    --machine_rank $SLURM_NODEID \\
    --main_process_ip $MAIN_ADDR \\
    --main_process_port $MAIN_PORT \\
    -m benchmark.cli produce pretrain --preset {suite} --variant $SLURM_ARRAY_TASK_ID \\
    --out {out} --seed {seed} --no-progress'
"""
