"""Option groups shared by several commands, as argparse parent parsers: one definition each."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from benchmark.core.errors import SftcastError
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


def add_overrides_option(parser: argparse.ArgumentParser, what: str, example: str) -> None:
    """``--set KEY=VALUE`` (repeatable), overriding a field of ``what``; read by ``parse_overrides``."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a {what} field, e.g. --set {example} (repeatable)",
    )


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """``["lr=1e-3", "max_steps=10"]`` -> a dict; the receiving config checks and casts."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SftcastError(f"expected key=value, got {item!r}")
        out[key.strip().lstrip("-").replace("-", "_")] = value.strip()
    return out
