"""``sftcast space build --out DIR``: a ready Hugging Face Space folder for the leaderboard.

The folder holds ``app.py`` (the Space's entry point), ``requirements.txt`` pinning the
versions installed here of every distribution the served app imports, a ``README.md`` with the
Space front matter (``sdk: gradio``, ``sdk_version`` pinned, ``app_file: app.py``), and copies
of the ``benchmark`` and ``leaderboard`` packages and of ``submissions/``. docs/leaderboard.md
walks through deploying it.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

from benchmark.core.errors import SftcastError

REPO_ROOT = Path(__file__).resolve().parents[1]
COPIED = ("benchmark", "leaderboard", "submissions")
# the sdk, the results repo's client, and what the app imports lazily (the bootstrap's thread limit)
ALWAYS = ("gradio", "huggingface-hub", "threadpoolctl")

APP_PY = '''"""The sftcast leaderboard as a Hugging Face Space (written by `sftcast space build`).

Settings come from the environment (Space secrets and variables):
- SFTCAST_RESULTS_REPO: ORG/NAME of the dataset repo holding one JSON per submission (optional);
  HF_TOKEN must be a secret with write access to it.
- SFTCAST_LEADERBOARD_DB: where the SQLite store lives (default: /data if the Space has
  persistent storage, else ./out).
- GRADIO_SERVER_NAME / GRADIO_SERVER_PORT: where to listen (Spaces set 0.0.0.0:7860).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from leaderboard.app import serve  # noqa: E402

if __name__ == "__main__":
    data = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else HERE / "out"
    serve(
        host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        db=os.environ.get("SFTCAST_LEADERBOARD_DB", str(data / "results.sqlite")),
        submissions_dir=HERE / "submissions",
        results_repo=os.environ.get("SFTCAST_RESULTS_REPO") or None,
    )
'''

README = """---
title: sftcast leaderboard
emoji: 📈
colorFrom: indigo
colorTo: green
sdk: gradio
sdk_version: {gradio}
python_version: "{python}"
app_file: app.py
pinned: false
license: apache-2.0
short_description: Which checkpoint is better after SFT? Predictors ranked.
---

# sftcast leaderboard

Predictors of which of two LLM checkpoints is better after supervised fine-tuning, ranked by
pairwise accuracy on held-out model pairs, with model-level bootstrap CIs and rank ranges.

This folder was written by `sftcast space build`. Push it to a Space (`sdk: gradio`). To keep
uploaded submissions across restarts, create a dataset repo, set the Space variable
`SFTCAST_RESULTS_REPO=ORG/NAME` and a write token as the secret `HF_TOKEN`: the app restores its
store from the repo on start and uploads one JSON per accepted submission to `results/`.
`requirements.txt` pins the versions it was built and tested with.
"""

# the distributions the served app imports, found by importing it in a fresh interpreter
_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import leaderboard.app, leaderboard.hub, leaderboard.ranking
import benchmark.analysis.plots, benchmark.analysis.noise
import benchmark.core.predictors.proxy, benchmark.core.scoring
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def requirements() -> list[str]:
    """``name==version`` for each installed distribution the served app imports, among those the
    project declares (plus the Space's sdk and the Hub client)."""

    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(REPO_ROOT)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SftcastError(f"cannot import the leaderboard to list its requirements: {out.stderr[-300:]}")
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    dists = packages_distributions()
    imported = {d.lower().replace("_", "-") for m in modules for d in dists.get(m, [])}
    declared = _declared()
    names = sorted((imported & declared) | set(ALWAYS) | (imported & {"numpy", "threadpoolctl", "packaging"}))
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return pins


def _declared() -> set[str]:
    """The project's declared runtime dependencies (names only), from pyproject.toml."""

    text = (REPO_ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, flags=re.S | re.M)
    if block is None:
        raise SftcastError("pyproject.toml has no [project] dependencies list")
    deps = re.findall(r'^\s*"([^"]+)"', block.group(1), flags=re.M)
    return {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower().replace("_", "-") for d in deps}


def build_space(out: str | Path) -> Path:
    """Write the Space folder ``out`` (which must be absent or empty); return it."""
    import gradio

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SftcastError(f"{out} exists and is not empty; pick a new folder")
    out.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for name in COPIED:
        shutil.copytree(REPO_ROOT / name, out / name, ignore=ignore)
    (out / "app.py").write_text(APP_PY)
    (out / "requirements.txt").write_text("\n".join(requirements()) + "\n")
    python = ".".join(platform.python_version_tuple()[:2])
    (out / "README.md").write_text(README.format(gradio=gradio.__version__, python=python))
    return out
