"""The task record, its checks, and the JSONL layout ``<dir>/<task>/<subset>/<split>.jsonl``.

A record is one multiple-choice (or exact-match) item::

    {"id": "cbqa/nq_open/test/00007", "task": "cbqa", "subset": "nq_open",
     "prompt": "Question: Where was Ada Vorn born?\\nAnswer:",
     "choices": ["Belmora", "Cadrith", ...], "gold": 1, "answer": "Cadrith"}

The model's continuation is ``" " + choice`` after ``prompt``; ``answer == choices[gold]``.
A record with a ``continuation`` is scored as lm-eval scores Winogrande ("partial scoring"): each
choice goes into the context, ``prompt + " " + choice``, and the one scored continuation is
``" " + continuation`` (``partial_contexts``); SFT trains on the gold context. Extra keys are
allowed (``entity``, ``entities``, ``hops``, ``passages``, ...).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from benchmark.core.errors import SftcastError

SPLITS = ("train", "dev", "test")
REQUIRED = {
    "id": str,
    "task": str,
    "subset": str,
    "prompt": str,
    "choices": list,
    "gold": int,
    "answer": str,
}

Records = list[dict[str, Any]]
Tasks = dict[str, dict[str, dict[str, Records]]]  # task -> subset -> split -> records


def make_record(
    task: str,
    subset: str,
    split: str,
    index: int,
    prompt: str,
    choices: list[str],
    answer: str,
    **extra: Any,
) -> dict[str, Any]:
    """A checked record; ``gold`` is the index of ``answer`` in ``choices``."""
    if answer not in choices:
        raise SftcastError(f"{task}/{subset}: answer {answer!r} is not among the choices")
    record = {
        "id": f"{task}/{subset}/{split}/{index:05d}",
        "task": task,
        "subset": subset,
        "prompt": prompt,
        "choices": list(choices),
        "gold": choices.index(answer),
        "answer": answer,
        **extra,
    }
    validate_record(record)
    return record


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise ``SftcastError`` unless ``record`` has the required keys and ``answer == choices[gold]``."""
    rid = record.get("id", "?")
    for key, kind in REQUIRED.items():
        if not isinstance(record.get(key), kind) or (kind is int and isinstance(record.get(key), bool)):
            raise SftcastError(f"record {rid}: {key!r} must be a {kind.__name__}")
    choices, gold = record["choices"], record["gold"]
    if not choices or not all(isinstance(c, str) and c for c in choices):
        raise SftcastError(f"record {rid}: choices must be non-empty strings")
    if not 0 <= gold < len(choices) or choices[gold] != record["answer"]:
        raise SftcastError(f"record {rid}: answer must equal choices[gold]")
    if record["prompt"] != record["prompt"].rstrip():
        raise SftcastError(f"record {rid}: the prompt must not end with whitespace")
    if "continuation" in record:  # partial scoring: the choices end contexts, as prompts do
        cont = record["continuation"]
        if not isinstance(cont, str) or not cont.strip() or cont != cont.lstrip():
            raise SftcastError(f"record {rid}: continuation must be a non-empty string without leading space")
        if any(c != c.rstrip() for c in choices):
            raise SftcastError(f"record {rid}: partially scored choices must not end with whitespace")


def is_partial(records: Iterable[Mapping[str, Any]], where: str = "records") -> bool:
    """Whether ``records`` are partially scored (all have ``continuation``); a mix raises."""
    kinds = {"continuation" in r for r in records}
    if len(kinds) > 1:
        raise SftcastError(f"{where}: some records have a continuation and some do not")
    return kinds == {True}


def partial_contexts(record: Mapping[str, Any]) -> list[str]:
    """The contexts of a partially scored record (one with ``continuation``): ``prompt + " " + choice``."""
    return [f"{record['prompt']} {choice}" for choice in record["choices"]]


def export_tasks(tasks: Tasks, out_dir: str | Path) -> Path:
    """Write every split to ``<out_dir>/<task>/<subset>/<split>.jsonl``; return ``out_dir``."""
    out = Path(out_dir)
    for task, subsets in tasks.items():
        for subset, splits in subsets.items():
            for split, records in splits.items():
                write_jsonl(records, out / task / subset / f"{split}.jsonl")
    return out


def write_jsonl(records: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # atomic: a reader sees old or new
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def load_records(data_dir: str | Path, task: str, subset: str, split: str = "test") -> Records:
    """Read ``<data_dir>/<task>/<subset>/<split>.jsonl`` (every record is validated)."""
    path = Path(data_dir) / task / subset / f"{split}.jsonl"
    if not path.exists():
        raise SftcastError(f"no task file {path} (export tasks first: `sftcast produce tasks export`)")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        if "task" not in record and "family" in record:  # written before the key was named "task"
            record["task"] = record.pop("family")
        validate_record(record)
    return records


def cloze_file(split_file: str | Path) -> Path:
    """Where the cloze docs of a task split file live (``dev.jsonl`` -> ``dev.cloze.jsonl``): the
    world's facts in the corpus's words, written by the producer and read by ``kshot_cloze.yaml``."""
    return Path(split_file).with_suffix(".cloze.jsonl")
