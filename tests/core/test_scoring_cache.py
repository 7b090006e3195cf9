"""Scoring speed without timed tests (#16, part 3): no Gradio import, values cached by content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest_leaderboard import REPO, SUBMISSIONS

from benchmark import load_suite
from benchmark.core.scoring import _baseline_cache, score_predictions


def test_submit_score_never_imports_gradio() -> None:
    code = (
        "import sys; from benchmark.cli import main; "
        f"rc = main(['submit', 'score', '--no-store', {str(SUBMISSIONS / 'ppl_sc')!r}]); "
        "assert rc == 0; print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'scipy')))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_baseline_and_pair_layout_are_cached_on_disk_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SFTCAST_CACHE", str(tmp_path))
    suite = load_suite("zeng2025")
    preds = pd.read_parquet(SUBMISSIONS / "ppl_sc" / "zeng2025.parquet")
    preds = preds[preds["split_seed"] == -1].reset_index(drop=True)
    _baseline_cache.clear()
    first = score_predictions(preds, suite, "all-pairs", n_boot=10)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert [f.split("-")[0] for f in files] == ["baseline", "layout"]
    baseline = json.loads((tmp_path / files[0]).read_text())
    assert sorted(baseline) == sorted(suite.tasks) and 0 < baseline["cms"] < 1
    _baseline_cache.clear()  # a new process: read back from disk, same numbers
    again = load_suite("zeng2025")
    assert score_predictions(preds, again, "all-pairs", n_boot=10) == first
    # other labels are another key: the cached values are never reused for them
    edited = load_suite("zeng2025")
    edited.models.loc[0, "sft_cms"] += 1.0
    changed = score_predictions(preds, edited, "all-pairs", n_boot=10)
    assert changed["suite_digest"] != first["suite_digest"]
    assert len(list(tmp_path.glob("baseline-*"))) == 2 and len(list(tmp_path.glob("layout-*"))) == 2
