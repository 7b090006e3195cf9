"""Load: 50 concurrent valid submissions through the app's API all land, scored, exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_leaderboard import seeded_db, served_app, submission_zip

from leaderboard.store import ResultsStore

N = 50


@pytest.mark.slow
def test_fifty_concurrent_submissions(tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    db = seeded_db(tmp_path / "db")
    store = ResultsStore(db)
    before = set(store.names())
    # a supervised submission carries the splits rows only: the cheapest full submission to score
    zip_path = submission_zip(tmp_path / "sub.zip", base="ltc_lightgbm")
    with served_app(db) as url:
        client = Client(url, verbose=False)
        jobs = [
            client.submit(
                handle_file(str(zip_path)), f"load-{k:02d}", "", "", "", "", None, api_name="/submit"
            )
            for k in range(N)
        ]
        statuses = [job.result(timeout=300)[0] for job in jobs]
        rows = client.predict(None, None, "all", "load-", "splits", api_name="/leaderboard")
    assert all(s.startswith("**Submission accepted:**") for s in statuses), statuses
    counts = store.check_integrity()
    names = store.names()
    assert len(names) == len(set(names)) == len(before) + N
    assert set(names) - before == {f"load-{k:02d}" for k in range(N)}
    assert counts["results"] == sum(len(p) for e in store.entries() for p in e.results.values())
    ref = store.get("ltc_lightgbm").results["zeng2025"]["splits"]["mean_accuracy"]
    for e in store.entries():
        if e.name.startswith("load-"):
            assert e.results["zeng2025"]["splits"]["mean_accuracy"] == pytest.approx(ref)
    assert sorted(r["Submission"] for r in rows) == sorted(set(names) - before)
