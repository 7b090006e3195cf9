"""Shared helpers for the leaderboard tests: a seeded store, zips, and a served app.

Imported by the test modules (``from conftest_leaderboard import ...``); scoring the committed
submissions once per test process and copying the database keeps the suite fast.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from leaderboard.store import ResultsStore

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "submissions"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@functools.cache
def _seeded_template() -> Path:
    from leaderboard.app import seed_store

    path = Path(tempfile.mkdtemp(prefix="sftcast-lb-template-")) / "results.sqlite"
    store = ResultsStore(path)
    seed_store(store, SUBMISSIONS)
    _checkpoint(path)
    return path


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so a plain copy holds everything."""

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def seeded_db(folder: Path) -> Path:
    """A fresh copy of a store seeded with every committed submission."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / "results.sqlite"
    shutil.copy(_seeded_template(), dest)
    return dest


def make_zip(path: Path, files: dict[str, bytes | str | Path], folder: str | None = None) -> Path:
    """Write a zip of ``files`` (name -> content, or a Path to copy), optionally in one folder."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            arc = f"{folder}/{name}" if folder else name
            if isinstance(content, Path):
                zf.write(content, arc)
            else:
                zf.writestr(arc, content)
    return path


def submission_zip(
    path: Path,
    base: str = "ppl_sc",
    name: str | None = None,
    table: pd.DataFrame | None = None,
    fmt: str = "parquet",
) -> Path:
    """A zip built from a committed submission, with an optional new name and predictions table."""

    meta = yaml.safe_load((SUBMISSIONS / base / "submission.yaml").read_text())
    if name:
        meta["name"] = name
    files: dict[str, bytes | str | Path] = {"submission.yaml": yaml.safe_dump(meta)}
    if table is None and fmt == "parquet":
        files["zeng2025.parquet"] = SUBMISSIONS / base / "zeng2025.parquet"
    else:
        table = pd.read_parquet(SUBMISSIONS / base / "zeng2025.parquet") if table is None else table
        if fmt == "parquet":
            tmp = path.with_suffix(".parquet")
            table.to_parquet(tmp, index=False)
            files["zeng2025.parquet"] = tmp
        else:
            files["zeng2025.csv"] = table.to_csv(index=False)
    return make_zip(path, files)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(db: Path, timeout: float = 90) -> Iterator[str]:
    """Run ``sftcast leaderboard`` on a free loopback port in a subprocess; yield its URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(db.parent / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmark.cli",
            "leaderboard",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(db),
            "--submissions",
            str(SUBMISSIONS),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"leaderboard exited early:\n{(db.parent / 'server.log').read_text()[-3000:]}"
                )
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("leaderboard did not start in time") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
