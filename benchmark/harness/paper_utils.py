"""Functions the ``--data paper`` tasks reach through ``!function paper_utils.NAME``.

``load_local`` serves a stock lm-eval task from local copies of its dataset (``--data-dir``): the
rows are read as they are, and a copy in the schema of another Hub release of the same dataset
is mapped to the one the stock task reads (google/boolq's ``answer`` to super_glue's ``label``).
``process_any_answer`` scores the RAG generations against every gold alias, as the stock
``nq_open`` and ``triviaqa`` tasks do.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _read(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def adapt_row(row: dict[str, Any], schema: str | None) -> dict[str, Any] | None:
    """``row`` in the schema the stock task reads, or None to leave it out: ``boolq_label`` adds
    super_glue's ``label`` to a google/boolq row; ``labelled`` drops a row with an empty ``label``
    (HellaSwag's test rows, which the stock task cannot score); other schemas pass unchanged."""
    if schema == "boolq_label" and "label" not in row and "answer" in row:
        return {**row, "label": int(bool(row["answer"]))}
    if schema == "labelled" and str(row.get("label", "")).strip() == "":
        return None
    return row


def local_rows(data_files: dict[str, str], schema: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{split: rows}`` of local copies (``.jsonl``/``.json`` lines or ``.parquet``), adapted."""
    out = {}
    for split, path in data_files.items():
        out[split] = [a for r in _read(path) if (a := adapt_row(r, schema)) is not None]
    return out


def load_local(data_files: dict[str, str], local_schema: str | None = None, **_: Any) -> Any:
    """``custom_dataset`` of a stock task on local copies: ``{split: file}`` -> a ``DatasetDict``."""
    import datasets

    rows = local_rows(data_files, local_schema)
    return datasets.DatasetDict({split: datasets.Dataset.from_list(r) for split, r in rows.items()})


def _normalize(text: str) -> str:
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(text.split())


def process_any_answer(doc: dict[str, Any], results: Sequence[str]) -> dict[str, float]:
    """Exact match of the generation's first line with any of ``doc["choices"]`` (the answer and its
    aliases), after lower-casing, dropping punctuation and collapsing whitespace."""
    guess = _normalize(results[0].split("\n", 1)[0])
    return {"exact_match": float(any(guess == _normalize(a) for a in doc["choices"]))}
