"""The ``sftcast`` command line: a thin shell over the library.

Each area of the project adds its own subcommands from a module with a
``register(subparsers)`` function, listed in ``COMMAND_MODULES``; every command calls a
library function that a notebook can call too. Errors that users can cause are
``SftcastError``: they are printed as one line and the exit status is 2. Any other exception is
printed as one line too (exit status 1); ``--debug``, before or after the command, or
``SFTCAST_DEBUG=1`` shows its traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
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
    debug = "show the Python traceback of a failure (or set SFTCAST_DEBUG=1)"
    parser.add_argument("--debug", action="store_true", help=debug)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _add_debug(sub, debug)
    return parser


def _add_debug(sub: argparse._SubParsersAction, help_text: str) -> None:
    """``--debug`` after any (sub)command too; SUPPRESS keeps the top-level value when it is absent."""
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=help_text)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_debug(action, help_text)


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("SFTCAST_DEBUG", "") not in ("", "0")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("sftcast: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - users get one line; --debug gets the traceback
        if debug:
            traceback.print_exc()
        if isinstance(exc, SftcastError):
            print(f"sftcast: error: {exc}", file=sys.stderr)
            return 2
        hint = "" if debug else " (run with --debug, or SFTCAST_DEBUG=1, for the traceback)"
        print(f"sftcast: error: {one_line(exc)}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
