"""The ``sftcast`` command line: one module per verb group, each a thin shell over the library."""

from benchmark.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
