"""Build, push and load the Hub-ready pair dataset.

The folder is a Hugging Face dataset repository: parquet files under ``data/<suite>/`` and a
``README.md`` (the dataset card, from ``dataset_card.md``) whose YAML front matter declares
one config per suite and kind, e.g. ``zeng2025_models`` and ``zeng2025_pairs``. The same
``load_dataset`` call works on the folder and on the Hub repo::

    load_dataset("path/to/folder", "zeng2025_pairs")   # or load_dataset("org/sftcast", ...)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmark.analysis.floor import FLOOR_NOTE, format_floor, proxy_floor
from benchmark.analysis.plots import noise_view
from benchmark.core.errors import SftcastError
from benchmark.core.pairs import suite_pairs
from benchmark.core.schema import Suite, list_suites, load_suite

CARD_TEMPLATE = Path(__file__).resolve().parents[2] / "dataset_card.md"
CONFIGS_MARKER = "<!-- sftcast:configs -->"
STATS_MARKER = "<!-- sftcast:stats -->"
NOISE_MARKER = "<!-- sftcast:noise -->"


def suite_tables(suite: Suite) -> dict[str, pd.DataFrame]:
    """The tables published for a suite: ``models``, ``pairs`` (every task, one row a pair) and
    any extra tables its YAML declares (e.g. ``seeds``, ``checkpoints``)."""
    pairs = pd.concat([suite_pairs(suite, t) for t in suite.tasks], ignore_index=True)
    pairs.insert(0, "suite", suite.name)
    tables = {"models": suite.models.copy(), "pairs": pairs}
    for kind in suite.meta.get("tables", {}):
        tables[kind] = suite.table(kind)
    for frame in tables.values():
        if "suite" not in frame.columns:
            frame.insert(0, "suite", suite.name)
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype(str)
    return tables


def _front_matter(configs: list[dict[str, Any]]) -> str:
    meta = {
        "pretty_name": "sftcast: predicting post-SFT rankings of LLM checkpoints",
        "license": "other",
        "language": ["en"],
        "task_categories": ["tabular-classification"],
        "tags": ["llm", "pre-training", "fine-tuning", "model-selection", "benchmark"],
        "size_categories": ["1K<n<10K"],
        "configs": configs,
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n"


def _stats(suites: list[Suite], tables: dict[str, dict[str, pd.DataFrame]]) -> str:
    lines = ["| suite | models | task | pairs | tied pairs | a better |", "|---|---|---|---|---|---|"]
    for suite in suites:
        pairs = tables[suite.name]["pairs"]
        for task, group in pairs.groupby("task", sort=False):
            lines.append(
                f"| {suite.name} | {len(suite.models)} | {task} | {len(group)} | "
                f"{int(group['tie'].sum())} | {int(group['label'].sum())} |"
            )
    return "\n".join(lines)


def _noise(suites: list[Suite], out: Path) -> str:
    """The card's label-noise section: per suite, a summary, the table and the seed scatter."""
    from benchmark.analysis.plots import save_figure

    parts = []
    for suite in suites:
        view = noise_view(suite)
        parts.append(f"#### `{suite.name}`\n\n{view.summary}")
        if view.figure is not None:
            figure = Path("figures") / f"{suite.name}_noise.png"
            (out / figure).parent.mkdir(parents=True, exist_ok=True)
            save_figure(view.figure, out / figure)
            parts.append(view.markdown)
            parts.append(f"![{suite.name}: seed 0 against seed 1 of each rerun variant]({figure.as_posix()})")
        floor = proxy_floor(suite)
        if floor is not None:
            parts.append(f"The `{suite.name}` proxies against a randomly initialised model ({FLOOR_NOTE}):")
            parts.append(format_floor(floor))
    return "\n\n".join(parts)


def build_dataset(out_dir: str | Path, suites: list[str] | None = None) -> Path:
    """Write the dataset folder (parquet + README.md card) and return its path."""
    out = Path(out_dir)
    names = suites or list_suites()
    loaded = [load_suite(n) for n in names]
    if not CARD_TEMPLATE.exists():
        raise SftcastError(f"dataset card template not found: {CARD_TEMPLATE}")
    configs, tables = [], {}
    for suite in loaded:
        tables[suite.name] = suite_tables(suite)
        for kind, frame in tables[suite.name].items():
            rel = Path("data") / suite.name / f"{kind}.parquet"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(out / rel, index=False)
            configs.append(
                {
                    "config_name": f"{suite.name}_{kind}",
                    "data_files": [{"split": "train", "path": rel.as_posix()}],
                }
            )
    _mark_default(configs)
    table = ["| config | rows | one row is |", "|---|---|---|"]
    for cfg in configs:
        suite_name, kind = cfg["config_name"].rsplit("_", 1)
        what = {
            "models": "a model",
            "pairs": "a pair of models on one task",
            "seeds": "a model trained with one seed (noise estimate)",
            "checkpoints": "a model's proxies at one intermediate checkpoint",
        }.get(kind, kind)
        table.append(f"| `{cfg['config_name']}` | {len(tables[suite_name][kind])} | {what} |")
    body = CARD_TEMPLATE.read_text()
    body = body.replace(CONFIGS_MARKER, "\n".join(table)).replace(STATS_MARKER, _stats(loaded, tables))
    body = body.replace(NOISE_MARKER, _noise(loaded, out))
    (out / "README.md").write_text(_front_matter(configs) + "\n" + body)
    return out


DEFAULT_CONFIG = "zeng2025_pairs"


def _mark_default(configs: list[dict[str, Any]]) -> None:
    """Mark one pairs config as the dataset's default, so that ``load_dataset(REPO)`` needs no config
    name: ``zeng2025_pairs`` when built, else the first pairs config."""
    names = [c["config_name"] for c in configs]
    pairs = [n for n in names if n.endswith("_pairs")]
    default = DEFAULT_CONFIG if DEFAULT_CONFIG in names else (pairs[0] if pairs else None)
    for cfg in configs:
        if cfg["config_name"] == default:
            cfg["default"] = True


def dataset_files(folder: str | Path) -> list[str]:
    """The files of a built dataset folder, relative and sorted (what a push uploads)."""
    root = Path(folder)
    if not (root / "README.md").exists():
        raise SftcastError(
            f"{root} is not a built dataset folder (no README.md); run `sftcast dataset build`"
        )
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def push_dataset(
    folder: str | Path, repo_id: str, token: str | None = None, private: bool = False, dry_run: bool = False
) -> list[str]:
    """Upload a built folder to the Hub dataset repo ``repo_id``; ``dry_run`` only lists files."""
    files = dataset_files(folder)
    if "/" not in repo_id or repo_id.count("/") != 1:
        raise SftcastError(f"repo id must look like 'org/name', got {repo_id!r}")
    if dry_run:
        return files
    from huggingface_hub import HfApi
    from huggingface_hub.utils import get_token

    token = token or get_token()
    if not token:
        raise SftcastError(
            "no Hugging Face token: set HF_TOKEN or run `huggingface-cli login` (or use --dry-run)"
        )
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset")
    return files


def load(repo_id_or_dir: str | Path, config: str | None = None, split: str = "train"):  # noqa: ANN201
    """``datasets.load_dataset`` on a Hub repo id or a local folder, the same call either way
    (a ``datasets.Dataset``); without ``config``, the default pairs config."""
    from datasets import load_dataset

    return load_dataset(str(repo_id_or_dir), config, split=split)
