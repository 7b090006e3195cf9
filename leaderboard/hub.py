"""A results repo mirrors the store: one JSON per submission (``ResultsStore.export_json``).

On a Hugging Face Space the SQLite file is lost on every restart, so the durable state is a
Hub *dataset* repo, as in the HF leaderboard template. ``sftcast leaderboard --results-repo
ORG/NAME`` restores the store from it on start (``snapshot_download``) and uploads each
accepted submission's JSON (``upload_folder``). A local directory stands in for the repo when
the argument is a path (``./mirror``, ``/srv/results``, ``file:///...``): the same files, no
network, which is what the tests use.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from benchmark.core.errors import SftcastError
from leaderboard.store import ResultsStore

RESULTS_DIR = "results"  # where the JSON files live inside the repo
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


class ResultsMirror:
    """Pull a store from, and push submissions to, a Hub dataset repo or a local directory."""

    def __init__(self, target: str, token: str | None = None) -> None:
        self.target = target
        self.token = token
        local = target.removeprefix("file://")
        if target.startswith(("file://", "/", "./", "../", "~")) or Path(local).expanduser().is_dir():
            self.local: Path | None = Path(local).expanduser()
        elif REPO_ID_RE.match(target):
            self.local = None
        else:
            raise SftcastError(f"--results-repo {target!r} is neither ORG/NAME nor a local directory")

    def pull(self, store: ResultsStore) -> list[str]:
        """Add to ``store`` every submission of the repo it lacks; return their names."""
        if self.local is not None:
            folder = self.local / RESULTS_DIR
            return store.import_json(folder) if folder.is_dir() else []
        from huggingface_hub import snapshot_download

        with tempfile.TemporaryDirectory(prefix="sftcast-results-") as tmp:
            snapshot_download(
                self.target,
                repo_type="dataset",
                local_dir=tmp,
                allow_patterns=[f"{RESULTS_DIR}/*.json"],
                token=self.token,
            )
            folder = Path(tmp) / RESULTS_DIR
            return store.import_json(folder) if folder.is_dir() else []

    def push(self, store: ResultsStore, names: list[str]) -> None:
        """Write the JSON of each named submission to the repo (one commit on the Hub)."""
        with tempfile.TemporaryDirectory(prefix="sftcast-push-") as tmp:
            staged = Path(tmp) / RESULTS_DIR
            store.export_json(staged, names=names)
            if self.local is not None:
                dest = self.local / RESULTS_DIR
                dest.mkdir(parents=True, exist_ok=True)
                for path in staged.glob("*.json"):
                    part = dest / f".{path.name}.part"
                    shutil.copyfile(path, part)
                    part.replace(dest / path.name)
                return
            from huggingface_hub import upload_folder

            upload_folder(
                repo_id=self.target,
                repo_type="dataset",
                folder_path=tmp,
                commit_message=f"sftcast: add {', '.join(names)}",
                token=self.token,
            )
