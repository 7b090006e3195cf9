"""The results store: atomic inserts, no silent overwrite, concurrent writers all land."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmark.core.errors import SftcastError
from leaderboard.store import Entry, ResultsStore


def _entry(name: str, acc: float = 0.7) -> Entry:
    res = {
        "schema_version": 1,
        "suite": "zeng2025",
        "protocol": "splits",
        "seed": 0,
        "tasks": {"cms": {"accuracy": acc}},
        "mean_accuracy": acc,
    }
    return Entry(
        name=name,
        meta={"name": name},
        supervised=False,
        results={"zeng2025": {"splits": res}},
        sha256="x" * 64,
    )


def test_add_and_read_back(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    store.add(_entry("a", 0.6))
    store.add(_entry("b", 0.8))
    assert store.names() == ["a", "b"]
    got = store.get("b")
    assert got.results["zeng2025"]["splits"]["mean_accuracy"] == 0.8
    assert store.check_integrity() == {"submissions": 2, "results": 2}
    with sqlite3.connect(tmp_path / "r.sqlite") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_taken_name_is_refused_not_overwritten(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    store.add(_entry("a", 0.6))
    with pytest.raises(SftcastError, match="already exists"):
        store.add(_entry("a", 0.9))
    assert store.get("a").results["zeng2025"]["splits"]["mean_accuracy"] == 0.6
    assert store.check_integrity() == {"submissions": 1, "results": 1}


def test_a_changed_builtin_replaces_its_stored_version_but_never_an_upload(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    builtin = _entry("base", 0.6)
    builtin.source = "committed"
    store.add(builtin)
    store.add(_entry("upload", 0.7))
    newer = _entry("base", 0.65)
    newer.source = "committed"
    newer.results["tiny"] = {"splits": {**newer.results["zeng2025"]["splits"], "suite": "tiny"}}
    store.replace_committed(newer)
    assert sorted(store.get("base").results) == ["tiny", "zeng2025"]
    assert store.get("base").results["zeng2025"]["splits"]["mean_accuracy"] == 0.65
    with pytest.raises(SftcastError, match="replaces nothing"):
        store.replace_committed(_entry("upload", 0.1))  # an upload entry
    intruder = _entry("upload", 0.1)
    intruder.source = "committed"
    with pytest.raises(SftcastError, match="never replaced"):
        store.replace_committed(intruder)  # a built-in named like a stored upload
    assert store.get("upload").results["zeng2025"]["splits"]["mean_accuracy"] == 0.7
    assert store.check_integrity() == {"submissions": 2, "results": 3}


def test_failed_insert_rolls_back_everything(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    bad = _entry("half")
    bad.results["zeng2025"]["all-pairs"] = {"tasks": {}}  # no mean_accuracy: fails mid-transaction
    with pytest.raises(KeyError):
        store.add(bad)
    assert store.names() == []
    assert store.check_integrity() == {"submissions": 0, "results": 0}


def test_concurrent_threads_all_land(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.add(_entry(f"t{k}")), range(64)))
    assert sorted(store.names()) == sorted(f"t{k}" for k in range(64))
    assert store.check_integrity() == {"submissions": 64, "results": 64}


def _write_many(path: str, prefix: str, n: int) -> None:
    store = ResultsStore(path)
    for k in range(n):
        store.add(_entry(f"{prefix}{k}"))


@pytest.mark.slow
def test_concurrent_processes_all_land(tmp_path: Path) -> None:
    path = str(tmp_path / "r.sqlite")
    ResultsStore(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(path, f"p{i}-", 10)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert ResultsStore(path).check_integrity() == {"submissions": 40, "results": 40}


def test_export_json_hub_layout(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "r.sqlite")
    store.add(_entry("a"))
    paths = store.export_json(tmp_path / "results")
    assert [p.name for p in paths] == ["a.json"]
