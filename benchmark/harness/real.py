"""The paper's real datasets, loaded by Hub id (or from a local copy) into the task records.

Each real schema has one mapper, registered by the dataset's name, which is also the name of the
generated subset it mirrors; the prompts follow lm-eval's formats and our record conventions
(the continuation is ``" " + choice``). For the QA datasets ``choices`` holds the answer and its
aliases (``gold`` 0); real QA has no closed candidate set. RAG prompts use the passages the
dataset ships (TriviaQA's evidence, HotpotQA's and 2Wiki's paragraphs, gold and distractors);
NQ-open ships none, so its RAG prompt is closed-book unless a retriever adds passages.

>>> records = load_real("cms", "boolq", "tests/fixtures/real/boolq")   # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.core.errors import SftcastError
from benchmark.core.registry import Registry
from benchmark.harness.records import Records, make_record

MAX_CONTEXT_CHARS = 1500  # passages are cut to this many characters in a RAG prompt

Mapper = Callable[[dict[str, Any], str], tuple[str, list[str], str, dict[str, Any]] | None]


@dataclass(frozen=True)
class RealDataset:
    """Where a real dataset lives on the Hub and how a row becomes (prompt, choices, answer, extra)."""

    name: str
    tasks: tuple[str, ...]
    repo_id: str
    config: str | None
    split: str  # the evaluation split
    mapper: Mapper


REAL_DATASETS: Registry[RealDataset] = Registry("real dataset")


def _register(name: str, tasks: tuple[str, ...], repo_id: str, config: str | None, split: str):
    def decorator(fn: Mapper) -> Mapper:
        REAL_DATASETS.register(name, RealDataset(name, tasks, repo_id, config, split, fn))
        return fn

    return decorator


def _qa_prompt(question: str) -> str:
    question = question.strip()
    return f"Question: {question}{'' if question.endswith('?') else '?'}\nAnswer:"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CONTEXT_CHARS else text[:MAX_CONTEXT_CHARS].rsplit(" ", 1)[0]


def _answers(first: str, aliases: Iterable[str] = ()) -> list[str]:
    out: list[str] = []
    for a in (first, *aliases):
        a = str(a).strip()
        if a and a not in out:
            out.append(a)
    return out


# ---- CMS -----------------------------------------------------------------------------------------
@_register("boolq", ("cms",), "google/boolq", None, "validation")
def _boolq(row: dict[str, Any], task: str):
    prompt = f"Passage: {_clip(row['passage'])}\n" + _qa_prompt(row["question"])
    return prompt, ["yes", "no"], "yes" if row["answer"] else "no", {}


@_register("piqa", ("cms",), "ybisk/piqa", None, "validation")
def _piqa(row: dict[str, Any], task: str):
    choices = [row["sol1"].strip(), row["sol2"].strip()]
    if int(row["label"]) not in (0, 1) or choices[0] == choices[1]:
        return None
    return f"Goal: {row['goal'].strip()}\nSolution:", choices, choices[int(row["label"])], {}


def _hellaswag_clean(text: str) -> str:
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ").strip()


@_register("hellaswag", ("cms",), "Rowan/hellaswag", None, "validation")
def _hellaswag(row: dict[str, Any], task: str):
    if str(row.get("label", "")).strip() == "":
        return None  # the test split has no labels
    ctx = row["ctx_a"] + " " + row["ctx_b"].capitalize()
    prompt = _hellaswag_clean(row["activity_label"] + ": " + ctx)
    endings = [_hellaswag_clean(e) for e in row["endings"]]
    return prompt, endings, endings[int(row["label"])], {}


@_register("winogrande", ("cms",), "allenai/winogrande", "winogrande_xl", "validation")
def _winogrande(row: dict[str, Any], task: str):
    if str(row.get("answer", "")).strip() not in ("1", "2"):
        return None
    choices = [row["option1"].strip(), row["option2"].strip()]
    return f"{row['sentence'].strip()}\nAnswer:", choices, choices[int(row["answer"]) - 1], {}


@_register("openbookqa", ("cms",), "allenai/openbookqa", "main", "validation")
def _openbookqa(row: dict[str, Any], task: str):
    texts, labels = list(row["choices"]["text"]), list(row["choices"]["label"])
    answer = texts[labels.index(row["answerKey"].strip())]
    return _qa_prompt(row["question_stem"]), [t.strip() for t in texts], answer.strip(), {}


# ---- RAG and CBQA --------------------------------------------------------------------------------
def _qa_record(question: str, answers: list[str], passages: list[str], task: str):
    if not answers:
        return None
    prompt = _qa_prompt(question)
    if task == "rag" and passages:
        prompt = "\n".join(f"Passage: {_clip(p)}" for p in passages) + "\n" + prompt
    return prompt, answers, answers[0], {"aliases": answers[1:]}


@_register("nq_open", ("rag", "cbqa"), "google-research-datasets/nq_open", None, "validation")
def _nq_open(row: dict[str, Any], task: str):
    answers = row["answer"]
    return _qa_record(row["question"], _answers(answers[0], answers[1:]) if answers else [], [], task)


@_register("trivia_qa", ("rag", "cbqa"), "mandarjoshi/trivia_qa", "rc", "validation")
def _trivia_qa(row: dict[str, Any], task: str):
    answer = row["answer"]
    passages = list((row.get("entity_pages") or {}).get("wiki_context") or [])[:1]
    passages += list((row.get("search_results") or {}).get("search_context") or [])[:1]
    return _qa_record(row["question"], _answers(answer["value"], answer.get("aliases", [])), passages, task)


def _paragraphs(context: Any) -> list[tuple[str, list[str]]]:
    """HotpotQA/2Wiki context as (title, sentences): the Hub's dict form or the original list form."""
    if isinstance(context, dict):
        return list(zip(context["title"], context["sentences"], strict=True))
    return [(title, list(sentences)) for title, sentences in context]


