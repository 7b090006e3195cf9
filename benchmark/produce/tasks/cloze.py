"""The synthetic world's cloze probes (kshot_facts, kshot_props): each fact stated as the corpus states it.

The producer writes these docs into the harness data folder (``<task>/<subset>/<split>.cloze.jsonl``),
so the harness reads phrasings and never asks the world how it writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.harness.evaluator import write_text
from benchmark.harness.records import cloze_file
from benchmark.harness.utils import TASK_FIELDS, read_jsonl
from benchmark.produce.world.physics import PROPERTIES, property_phrase
from benchmark.produce.world.templates import object_statement_prefixes, statement_prefix


def cloze_docs(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The single-fact questions among ``rows``, each asked as the start of a corpus sentence.

    A world question with one hop ``[entity, relation, value]`` becomes ``prompt`` =
    ``templates.statement_prefix(relation, entity)`` ("Ann Lee was born in") with the same
    candidates and gold; multi-hop questions, and rows without ``hops`` (real datasets), are left out.
    """
    out = []
    for r in rows:
        hops = r.get("hops") or []
        prefix = statement_prefix(hops[0][1], hops[0][0]) if len(hops) == 1 else None
        if prefix is not None:
            out.append({**{k: r[k] for k in TASK_FIELDS}, "prompt": prefix})
    return out


def property_docs(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The object facts behind world CMS rows, each stated in every corpus phrasing.

    A world CMS row names an object ``entity``, one of its properties ``attribute`` and a value
    ``asked``. A yes/no (BoolQ-shaped) row asks whether the object has ``asked``, and its
    ``answer`` gives the value; in every other shape the object ``entity`` has ``asked`` (the
    gold ending, option or blank). Each distinct (entity, attribute) becomes one doc per
    ``templates.object_statement_prefixes``: ``prompt`` "The iron kettle", ``choices`` the
    attribute's two value phrases ("is heavy", "is light"), ``gold`` the object's. Rows without
    these fields (real datasets) are left out.
    """
    out, seen = [], set()
    for r in rows:
        values = PROPERTIES.get(r.get("attribute", ""))
        if values is None or r.get("asked") not in values or not r.get("entity"):
            continue
        if (r["entity"], r["attribute"]) in seen:
            continue
        seen.add((r["entity"], r["attribute"]))
        asked = values.index(r["asked"])
        gold = 1 - asked if r.get("answer") == "no" and r.get("choices") == ["yes", "no"] else asked
        choices = [property_phrase(v) for v in values]
        for k, prefix in enumerate(object_statement_prefixes(r["entity"])):
            doc = {"id": f"{r['id']}/statement{k}", "task": r["task"], "subset": r["subset"]}
            out.append({**doc, "prompt": prefix, "choices": choices, "gold": gold, "answer": choices[gold]})
    return out


def write_cloze_files(data_dir: str | Path) -> list[Path]:
    """Write ``cloze_file`` beside every task split file of ``data_dir`` that states world facts."""
    written = []
    for path in sorted(Path(data_dir).glob("*/*/*.jsonl")):
        if path.name.endswith(".cloze.jsonl"):
            continue
        rows = read_jsonl(path)
        docs = cloze_docs(rows) + property_docs(rows)
        if docs:
            target = cloze_file(path)
            write_text(target, "".join(json.dumps(d) + "\n" for d in docs))
            written.append(target)
    return written
