"""Option groups shared by several commands, as argparse parent parsers: one definition each."""

from __future__ import annotations

import argparse
import re

from benchmark.harness.evaluator import BACKENDS, DEFAULT_BACKEND

DEVICE_HELP = "auto (cuda when torch sees a GPU, else cpu), cpu, cuda or cuda:N (default: auto)"


def _device(value: str) -> str:
    if value in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", value):
        return value
    raise argparse.ArgumentTypeError(f"invalid device {value!r}: use auto, cpu, cuda or cuda:N")


def device_options() -> argparse.ArgumentParser:
    """``--device``, for every command that runs a model."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--device", type=_device, default="auto", metavar="DEVICE", help=DEVICE_HELP)
    return parent


def harness_options() -> argparse.ArgumentParser:
    """``--limit``, ``--batch-size`` and ``--backend``, for the commands that run lm-eval tasks."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--limit", type=int, default=None, help="at most N documents per lm-eval task (tests only)"
    )
    parent.add_argument("--batch-size", type=int, default=8, help="(default: 8)")
    parent.add_argument(
        "--backend",
        choices=BACKENDS,
        default=DEFAULT_BACKEND,
        help="lm-eval model: sftcast_hf shares each prompt across its answers (default); hf is "
        "lm-eval's stock model (the same numbers, slower)",
    )
    return parent


def resolve_device(device: str) -> str:
    """``auto`` made concrete (imports torch); any other value as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