def _supporting_titles(facts: Any) -> list[str]:
    if isinstance(facts, dict):
        return list(dict.fromkeys(facts["title"]))
    return list(dict.fromkeys(title for title, _ in facts))


def _multihop(row: dict[str, Any], task: str):
    paragraphs = _paragraphs(row["context"])
    gold = _supporting_titles(row["supporting_facts"])
    ordered = [p for p in paragraphs if p[0] in gold] + [p for p in paragraphs if p[0] not in gold][:2]
    passages = [f"{title}: {' '.join(s.strip() for s in sentences)}" for title, sentences in ordered]
    extra_hops = {"type": row.get("type")}
    record = _qa_record(row["question"], _answers(row["answer"]), passages, task)
    return None if record is None else (*record[:3], {**record[3], **extra_hops})


_register("hotpot_qa", ("rag", "cbqa"), "hotpotqa/hotpot_qa", "distractor", "validation")(_multihop)
_register("2wikimultihopqa", ("rag", "cbqa"), "framolfese/2WikiMultihopQA", None, "validation")(_multihop)


# ---- loading -------------------------------------------------------------------------------------
def _rows(path_or_repo_id: str, config: str | None, split: str) -> Iterable[dict[str, Any]]:
    from datasets import load_dataset

    path = Path(path_or_repo_id)
    if path.is_dir():
        files = sorted(
            f for f in path.iterdir() if f.stem == split and f.suffix in (".jsonl", ".json", ".parquet")
        )
        if files:
            path = files[0]
    if path.is_file():
        builder = "parquet" if path.suffix == ".parquet" else "json"
        return load_dataset(builder, data_files=str(path), split="train")
    try:
        return load_dataset(path_or_repo_id, config, split=split)
    except Exception as exc:  # datasets raises many types for a missing dataset or split
        raise SftcastError(
            f"cannot load {path_or_repo_id!r} (config {config}, split {split}): {exc}"
        ) from exc


def load_real(
    task: str,
    subset: str,
    path_or_repo_id: str | None = None,
    split: str | None = None,
    limit: int | None = None,
    config: str | None = None,
) -> Records:
    """Records of the real dataset ``subset`` for ``task``, via ``datasets.load_dataset``.

    Args:
        task: ``cms``, ``rag`` or ``cbqa`` (the dataset must belong to it).
        subset: boolq, piqa, hellaswag, winogrande, openbookqa, nq_open, trivia_qa, hotpot_qa,
            2wikimultihopqa.
        path_or_repo_id: a Hub id (default: the dataset's canonical one), a local folder holding
            ``<split>.jsonl``/``.parquet``, or a file in the dataset's schema.
        split: default the dataset's evaluation split (``validation``).
        limit: keep the first ``limit`` usable rows.
    """
    spec = REAL_DATASETS.get(subset)
    if task not in spec.tasks:
        raise SftcastError(f"{subset} is not a {task} dataset (it belongs to {', '.join(spec.tasks)})")
    split = split or spec.split
    source = path_or_repo_id or spec.repo_id
    records: Records = []
    for row in _rows(source, config if config is not None else spec.config, split):
        mapped = spec.mapper(dict(row), task)
        if mapped is None:
            continue
        prompt, choices, answer, extra = mapped
        records.append(
            make_record(task, subset, split, len(records), prompt, choices, answer, real=True, **extra)
        )
        if limit is not None and len(records) >= limit:
            break
    return records
