"""Our training loop against a bare PyTorch loop: same model, same batch shape, same process.

Prints tokens/s for both (median over repeats, steady state after warm-up steps), their ratio
(target >= 0.9), and the model FLOPs utilisation against a matmul peak measured on this machine.

    python perf/bench_train.py                                # tiny preset, CPU, 1 thread
    python perf/bench_train.py --preset small --device cuda   # bf16 on a GPU, + CPU reload check

FLOPs per token = 6 N + 12 L d T (PaLM's appendix B): N counts the weights used in matmuls (all
parameters except an untied input embedding, a lookup), L layers, d width, T sequence length.
Both loops sync once per step (``loss.item()``), so both pay the same host round-trip.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from benchmark.harness import special_tokens as st
from benchmark.produce.presets import get_preset
from benchmark.produce.pretrain import TrainConfig, build_model, lr_at, param_groups, train


def synthetic_tokenizer(vocab_size: int):
    """A word-level tokenizer of ``vocab_size`` ids carrying the project's special tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = [f"w{i}" for i in range(vocab_size - len(st.ALL))]
    core = Tokenizer(models.WordLevel({t: i for i, t in enumerate([*st.ALL, *words])}, unk_token=st.UNK))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=st.PAD, eos_token=st.EOS, unk_token=st.UNK
    )


def flops_per_token(model: torch.nn.Module, cfg: TrainConfig) -> float:
    c = model.config
    n = sum(p.numel() for p in model.parameters())
    if not c.tie_word_embeddings:
        n -= c.vocab_size * c.hidden_size  # the input embedding is a lookup, not a matmul
    return 6 * n + 12 * c.num_hidden_layers * c.hidden_size * cfg.seq_len


def matmul_peak(device: str, dtype: torch.dtype) -> float:
    """FLOP/s of a large square matmul, the best of several timed runs."""
    n = 8192 if device == "cuda" else 1024
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    best = 0.0
    for _ in range(3 if device == "cpu" else 5):
        reps = 5 if device == "cpu" else 20
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        _sync(device)
        best = max(best, 2 * n**3 * reps / (time.perf_counter() - t0))
    return best


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def steady_rate(stamps: list[float], warmup: int, tokens_per_step: int) -> float:
    """Tokens/s between the end of step ``warmup`` and the last step."""
    return (len(stamps) - warmup) * tokens_per_step / (stamps[-1] - stamps[warmup - 1])


def run_ours(
    stream, tok, model_config, cfg: TrainConfig, device: str, warmup: int, out: Path
) -> tuple[float, dict]:
    stamps: list[float] = []
    summary = train(
        stream,
        tok,
        model_config,
        cfg,
        out,
        resume=False,
        device=device,
        progress_bar=False,
        on_step=lambda step, loss: stamps.append(time.perf_counter()),
    )
    return steady_rate(stamps, warmup, cfg.batch_size * cfg.seq_len * cfg.grad_accum), summary


def run_bare(stream: np.ndarray, model_config, cfg: TrainConfig, device: str, warmup: int) -> float:
    """The textbook loop: one fixed batch on the device, autocast when bf16, AdamW, clipping."""
    model = build_model(model_config, cfg.seed).to(device)
    opt = torch.optim.AdamW(
        param_groups(model, cfg.weight_decay), lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps
    )
    ids = torch.from_numpy(stream[: cfg.batch_size * cfg.seq_len].reshape(cfg.batch_size, cfg.seq_len)).to(
        device
    )
    use_bf16 = cfg.mixed_precision == "bf16"
    stamps = []
    for step in range(cfg.max_steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        for _ in range(cfg.grad_accum):
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16):
                loss = model(input_ids=ids, labels=ids).loss
            (loss / cfg.grad_accum).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
        stamps.append(time.perf_counter())
    return steady_rate(stamps, warmup, cfg.batch_size * cfg.seq_len * cfg.grad_accum)


def check_cpu_reload(checkpoint: Path, vocab_size: int) -> str:
    """Load a GPU-trained checkpoint on the CPU and run a forward pass."""
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(checkpoint, dtype=torch.float32).to("cpu")
    ids = torch.randint(len(st.ALL), vocab_size, (2, 16))
    loss = model(input_ids=ids, labels=ids).loss.item()
    ok = np.isfinite(loss)
    status = "OK" if ok else "FAIL"
    return f"checkpoint {checkpoint.name} loads on the CPU: {status} (loss on random ids {loss:.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--steps", type=int, default=None, help="steps per timed run (default: 20 CPU, 300 GPU)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed first steps (default: 3 CPU, 20 GPU)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (default 1: the tiny suite's lanes)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gpu = args.device == "cuda"
    steps = args.steps or (300 if gpu else 20)
    warmup = args.warmup or (20 if gpu else 3)

    preset = get_preset(args.preset)
    tok = synthetic_tokenizer(preset.vocab_size)
    model_config = preset.llama_config(len(tok))
    cfg = TrainConfig(**preset.train).replace(
        max_steps=steps, num_threads=args.threads, checkpoint_fractions=(1.0,), log_every=steps
    )
    rng = np.random.default_rng(0)
    n = (steps + 1) * cfg.batch_size * cfg.grad_accum * cfg.seq_len
    stream = rng.integers(len(st.ALL), preset.vocab_size, size=n).astype(np.int64)
    name = torch.cuda.get_device_name() if gpu else f"CPU, {args.threads} thread(s)"
    print(f"preset {args.preset} on {name}: batch {cfg.batch_size}x{cfg.seq_len}, accum {cfg.grad_accum}, "
          f"{cfg.mixed_precision=}, {steps} steps ({warmup} warm-up) x {args.repeats} repeats")  # fmt: skip

    ours, bare, summary = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):  # interleaved, so drifts in machine load hit both
            rate, summary = run_ours(stream, tok, model_config, cfg, args.device, warmup, Path(tmp) / f"r{r}")
            ours.append(rate)
            bare.append(run_bare(stream, model_config, cfg, args.device, warmup))
            print(f"  repeat {r}: ours {ours[-1]:,.0f} tok/s, bare {bare[-1]:,.0f} tok/s")
        reload_line = (
            check_cpu_reload(Path(tmp) / "r0" / f"checkpoint-{steps}", preset.vocab_size) if gpu else ""
        )

    model = build_model(model_config, 0)
    fpt = flops_per_token(model, cfg)
    dtype = torch.bfloat16 if cfg.mixed_precision == "bf16" else torch.float32
    peak = matmul_peak(args.device, dtype)
    ours_m, bare_m = statistics.median(ours), statistics.median(bare)
    print(f"params {summary['n_params']:,}; model FLOPs per token {fpt / 1e6:.2f} M")
    print(f"tokens/s  ours {ours_m:,.0f}   bare {bare_m:,.0f}   ratio {ours_m / bare_m:.3f} (target >= 0.9)")
    print(f"matmul peak ({dtype}, measured here) {peak / 1e12:.3f} TFLOP/s")
    print(f"MFU  ours {ours_m * fpt / peak:.1%}   bare {bare_m * fpt / peak:.1%}")
    if gpu and "H100" in name:
        print(
            f"MFU vs the H100 SXM datasheet bf16 dense peak (989 TFLOP/s): ours {ours_m * fpt / 989e12:.1%}"
        )
    if reload_line:
        print(reload_line)
    full = preset.train.get("max_steps", cfg.max_steps)
    print(f"a full {full}-step {args.preset} run at this rate: {full * n // (steps + 1) / ours_m:.0f} s")


if __name__ == "__main__":
    main()
