"""The Space folder and the results repo, offline (issue #16, part 5).

A local directory stands in for the Hub dataset repo; the network calls themselves are
``huggingface_hub``'s ``snapshot_download``/``upload_folder``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest_leaderboard import free_port, seeded_db, submission_zip

from benchmark.cli import main
from benchmark.core.errors import SftcastError
from leaderboard.app import leaderboard_frame, submit_zip
from leaderboard.hub import RESULTS_DIR, ResultsMirror
from leaderboard.space import build_space
from leaderboard.store import ResultsStore


def test_results_repo_round_trip(tmp_path: Path) -> None:
    """Uploads pushed to the stand-in repo come back whole into an empty store: same table, same ranks."""
    store = ResultsStore(seeded_db(tmp_path / "a"))
    mirror = ResultsMirror(str(tmp_path / "repo"))
    name = submit_zip(store, str(submission_zip(tmp_path / "up.zip", base="kshot_cms")), name="mirrored")
    mirror.push(store, [name])
    assert sorted(p.name for p in (tmp_path / "repo" / RESULTS_DIR).iterdir()) == ["mirrored.json"]

    fresh = ResultsStore(tmp_path / "b" / "results.sqlite")
    assert mirror.pull(fresh) == ["mirrored"]
    assert mirror.pull(fresh) == []  # already there
    a, b = store.get("mirrored"), fresh.get("mirrored")
    assert (a.results, a.meta, a.sha256, a.created_at) == (b.results, b.meta, b.sha256, b.created_at)
    assert fresh.credits_of("mirrored") == store.credits_of("mirrored")
    assert fresh.import_json(tmp_path / "none") == []  # a missing folder adds nothing
    fresh_board = leaderboard_frame([fresh.get("mirrored")], credits=fresh.credits("splits"))
    assert fresh_board.equals(leaderboard_frame([a], credits=store.credits("splits")))


def test_results_repo_argument_is_checked(tmp_path: Path) -> None:
    assert ResultsMirror("org/results").local is None
    assert ResultsMirror(f"file://{tmp_path}").local == tmp_path
    with pytest.raises(SftcastError, match="neither ORG/NAME nor a local directory"):
        ResultsMirror("not a repo")
    (tmp_path / RESULTS_DIR).mkdir()
    (tmp_path / RESULTS_DIR / "x.json").write_text("{}")
    with pytest.raises(SftcastError, match="x.json: not a results file"):
        ResultsMirror(str(tmp_path)).pull(ResultsStore(tmp_path / "s.sqlite"))


@pytest.mark.slow
def test_space_folder_serves_the_page_and_mirrors_uploads(tmp_path: Path) -> None:
    out = tmp_path / "space"
    assert main(["space", "build", "--out", str(out)]) == 0
    assert {"app.py", "requirements.txt", "README.md", "benchmark", "leaderboard", "submissions"} <= {
        p.name for p in out.iterdir()
    }
    front = (out / "README.md").read_text().split("---")[1]
    import gradio

    assert "sdk: gradio" in front and f"sdk_version: {gradio.__version__}" in front
    assert "app_file: app.py" in front
    pins = dict(line.split("==") for line in (out / "requirements.txt").read_text().split())
    for dist in ("gradio", "pandas", "pyarrow", "huggingface-hub", "pyyaml", "threadpoolctl"):
        assert pins[dist] == version(dist)
    assert "torch" not in pins and "lightgbm" not in pins  # the page never trains anything
    with pytest.raises(SftcastError, match="not empty"):
        build_space(out)

    # serve it with `python app.py` from the folder; a local folder stands in for the results repo
    repo = tmp_path / "repo"
    store = ResultsStore(seeded_db(tmp_path / "db"))
    submit_zip(store, str(submission_zip(tmp_path / "old.zip", base="ppl_sc")), name="from-the-repo")
    ResultsMirror(str(repo)).push(store, ["from-the-repo"])
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "SFTCAST_LEADERBOARD_DB": str(seeded_db(tmp_path / "served")),
        "SFTCAST_RESULTS_REPO": str(repo),
    }
    log = open(tmp_path / "space.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=out, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "space.log").read_text()[-2000:]
            try:
                html = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Space app did not start"
                time.sleep(0.3)
        assert "sftcast leaderboard" in html
        from gradio_client import Client, handle_file

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        rows = client.predict(api_name="/leaderboard")
        assert "from-the-repo" in {r["Submission"] for r in rows}  # restored on start
        up = submission_zip(tmp_path / "new.zip", base="kshot_rag")
        status, _ = client.predict(
            handle_file(str(up)), "space-upload", "", "", "", "", None, api_name="/submit"
        )
        assert status.startswith("**Submission accepted:**"), status
        assert (repo / RESULTS_DIR / "space-upload.json").is_file()  # mirrored
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    assert "restored 1 submission(s)" in (tmp_path / "space.log").read_text()


def test_cli_passes_the_results_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import leaderboard.app

    seen = {}
    monkeypatch.setattr(leaderboard.app, "serve", lambda *a, **k: seen.update(args=a, kwargs=k))
    db = str(tmp_path / "r.sqlite")
    assert main(["leaderboard", "--db", db, "--results-repo", "org/results", "--port", "7999"]) == 0
    assert seen["kwargs"]["results_repo"] == "org/results" and seen["args"][1] == 7999
