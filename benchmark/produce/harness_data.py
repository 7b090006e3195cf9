"""The harness data folder of the synthetic world: its tasks and held-out text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from filelock import FileLock

from benchmark.core.vocab import TASK_VERSIONS
from benchmark.harness.evaluator import DATA_STAMP, HELDOUT_FILE, data_current, write_text
from benchmark.produce.corpus import build_corpus
from benchmark.produce.tasks import build_tasks, export_tasks
from benchmark.produce.tasks.cloze import write_cloze_files
from benchmark.produce.world import World

HELDOUT_SEED_OFFSET = 10_000  # held-out documents come from the world's streams at seed + this


def prepare_heldout(
    out_dir: str | Path, world_size: str = "tiny", seed: int = 0, n_words: int = 20_000
) -> Path:
    """Write ``heldout_text.jsonl``: DC-0 documents of the world ``(world_size, seed)``.

    The world is the one the suite pre-trains on; its document streams are drawn with seed
    ``seed + HELDOUT_SEED_OFFSET``, so the texts are new renderings of the same universe. DC-0
    holds all seven domains; documents are untagged and unfiltered.
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = World.generate(size=world_size, seed=seed)
    texts = build_corpus(world, "DC-0", n_tokens=n_words, seed=seed + HELDOUT_SEED_OFFSET)
    path = out / HELDOUT_FILE
    write_text(
        path, "".join(json.dumps({"id": f"heldout-{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    )
    meta = {"world_size": world_size, "seed": seed, "heldout_seed": seed + HELDOUT_SEED_OFFSET,
            "mixture": "DC-0", "n_words": n_words, "n_docs": len(texts)}  # fmt: skip
    write_text(out / "heldout_text.json", json.dumps(meta, indent=2) + "\n")
    return path


def prepare_data(
    world_size: str = "tiny", seed: int = 0, out_dir: str | Path | None = None, n_words: int = 20_000
) -> Path:
    """Write one data folder for the harness: the world's tasks and its held-out text.

    Default folder: ``runs/proxy_data/{world_size}-seed{seed}``. Tasks come from
    ``benchmark.produce.tasks.build_tasks(World.generate(world_size, seed), seed)``.
    """
    out = Path(out_dir) if out_dir is not None else Path("runs/proxy_data") / f"{world_size}-seed{seed}"
    (out / DATA_STAMP).unlink(missing_ok=True)  # an interrupted rebuild is not current
    export_tasks(build_tasks(World.generate(size=world_size, seed=seed), seed), out)
    write_cloze_files(out)
    prepare_heldout(out, world_size, seed, n_words)
    write_text(out / DATA_STAMP, json.dumps(TASK_VERSIONS, sort_keys=True) + "\n")  # written last
    return out


def ensure_data(world_size: str, seed: int, out_dir: str | Path) -> bool:
    """``prepare_data`` into ``out_dir`` unless it already holds the current tasks (``data_current``),
    under a file lock beside it; True when it wrote the folder."""

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if data_current(out):
            return False
        prepare_data(world_size, seed, out)
        return True


def default_data_dir(world: str = "tiny", seed: int = 0, quiet: bool = False) -> Path:
    """``runs/proxy_data/{world}-seed{seed}``, written from the world on first use and again
    when the tasks changed (``ensure_data``)."""

    data = Path("runs/proxy_data") / f"{world}-seed{seed}"
    if ensure_data(world, seed, data) and not quiet:
        print(f"wrote {data} (world {world}, seed {seed})", file=sys.stderr)
    return data
