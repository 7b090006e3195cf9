"""The app's API through ``gradio_client``: the ranked table and submissions, good and bad."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest_leaderboard import SUBMISSIONS, make_zip, seeded_db, served_app, submission_zip

from leaderboard.store import ResultsStore

pytestmark = pytest.mark.slow  # serves the Gradio app: seconds per test


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = seeded_db(tmp_path_factory.mktemp("api"))
    with served_app(db) as url:
        yield url, db


@pytest.fixture(scope="module")
def client(server: tuple[str, Path]):
    from gradio_client import Client

    return Client(server[0], verbose=False)


def _submit(client, zip_path: Path, name: str = "", kind: str | None = None) -> str:
    from gradio_client import handle_file

    status, _names = client.predict(
        handle_file(str(zip_path)), name, "", "", "", "", kind, api_name="/submit"
    )
    return status


def test_table_endpoint_ranks_and_filters(client) -> None:
    rows = client.predict(api_name="/leaderboard")
    names = [r["Submission"] for r in rows]
    assert names.index("ltc_lightgbm") < names.index("ppl_clm")
    mean_rank = [float(r["Mean rank"]) for r in rows]  # the default order: mean rank across suites
    assert mean_rank == sorted(mean_rank)
    sup = client.predict(None, None, "supervised", "", "splits", api_name="/leaderboard")
    assert sorted(r["Submission"] for r in sup) == ["ltc_lightgbm", "ltc_logreg", "ltc_meta", "ltc_mlp"]
    cms = client.predict(None, ["cms"], "all", "", "all-pairs", api_name="/leaderboard")
    assert "zeng2025 · rag" not in cms[0] and "zeng2025 · cms" in cms[0]


BAD = {
    "missing column": lambda p: submission_zip(
        p, name="x1", table=pd.read_parquet(SUBMISSIONS / "ppl_sc" / "zeng2025.parquet").iloc[:, :5]
    ),
    "zip-slip": lambda p: make_zip(p, {"../evil.csv": "a,b\n"}),
    "not a zip": lambda p: (p.write_bytes(b"PK\x03\x04garbage"), p)[1],
    "name taken": lambda p: submission_zip(p, name="ppl_sc"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_submission_refused_and_store_unchanged(client, server, case: str, tmp_path: Path) -> None:
    store = ResultsStore(server[1])
    before = store.check_integrity()
    status = _submit(client, BAD[case](tmp_path / "up.zip"))
    assert status.startswith("**Submission refused:**")
    assert store.check_integrity() == before


def test_good_submission_is_stored_and_ranked(client, server, tmp_path: Path) -> None:
    store = ResultsStore(server[1])
    status = _submit(client, submission_zip(tmp_path / "ok.zip", base="ltc_logreg"), name="api-method")
    assert status.startswith("**Submission accepted:**"), status
    assert store.get("api-method").supervised is True
    # the zip covers zeng2025 only; compare on that suite (the built-in also covers tiny)
    rows = client.predict(["zeng2025"], None, "all", "api-method", "splits", api_name="/leaderboard")
    ref = client.predict(["zeng2025"], None, "all", "ltc_logreg", "splits", api_name="/leaderboard")
    assert [r["Submission"] for r in rows] == ["api-method"]
    assert rows[0]["Mean accuracy"] == ref[0]["Mean accuracy"]
