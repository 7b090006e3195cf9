"""The ``sftcast`` command line: a thin shell over the library.

Each area of the project adds its own subcommands from a module with a
``register(subparsers)`` function, listed in ``COMMAND_MODULES``; every command calls a
library function that a notebook can call too. Errors that users can cause are
``SftcastError``: they are printed as one line and the exit status is 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from benchmark.core.errors import SftcastError

# Modules with a ``register(subparsers)`` function. Import cost matters: those modules must
# import heavy libraries (torch, gradio, lightgbm) inside their command functions only.
COMMAND_MODULES = (
    "benchmark.cli.core",
    "benchmark.cli.leaderboard",
    "benchmark.cli.produce",
    "benchmark.cli.harness",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sftcast",
        description="Benchmark predictors of which LLM checkpoint is better after SFT.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SftcastError as exc:
        print(f"sftcast: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sftcast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
